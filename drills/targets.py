"""Which actors an action works on: the paths a drill's `target:` names in the running topology."""
from __future__ import annotations

import random as _random

from drills.live import Live
from drills.spec import Target
from vigil.errors import VigilError
from vocabulary import roles

CHAOS_ROLES = (roles.FEED, roles.STRATEGY, roles.OMS, roles.BROKER_SESSION, roles.RISK_MONITOR, roles.SIGNALS,
               roles.PAGER)
"""What `random: N` without a role picks from: the workers whose failure Vigil must ride out (not the venue,
which is the market, nor the supervisors, the pager's sink or the metrics endpoint)."""


def resolve(target: Target, live: Live, rng: _random.Random) -> list[str]:
    if target.path:
        live.actor(target.path)  # VigilError naming the actors there are
        return [target.path]
    pool = live.paths(target.role) if target.role else \
        [a["path"] for a in live.actors() if a.get("role") in CHAOS_ROLES]
    if not pool:
        raise VigilError(f"no {target.describe()} in the running topology")
    if target.random is None:
        return pool
    if target.random > len(pool):
        raise VigilError(f"{target.describe()} asked for, only {len(pool)} there: {', '.join(pool)}")
    return sorted(rng.sample(pool, target.random))
