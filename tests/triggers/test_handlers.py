"""``@wb.on`` handlers in a script: inputs and filters told apart, their bindings recorded,
their sources read and the handler called for each event that passes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sources import register_ticker

import workbench as wb
from workbench.errors import ActionArgumentError, UnknownConnectionError
from workbench.jobs.run.store import RunStore
from workbench.triggers import handlers
from workbench.triggers.bindings import BindingStore
from workbench.triggers.dispatch import DeliveryState, deliveries


@pytest.fixture(autouse=True)
def _no_handlers_left() -> Iterator[None]:
    saved = dict(handlers._handlers)
    handlers._handlers.clear()
    yield
    handlers._handlers.clear()
    handlers._handlers.update(saved)


def test_inputs_select_the_source_and_the_rest_filter_its_events(store: RunStore) -> None:
    register_ticker()
    seen: list[Any] = []

    @wb.on("ticker", "ticks", count=4, even=True, name="evens")
    def evens(event: wb.Event) -> None:
        seen.append(event.data["n"])

    assert wb.handle_events(once=True, store=store) == 0
    assert seen == [0, 2]
    (binding,) = BindingStore(store).list()
    assert (binding.kind, binding.args, binding.filters) == (
        "handler",
        {"count": 4},
        {"even": "true"},
    )
    assert binding.source == "ticker.ticks(count=4)"
    wb.handle_events(once=True, store=store)  # the source's marker: only the next four
    assert seen == [0, 2, 4, 6]
    assert {d.state for d in deliveries(store)} == {DeliveryState.SUCCEEDED}


def test_a_handler_that_keeps_failing_leaves_a_dead_letter(store: RunStore) -> None:
    register_ticker()

    @wb.on("ticker", "ticks", count=1, retries=0, name="broken")
    def broken(event: wb.Event) -> None:
        raise ValueError(f"cannot handle tick {event.data['n']}")

    wb.handle_events(once=True, store=store)
    (dead,) = deliveries(store)
    assert dead.state is DeliveryState.DEAD
    assert dead.error == "ValueError: cannot handle tick 0"
    (letter,) = wb.events(dead=True).to_dict("records")  # the store is the configured one
    assert letter["data"] == {"n": 0, "even": True} and letter["state"] == "broken: dead"
    assert wb.event(letter["inbox_id"])["data"] == {"n": 0, "even": True}


def test_bad_handler_registrations_fail_where_they_are_written() -> None:
    register_ticker()
    with pytest.raises(UnknownConnectionError, match="tickr"):
        wb.on("tickr", "ticks")
    with pytest.raises(ActionArgumentError, match="no trigger 'tick'; did you mean 'ticks'"):
        wb.on("ticker", "tick")
    with pytest.raises(ActionArgumentError, match="count"):
        wb.on("ticker", "ticks", count="many")
    with pytest.raises(ActionArgumentError, match="no handler is registered"):
        wb.handle_events(once=True)
