"""Every metric Vigil exports, named once (vigil.metrics): its kind, unit and help text. Components record
them with `self.count`, `self.total`, `self.gauge` and `self.observe`; the metrics endpoint
(actors/metrics/endpoint.py) serves them to Prometheus, each labelled with its actor; the Grafana dashboard
(dashboards/vigil.json) and the alert rules read the same names. Each actor process's CPU and memory are
vigil.metrics' own.
"""
from __future__ import annotations

from vigil.metrics import COUNTER, GAUGE, HISTOGRAM, MetricKind, declare

# the tree (the metrics endpoint, from the registry)
ACTOR_UP = MetricKind("vigil_actor_up", GAUGE, "1 while the actor is running (its state as a label)")
ACTOR_RESTARTS = MetricKind("vigil_actor_restarts", COUNTER, "Restarts of the actor by its supervisor")
ESCALATIONS = MetricKind("vigil_supervisor_escalations", COUNTER, "Times the supervisor gave up (escalated)")
# market data
FEED_MESSAGES = MetricKind("vigil_feed_messages", COUNTER, "Market-data messages the feed delivered")
FEED_GAPS = MetricKind("vigil_feed_gaps", COUNTER, "Sequence gaps the feed saw")
FEED_QUARANTINED = MetricKind("vigil_feed_quarantined", COUNTER, "Messages the feed quarantined, by rule")
FEED_FAILOVERS = MetricKind("vigil_feed_failovers", COUNTER, "Switches of the feed's source")
FEED_AGE = MetricKind("vigil_feed_last_message_age_seconds", GAUGE, "Time since the feed's active source's last "
                      "message", "s")
# FIX sessions
FIX_LOGGED_ON = MetricKind("vigil_fix_logged_on", GAUGE, "1 while the FIX session is logged on")
FIX_LOGONS = MetricKind("vigil_fix_logons", COUNTER, "Logons of the FIX session")
FIX_REJECTS = MetricKind("vigil_fix_rejects", COUNTER, "Session and business rejects the venue sent, by type")
FIX_RESENDS = MetricKind("vigil_fix_resend_requests", COUNTER, "ResendRequests of the FIX session (direction: out, "
                         "we missed messages; in, the venue did)")
FIX_SEQ = MetricKind("vigil_fix_next_seq", GAUGE, "The FIX session's next sequence numbers (direction: out, in)")
# the OMS and execution
ORDERS = MetricKind("vigil_orders", COUNTER, "Orders the OMS sent to the venue, by strategy and session")
DENIALS = MetricKind("vigil_risk_denials", COUNTER, "Orders the risk gateway denied, by strategy and reason")
FILLS = MetricKind("vigil_fills", COUNTER, "Executions (fills and partial fills), by strategy and session")
REJECTS = MetricKind("vigil_order_rejects", COUNTER, "Orders the venue rejected, by strategy and session")
ACK_LATENCY = MetricKind("vigil_order_ack_latency_seconds", HISTOGRAM, "From a NewOrderSingle sent to the venue's "
                         "first answer, by session", "s")
SLIPPAGE = MetricKind("vigil_execution_slippage_bps", HISTOGRAM, "A fill's price against the mid as its order "
                      "came in, basis points, + when it cost", "bp",
                      buckets=(-50.0, -20.0, -10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0))
# strategies and risk
DECISIONS = MetricKind("vigil_strategy_decisions", COUNTER, "Quotes a strategy decided on")
DECISION_AGE = MetricKind("vigil_strategy_last_decision_age_seconds", GAUGE, "Time since a strategy last decided "
                          "(its heartbeat as a strategy, not as a process)", "s")
STRATEGY_PNL = MetricKind("vigil_strategy_pnl", GAUGE, "A strategy's P&L (realised + unrealised), base currency")
# paging
PAGES = MetricKind("vigil_pages", COUNTER, "Pages the service took, by action (trigger, resolve)")
PAGE_FAILURES = MetricKind("vigil_page_failures", COUNTER, "Tries to page that failed (each tried again)")

METRICS = declare(ACTOR_UP, ACTOR_RESTARTS, ESCALATIONS, FEED_MESSAGES, FEED_GAPS, FEED_QUARANTINED, FEED_FAILOVERS,
                  FEED_AGE, FIX_LOGGED_ON, FIX_LOGONS, FIX_REJECTS, FIX_RESENDS, FIX_SEQ, ORDERS, DENIALS, FILLS,
                  REJECTS, ACK_LATENCY, SLIPPAGE, DECISIONS, DECISION_AGE, STRATEGY_PNL, PAGES, PAGE_FAILURES)
