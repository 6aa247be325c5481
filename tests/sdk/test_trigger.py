"""Triggers deliver Events and validate their inputs like actions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.errors import ActionArgumentError
from workbench.sdk import Connector, Event, trigger


class Clock(Connector):
    """Ticks."""

    name = "clock"
    library = True

    @trigger
    def ticks(self, count: int = 2) -> Iterator[Event]:
        """Emit numbered ticks."""
        for i in range(count):
            yield Event(source=f"{self.connection}.ticks", id=str(i), data={"n": i})


def test_trigger_yields_events_with_a_dedup_key() -> None:
    events = list(Clock().ticks(count=3))
    assert [e.data["n"] for e in events] == [0, 1, 2]
    assert events[0].key == ("clock.ticks", "0")


def test_trigger_is_listed_apart_from_actions() -> None:
    assert set(Clock.trigger_specs) == {"ticks"}
    assert Clock.action_specs == {}
    assert Clock().triggers.to_dict("records") == [
        {"trigger": "ticks", "summary": "Emit numbered ticks.", "inputs": "count: int = 2"}
    ]


def test_trigger_arguments_are_validated() -> None:
    with pytest.raises(ActionArgumentError, match=r"clock\.ticks: argument 'count'"):
        Clock().ticks(count="soon")
