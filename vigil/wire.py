"""What crosses a process: typed, immutable messages with a compact encoding (GUIDE conventions 3, 14).

Every message between actors is a `Message`: a frozen msgspec Struct tagged with its class name,
so any of them decodes from bytes without pickle (about a microsecond for an execution report,
against some 35 us pickled). The words themselves (orders, reports, market data, feed and venue
commands) are the `vocabulary` package's; this module is the mechanism, and knows none of them:
each Message subclass registers itself as it is defined, and `decode` accepts any registered one.
"""
from __future__ import annotations

from typing import Any, Union

import msgspec

_registry: dict[str, type[Message]] = {}


class Message(msgspec.Struct, frozen=True, tag=True, omit_defaults=True):
    """Base of every message that crosses a process."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__name__  # its tag: tag=True tags a struct with its class name
        other = _registry.get(name)
        if other is not None and other is not cls:
            raise TypeError(f"two messages named {name}: {other.__module__} and {cls.__module__}")
        _registry[name] = cls


class Codec:
    """Encodes any value made of messages and builtins; decodes to the `shape` it is given, where a
    `Message` in the shape stands for any registered message (the union is rebuilt as more register)."""

    def __init__(self, shape: Any) -> None:
        self._shape = shape
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder: msgspec.msgpack.Decoder | None = None
        self._known = 0

    def encode(self, value: Any) -> bytes:
        return self._encoder.encode(value)

    def decode(self, data: bytes) -> Any:
        if self._decoder is None or self._known != len(_registry):
            self._known = len(_registry)
            self._decoder = msgspec.msgpack.Decoder(_substitute(self._shape, any_message()))
        return self._decoder.decode(data)


def any_message() -> Any:
    """The union of every registered message type."""
    return Union[tuple(_registry.values())] if len(_registry) > 1 else next(iter(_registry.values()))


def _substitute(shape: Any, union: Any) -> Any:
    if shape is Message:
        return union
    args = getattr(shape, "__args__", None)
    origin = getattr(shape, "__origin__", None)
    if args and origin is not None:
        return origin[tuple(_substitute(a, union) for a in args)]
    return shape
