"""A small event source for trigger tests: a library connector whose trigger yields a batch
of numbered events (continuing from its marker), then nothing new."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.registry import register
from workbench.sdk import Connector, Event, trigger


class Ticker(Connector):
    """Numbered ticks."""

    name = "ticker"
    library = True

    @trigger
    def ticks(
        self,
        count: int = 3,
        kind: str = "tick",
        max_events: int | None = 100,
        timeout: float | None = 1.0,
    ) -> Iterator[list[Event] | None]:
        """Emit ``count`` more numbered ticks, then nothing new.

        Args:
            count: how many ticks each reading adds
            kind: the events' type
            max_events: unused bound
            timeout: unused bound
        """
        start = int(self.trigger_state.get("next", 0))
        self.trigger_state["next"] = start + count
        yield [
            Event(source="ticker.ticks", id=str(n), type=kind, data={"n": n, "even": n % 2 == 0})
            for n in range(start, start + count)
        ]
        yield None


def register_ticker() -> type[Ticker]:
    """Make the ticker connector known (tests/conftest.py forgets it after each test)."""
    register(Ticker)
    return Ticker
