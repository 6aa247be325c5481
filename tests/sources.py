"""Event sources for trigger tests: a library connector whose trigger yields a batch of
numbered events (continuing from its marker), then nothing new; and a webhook trigger read
into an inbox while a test sends to it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


@contextmanager
def reading_route(
    connector: Any, trigger: str, database: Path, host: str, port: int, path: str
) -> Iterator[Any]:
    """``connector``'s webhook ``trigger`` read into an inbox at ``database`` by a reader
    thread, yielded once the route receives; the reader stops at the end of the block."""
    from workbench.triggers.inbox import Inbox
    from workbench.triggers.reader import read_source
    from workbench.triggers.webhooks import receiving

    inbox = Inbox.open(database)
    stop = threading.Event()
    thread = threading.Thread(
        target=read_source, args=(connector, trigger, {}, inbox), kwargs={"stop": stop}
    )
    thread.start()
    deadline = time.monotonic() + 10
    try:
        while not receiving(host, port, path):
            assert thread.is_alive() and time.monotonic() < deadline, "the route never opened"
            time.sleep(0.01)
        yield inbox
    finally:
        stop.set()
        thread.join(30)
        inbox.close()
