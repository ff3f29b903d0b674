"""FIX 4.4 Vol 4 Appendix D order state change matrices: E (unsolicited), F (order reject),
I (time in force), J (busts and corrections), L (stopped).

Each test drives one matrix row by row: er(ExecType, OrdStatus, ClOrdID, OrigClOrdID, qty=OrderQty,
cum=CumQty, last=LastQty); `state(order)` is what the OMS then shows: (status, qty, cum_qty, leaves_qty).
"""
from __future__ import annotations

from tests.unit.actors.oms.oms_support import acked, er, new_order, state
from vocabulary.fix_codes import OrdStatus

# ---- E: unsolicited ---------------------------------------------------------------------------

def test_E_1_b_unsolicited_cancel_of_a_part_filled_order():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.apply(er("Canceled", "Canceled", cum=1000, text="verbal cancel"))
    assert state(order) == ("Canceled", 10000, 1000, 0)
    assert order.view().reason == "canceled by venue: verbal cancel"
    assert order.cl_ord_id == "X"


def test_E_1_c_unsolicited_replacement_of_a_part_filled_order():
    order = acked()
    order.apply(er("Restated", "New", qty=11000))
    assert state(order) == ("New", 11000, 0, 11000)
    order.apply(er("Trade", "PartiallyFilled", qty=11000, cum=1000, last=1000))
    order.apply(er("Restated", "PartiallyFilled", qty=12000, cum=1000))
    assert state(order) == ("PartiallyFilled", 12000, 1000, 11000)


def test_E_1_d_unsolicited_reduction_of_order_quantity_by_the_venue():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.apply(er("Restated", "PartiallyFilled", qty=6000, cum=1000))
    assert state(order) == ("PartiallyFilled", 6000, 1000, 5000)


# ---- F: order reject ----------------------------------------------------------------------------

def test_F_1_b_poss_resend_and_duplicate_cl_ord_id():
    order = acked()
    status = order.apply(er("OrderStatus", "New", exec_id="0"))
    assert not status.changed
    # the venue rejects a second NewOrderSingle(X) while reporting the first still New
    result = order.apply(er("Rejected", "New", ord_rej_reason=6))
    assert state(order) == ("New", 10000, 0, 10000)
    assert result.changed and order.is_open
    assert order.view().reason == "rejected: duplicate order"


# ---- G/I/L: status, time in force, stopped --------------------------------------------------------

def test_I_1_a_fill_or_kill_order_cannot_be_filled():
    order = new_order(tif="FillOrKill")
    order.apply(er("Expired", "Expired", leaves=0, text="FOK not filled"))
    assert state(order) == ("Expired", 10000, 0, 0)
    assert order.view().reason == "expired: FOK not filled"


def test_I_1_b_immediate_or_cancel_order_partially_filled():
    order = new_order(tif="ImmediateOrCancel")
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.apply(er("Canceled", "Canceled", cum=1000))
    assert state(order) == ("Canceled", 10000, 1000, 0)


def test_L_1_a_stopped_order_is_still_working():
    order = acked()
    order.apply(er("Stopped", "Stopped"))
    assert state(order) == ("Stopped", 10000, 0, 10000)
    order.apply(er("Trade", "Filled", cum=10000, last=10000))
    assert state(order) == ("Filled", 10000, 10000, 0)


# ---- J: busts and corrections ---------------------------------------------------------------------

def test_J_1_a_filled_order_followed_by_correction_and_cancellation_of_executions():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000, px=100, exec_id="C"))
    order.apply(er("Trade", "Filled", cum=10000, last=9000, px=110, exec_id="D"))
    assert order.avg_px == 109
    bust = order.apply(er("TradeCancel", "PartiallyFilled", cum=9000, last=0, ref="C", exec_id="E"))
    assert state(order) == ("PartiallyFilled", 10000, 9000, 1000) and order.avg_px == 110
    assert [(f.kind.value, f.ref_fill_id, f.ref_qty) for f in bust.fills] == [("bust", "X/C", 1000)]
    order.apply(er("TradeCorrect", "PartiallyFilled", cum=9000, last=9000, px=100, ref="D", exec_id="F"))
    assert order.avg_px == 100
    order.apply(er("Trade", "Filled", cum=10000, last=1000, px=120, exec_id="G"))
    assert order.avg_px == 102 and order.status is OrdStatus.FILLED
    order.apply(er("TradeCorrect", "Filled", cum=10000, last=9000, px=120, ref="F", exec_id="H"))
    assert order.avg_px == 120
    order.request_replace("Y", qty=12000)
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=10000, exec_id="I"))
    order.apply(er("Replaced", "PartiallyFilled", "Y", "X", qty=12000, cum=10000, exec_id="J"))
    fix = order.apply(er("TradeCorrect", "PartiallyFilled", "Y", qty=12000, cum=10500, last=9500, px=120,
                         ref="H", exec_id="K"))
    assert state(order) == ("PartiallyFilled", 12000, 10500, 1500) and order.avg_px == 120
    assert [(f.kind.value, f.fill_id, f.ref_fill_id, f.qty, f.ref_qty) for f in fix.fills] == [
        ("correct", "X/K", "X/H", 9500, 9000)]


def test_J_1_b_canceled_order_followed_by_a_busted_execution_and_a_new_execution():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=5000, last=5000, px=50, exec_id="B"))
    order.request_cancel("Y")
    order.apply(er("PendingCancel", "PendingCancel", "Y", "X", cum=5000))
    order.apply(er("Canceled", "Canceled", "Y", "X", cum=5000))
    order.apply(er("TradeCancel", "Canceled", cum=0, last=0, ref="B"))
    assert state(order) == ("Canceled", 10000, 0, 0)
    order.apply(er("Trade", "Canceled", cum=4000, last=4000, px=51))
    assert state(order) == ("Canceled", 10000, 4000, 0) and order.avg_px == 51
