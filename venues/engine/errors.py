"""The matching engine's error root (GUIDE convention 9).

Participants' bad requests never raise: they get reject reports. Only the venue operator's
own actions (phase changes, busts, corrections, venue cancels) raise `VenueError`.
"""
from __future__ import annotations

from vigil.errors import VigilError


class VenueError(VigilError):
    """A venue action that cannot be done; the message says what and why."""
