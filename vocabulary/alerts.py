"""Every alert Vigil can raise, named once: its problem (the name its events carry), severity, what the
page says and the runbook on-call opens (vigil.alerts). Raised by components with
`self.alert(PROBLEM, **detail)` and, for a condition, cleared with `self.clear_alert(PROBLEM, **subject)`;
read by the pager, the drills and the console. A one-off clears by itself (its `clears_after_s`, an hour
unless said). RESTART_STORM and SUPERVISOR_GAVE_UP are raised by the pager's rules from the tree's history
(actors/pager/rules.py), not by the actor they are about: a crashing actor cannot say it crashes;
VIGIL_DOWN by the daemon when its root supervisor gave up, or by `vigil watchdog` when the daemon vanished;
STRATEGY_SILENT and REJECT_RATE_SPIKE by the pager from the tree's metrics (actors/pager/metric_rules.py).

The topology's alert rules (the pager's `rules:`) set how long each must hold before it pages and may
change its severity.
"""
from __future__ import annotations

from vigil.alerts import AlertKind, register

FEED_DEGRADED = "feed_degraded"
REFERENCE_ADOPTED = "reference_adopted"
STRATEGY_HALTED = "strategy_halted"
KILL_SWITCH_PULLED = "kill_switch_pulled"
STOP_LOSS_HIT = "stop_loss_hit"
STOP_LOSS_INCOMPLETE = "stop_loss_incomplete"
SURVEILLANCE_FLAG = "surveillance_flag"
RECONCILE_INCOMPLETE = "reconcile_incomplete"
RECONCILE_FALLBACK = "reconcile_fallback"
RESTRICTED_LIST_REFUSED = "restricted_list_refused"
CORPORATE_ACTION_NOT_APPLIED = "corporate_action_not_applied"
FEED_SWITCHED = "feed_switched"
FIX_SESSION_DOWN = "fix_session_down"
RESTART_STORM = "restart_storm"
SUPERVISOR_GAVE_UP = "supervisor_gave_up"
VIGIL_DOWN = "vigil_down"
FILL_RATE_DRIFT = "fill_rate_drift"
STRATEGY_SILENT = "strategy_silent"
REJECT_RATE_SPIKE = "reject_rate_spike"
RISK_LIMIT_BREACH = "risk_limit_breach"
HOUR, QUARTER = 3600.0, 900.0

ALERTS = register(
    AlertKind(FEED_DEGRADED, "error", "feed {feed}: {reason} on its {source} source", "feed-degraded.md"),
    AlertKind(REFERENCE_ADOPTED, "warning", "feed {feed}: {symbol} trades around {observed}, outside the band of "
              "the symbol master's reference price {configured}; the band follows the market now", "feed-degraded.md",
              HOUR),
    AlertKind(STRATEGY_HALTED, "error", "strategy {strategy} HALTED: {reason}", "strategy-halted.md"),
    AlertKind(KILL_SWITCH_PULLED, "critical", "kill switch pulled by {operator} ({reason}): everything HALTED, "
              "{n_cancelled} working orders cancelled, {n_failed} could not be", "kill-switch-pulled.md"),
    AlertKind(STOP_LOSS_HIT, "error", "strategy {strategy} hit its stop-loss ({reason}): REDUCING, its orders "
              "cancelled and its positions being closed", "stop-loss-hit.md"),
    AlertKind(STOP_LOSS_INCOMPLETE, "critical", "strategy {strategy}: its stop-loss could not be carried out in full: "
              "{failed}", "stop-loss-hit.md", HOUR),
    AlertKind(SURVEILLANCE_FLAG, "warning", "surveillance: {pattern} in strategy {strategy}'s flow: {detail}",
              "surveillance-flag.md", QUARTER),
    AlertKind(RECONCILE_INCOMPLETE, "error", "session {session}: reconciliation left orders uncertain ({reason}): "
              "{orders}", "reconcile-incomplete.md", HOUR),
    AlertKind(RECONCILE_FALLBACK, "warning", "session {session}: {reason}; reconciling order by order instead",
              "reconcile-incomplete.md", QUARTER),
    AlertKind(RESTRICTED_LIST_REFUSED, "error", "restricted list refused, the list in force kept: {reason}",
              "restricted-list-refused.md", HOUR),
    AlertKind(CORPORATE_ACTION_NOT_APPLIED, "error", "corporate action {action} not applied to order {order}, which "
              "stays on its old terms: {reason}", "corporate-action-not-applied.md", HOUR),
    AlertKind(FEED_SWITCHED, "warning", "feed {feed}: switched to its backup source ({reason})", "feed-degraded.md"),
    AlertKind(FIX_SESSION_DOWN, "critical", "session {session}: not logged on to the venue ({reason}); no orders "
              "go out through it", "fix-session-down.md"),
    AlertKind(RESTART_STORM, "error", "actor {path}: {restarts} restarts in {within_s} s (last: {reason}); its "
              "supervisor gives up at its intensity", "actor-restarting.md"),
    AlertKind(SUPERVISOR_GAVE_UP, "critical", "supervisor {path} gave up: {reason}; its parent decides now",
              "root-supervisor-gave-up.md"),
    AlertKind(FILL_RATE_DRIFT, "warning", "strategy {strategy}: its fill rate is drifting down over {days} days, "
              "{baseline} at first and {recent} lately (trend z {trend_z}): its orders fill less and less",
              "fill-rate-drift.md"),
    AlertKind(STRATEGY_SILENT, "error", "strategy {strategy}: no decision for {within_s} s while its market is "
              "open (the feeds deliver): its process is up but it does not work", "strategy-silent.md"),
    AlertKind(REJECT_RATE_SPIKE, "error", "session {session}: the venue rejected {rate} of its orders in the "
              "last {within_s} s ({rejected} of {orders}; the limit is {above})", "reject-rate-spike.md"),
    AlertKind(RISK_LIMIT_BREACH, "warning", "strategy {strategy}: an order stopped at its {limit} limit: {detail}",
              "risk-limit-breach.md", QUARTER),
    AlertKind(VIGIL_DOWN, "critical", "Vigil {system} is down: {reason}. Nothing trades and nothing is watched "
              "until it is started again; orders already at the venue still work there", "vigil-down.md"),
)

