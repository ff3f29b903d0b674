"""Reading and writing FIX message fields, shared by the venue's codec and the broker sessions'."""
from __future__ import annotations

from typing import Any, Iterable

import quickfix as fix


def fields_of(raw: str) -> dict[int, str]:
    """Tag -> value of a FIX message's text, header and body alike, for messages without repeating
    groups (execution reports, cancel rejects, rejects). QuickFIX has validated the message already;
    reading its text once is several times cheaper than asking the parsed message field by field."""
    out: dict[int, str] = {}
    for pair in raw.split("\x01"):
        tag, sep, value = pair.partition("=")
        if sep and tag.isdigit():
            out.setdefault(int(tag), value)
    return out


def new_message(msg_type: str) -> fix.Message:
    message = fix.Message()
    message.getHeader().setField(35, msg_type)
    return message


def set_fields(message: fix.Message, pairs: Iterable[tuple[int, Any]]) -> None:
    """Set each (tag, value); a value of None or "" means the field is absent, not empty."""
    for tag, value in pairs:
        if value is not None and value != "":
            message.setField(tag, str(value))
