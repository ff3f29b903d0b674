"""Actors for test topologies: some misbehave in ways the runtime must handle."""
from actors.oms.actor import OrderManager
from strategies.api import Strategy
from vigil.component import Component
from vigil.config import Config


class FailsToStartConfig(Config):
    why: str = "venue unreachable"


class FailsToStart(Component):
    config_class = FailsToStartConfig

    def on_start(self, config: FailsToStartConfig):
        raise ConnectionError(config.why)


class DeskOms(OrderManager):
    """The OMS under another name: the CLI must still find it, by the role it declares."""


class Raises(Strategy):
    """A strategy with a bug: every quote raises."""

    def on_quote(self, quote):
        raise ZeroDivisionError("a bug in strategy code")


class Idle(Strategy):
    """A strategy that never trades of its own accord: its position is only what others (signals) order for it."""


class Runaway(Strategy):
    """A strategy gone wrong: on every quote it sends an order far from the market and cancels it."""

    def on_start(self, ctx):
        self.ctx, self.quotes_seen = ctx, 0

    def on_quote(self, quote):
        self.quotes_seen += 1
        client_id = self.ctx.submit(quote.symbol, "buy", 1000, 1.0)
        self.ctx.cancel(client_id)


class Alarm(Component):
    """Raises an alert for every Increment(N) it is sent, a `strategy_halted` for strategy drill-N, and clears
    it at Increment(-N)."""

    def on_message(self, msg, sender):
        from vocabulary.alerts import STRATEGY_HALTED
        from vocabulary.counter import Increment

        if isinstance(msg, Increment):
            if msg.by > 0:
                self.alert(STRATEGY_HALTED, strategy=f"drill-{msg.by}", reason="a drill")
            else:
                self.clear_alert(STRATEGY_HALTED, strategy=f"drill-{-msg.by}")
            self.reply(sender, msg)
        else:
            super().on_message(msg, sender)
