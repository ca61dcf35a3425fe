"""The project's two kinds of clock, by name.

A Stopwatch gives seconds whose differences count (drill timers); a WallClock
gives the aware UTC date and time (certificate dates, the date on a result).
Tests pin either: ManualClock is a Stopwatch that moves only when told.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Stopwatch = Callable[[], float]  # seconds, only differences matter
WallClock = Callable[[], datetime]  # aware UTC, for the date on a result


def monotonic() -> float:
    return time.monotonic()


def utc_now() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: ``clock.advance(30)``."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self.now += seconds
