"""A wake-up pipe: an fd an actor's loop watches, made readable to have the actor called again.

Work left over after a bounded turn (a drain limit, a batch) comes back through a pipe, not a
zero-delay Thespian wake-up: while one of those is due Thespian skips its select(), heartbeats
included. A pipe is level-triggered, so ringing it twice before the next turn costs one turn;
ring() is safe from any thread (QuickFIX callbacks ring it).
"""
from __future__ import annotations

import os


class WakeupPipe:
    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    @property
    def fd(self) -> int:
        """Watch this: readable once rung, until cleared."""
        return self._read

    def ring(self) -> None:
        try:
            os.write(self._write, b"!")
        except (BlockingIOError, OSError):
            pass  # full of wake-ups already, or closed at shutdown

    def clear(self) -> None:
        """Take every ring so far (call it before looking for the work, not after)."""
        try:
            while os.read(self._read, 4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass
