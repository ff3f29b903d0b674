"""Broker sessions: one actor per FIX session, a QuickFIX initiator inside a supervised actor."""
