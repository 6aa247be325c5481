"""A clock the tests move by hand."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """Says ``now`` until :meth:`advance` moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
