"""The metrics endpoint: every actor's metrics, served to Prometheus."""
