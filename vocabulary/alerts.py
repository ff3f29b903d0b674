"""Every alert Vigil can raise, named once: its problem (the name its events carry), severity, what the
page says and the runbook on-call opens (vigil.alerts). Raised by components with
`self.alert(PROBLEM, **detail)`; read by the pager, the drills and the console.
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

ALERTS = register(
    AlertKind(FEED_DEGRADED, "error", "feed {feed}: {reason} on its {source} source", "feed-degraded.md"),
    AlertKind(REFERENCE_ADOPTED, "warning", "feed {feed}: {symbol} trades around {observed}, outside the band of "
              "the symbol master's reference price {configured}; the band follows the market now", "feed-degraded.md"),
    AlertKind(STRATEGY_HALTED, "error", "strategy {strategy} HALTED: {reason}", "strategy-halted.md"),
    AlertKind(KILL_SWITCH_PULLED, "critical", "kill switch pulled by {operator} ({reason}): everything HALTED, "
              "{n_cancelled} working orders cancelled, {n_failed} could not be", "kill-switch-pulled.md"),
    AlertKind(STOP_LOSS_HIT, "error", "strategy {strategy} hit its stop-loss ({reason}): REDUCING, its orders "
              "cancelled and its positions being closed", "stop-loss-hit.md"),
    AlertKind(STOP_LOSS_INCOMPLETE, "critical", "strategy {strategy}: its stop-loss could not be carried out in full: "
              "{failed}", "stop-loss-hit.md"),
    AlertKind(SURVEILLANCE_FLAG, "warning", "surveillance: {pattern} in strategy {strategy}'s flow: {detail}",
              "surveillance-flag.md"),
    AlertKind(RECONCILE_INCOMPLETE, "error", "session {session}: reconciliation left orders uncertain ({reason}): "
              "{orders}", "reconcile-incomplete.md"),
    AlertKind(RECONCILE_FALLBACK, "warning", "session {session}: {reason}; reconciling order by order instead",
              "reconcile-incomplete.md"),
    AlertKind(RESTRICTED_LIST_REFUSED, "error", "restricted list refused, the list in force kept: {reason}",
              "restricted-list-refused.md"),
    AlertKind(CORPORATE_ACTION_NOT_APPLIED, "error", "corporate action {action} not applied to order {order}, which "
              "stays on its old terms: {reason}", "corporate-action-not-applied.md"),
)

