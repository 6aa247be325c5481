"""Reading broker triggers in the tests: their items as events, and waiting for what flows."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from workbench.sdk import Event
from workbench.sdk.trigger import Yielded


def events_of(items: Iterable[Yielded]) -> list[Event]:
    """Every event a trigger yields (batches opened, idle ``None`` left out)."""
    return [e for item in items if item is not None for e in batch(item)]


def batch(item: Yielded) -> list[Event]:
    """One yielded item as a list of events."""
    if item is None:
        return []
    return [item] if isinstance(item, Event) else list(item)


def first_events(source: Iterator[Yielded], within: float = 5.0) -> list[Event]:
    """The first item with events a trigger yields (skipping idle ``None``), within a time."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = batch(next(source))
        if found:
            return found
    raise AssertionError(f"no event within {within:g} s")


def idle_gap(source: Iterator[Yielded]) -> float:
    """Seconds until an idle trigger yields ``None`` (it must, at least every second)."""
    started = time.monotonic()
    item = next(source)
    assert item is None, f"expected an idle None, got {item!r}"
    return time.monotonic() - started


def assert_idle(source: Iterator[Yielded]) -> None:
    """An idle trigger yields ``None`` within about a second, again and again; then close it."""
    try:
        for _ in range(2):
            assert idle_gap(source) < 1.5
    finally:
        source.close()  # type: ignore[attr-defined]
