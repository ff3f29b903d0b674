"""The risk monitor: watches the OMS's order flow after the fact (surveillance.py), off the order path."""
