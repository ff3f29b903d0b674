"""The roles actors declare (their class's `role`): how the CLI, drills and the console find the OMS,
the broker sessions, the feeds, the strategies, the signal intake, the risk monitor and the venue of a
running topology, whatever their classes are named."""

OMS = "oms"
BROKER_SESSION = "broker_session"
FEED = "feed"
VENUE = "venue"
COUNTER = "counter"
STRATEGY = "strategy"
SIGNALS = "signals"
SUPERVISOR = "supervisor"
RISK_MONITOR = "risk_monitor"
PAGER = "pager"
PAGER_SINK = "pager_sink"
METRICS = "metrics"
