"""The risk monitor's settings: stop-losses, VaR and surveillance thresholds.

    - id: risk
      start: actors.risk_monitor.monitor:RiskMonitor
      config:
        stop_loss: {mean-rev: 2000, momentum: 1500}    # loss today (realised + unrealised), base currency
        var: {method: parametric, confidence: 0.99, sample_s: 1, window: 250}
        surveillance: {max_order_to_trade: 20, max_fast_cancel_share: 0.9,
                       layering: {min_orders: 3, size_ratio: 5, around_s: 2}}
        fill_rate: {days: 14, baseline_days: 7, recent_days: 3, min_drop: 0.10}
"""
from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from actors.oms.risk.config import Amount, VarSettings
from actors.risk_monitor.fill_rate import FillRateConfig
from actors.risk_monitor.surveillance import SurveillanceConfig
from vigil.config import Config, NonEmpty, Positive
from vigil.reference import SymbolsSetting


class RiskMonitorConfig(Config):
    oms: NonEmpty = "oms"
    feed: NonEmpty = "feed"
    """The feed whose quotes mark the positions (every symbol it publishes)."""
    symbols: SymbolsSetting = None
    """The symbol master (currencies, for P&L in the base currency); none: the repo's."""
    base_currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")] = "USD"
    stop_loss: dict[str, Amount] = {}
    """strategy -> the loss today beyond which it is stopped: REDUCING, its resting orders cancelled and its
    positions closed at the market (StopLoss to the OMS), an alert `stop_loss_hit`."""
    stop_loss_default: Amount | None = None
    """The stop of a strategy not in stop_loss; none: no stop."""
    day_start_utc: Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "00:00"
    var: VarSettings = VarSettings()
    """How each book's VaR is computed from the feed's prices (actors/oms/risk/var.py)."""
    var_every_s: Positive = 5.0
    """How often the figures go to the OMS's gateway (its var.max_age_s must be longer)."""
    surveillance: SurveillanceConfig = SurveillanceConfig()
    fill_rate: FillRateConfig = FillRateConfig()
    """When a strategy's fill rate drifting down over the days raises `fill_rate_drift` (fill_rate.py)."""

    @property
    def day_offset_ns(self) -> int:
        hours, minutes = self.day_start_utc.split(":")
        return (int(hours) * 60 + int(minutes)) * 60 * 1_000_000_000
