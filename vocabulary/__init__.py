"""Vigil's one vocabulary: every message and record that crosses a process (GUIDE convention 14).

Imported by every side (actors, the simulated venue, the CLI, tests and benchmarks); it imports
none of them, only the core's `vigil.wire` (the Message base and its encoding).

    orders       SubmitOrder, CancelOrder, ReplaceOrder -> the OMS; OrderAccepted, OrderAcknowledged
    oms          the OMS's books and controls: GetOrders, GetPositions, Listing, GetRouting, halts,
                 corporate actions
    sessions     OMS <-> broker session: NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest,
                 OrderStatusRequest, OrderMassStatusRequest; FromVenue, SessionStatus, TradingStatus, NotSent
    reports      ExecutionReport, OrderCancelReject (and rejects: VenueReject), each also an OMS event
    fix_codes    OrdStatus, ExecType, Side, OrdType, TimeInForce, ... (FIX codes and their names)
    numbers      decimal quantities and prices
    market_data  the market-data wire format on ZeroMQ: Quote, Trade, encode, decode
    feeds        GetFeedStatus, FeedStatus, SwitchSource; the Redis keys a feed writes
    venue        VenueCommand (faults and venue operations)
    signals      external signals: SubmitSignal, SignalAnswer, GetSignals, SignalsStatus; what a strategy
                 host advertises for the signal intake
    counter      the durable counter's messages
    roles        what actors declare they are (oms, broker_session, feed, venue, ...), for finding them

Every submodule is imported here, so that a process that takes any message can decode them all.
"""
from vocabulary import (  # noqa: F401
                        counter,
                        feeds,
                        fix_codes,
                        market_data,
                        numbers,
                        oms,
                        orders,
                        rejects,
                        reports,
                        roles,
                        sessions,
                        signals,
                        venue,
)
