"""Dispatch on a fixed clock: a handler called once per event, retries with a doubling
backoff, dead letters and their replay, deliveries taken over from a dead worker, and a
notebook binding run on a real kernel with the event as its parameter."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat
from clock import Clock
from workers import write_notebook

from workbench.config.secrets import default_secret_store
from workbench.jobs.run.engines.local import LocalEngine
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore
from workbench.sdk import Event
from workbench.triggers.bindings import Binding, BindingStore
from workbench.triggers.dispatch import DeliveryState, Dispatcher, deliveries
from workbench.triggers.events import replay, replay_dead
from workbench.triggers.inbox import Inbox

T0 = datetime(2024, 5, 6, 12, 0, 0, tzinfo=UTC)


def bind(store: RunStore, name: str = "handle", **fields: Any) -> Binding:
    binding = Binding(name, "hooks", "received", kind="handler", **fields)
    BindingStore(store).add(binding)
    return binding


def put(store: RunStore, clock: Clock, *ids: str) -> None:
    Inbox(store, clock=clock).put([Event(source="hooks.received", id=i, data=i) for i in ids])


def test_each_event_reaches_its_handler_once(store: RunStore) -> None:
    clock = Clock(T0)
    bind(store)
    seen: list[str] = []
    dispatcher = Dispatcher(store, handlers={"handle": lambda e: seen.append(e.id)}, clock=clock)
    put(store, clock, "a", "b")
    dispatcher.tick()
    put(store, clock, "b", "c")  # b again: a repeat, no second delivery
    dispatcher.tick()
    dispatcher.tick()
    assert seen == ["a", "b", "c"]
    assert {d.state for d in deliveries(store)} == {DeliveryState.SUCCEEDED}


def test_a_failing_handler_is_retried_with_backoff_then_dead_and_replayed(store: RunStore) -> None:
    clock = Clock(T0)
    default_secret_store().set("hooks/key", "k3y-in-an-error")
    bind(store, retries=2, backoff=5)
    calls: list[datetime] = []
    healthy = False

    def handler(event: Event) -> None:
        calls.append(clock.now)
        if not healthy:
            raise RuntimeError("refused with k3y-in-an-error")

    dispatcher = Dispatcher(store, handlers={"handle": handler}, clock=clock)
    put(store, clock, "a")
    dispatcher.tick()
    (delivery,) = deliveries(store)
    assert (delivery.state, delivery.attempt) == (DeliveryState.PENDING, 2)
    assert delivery.due_at == T0 + timedelta(seconds=5)
    assert delivery.error == "RuntimeError: refused with ***"
    clock.advance(4)
    dispatcher.tick()
    assert len(calls) == 1  # not due yet
    clock.advance(1)
    dispatcher.tick()
    clock.advance(10)  # the second retry waits twice as long
    dispatcher.tick()
    assert [(c - T0).total_seconds() for c in calls] == [0, 5, 15]
    (dead,) = deliveries(store)
    assert (dead.state, dead.attempt) == (DeliveryState.DEAD, 3)
    dispatcher.tick()
    assert len(calls) == 3  # a dead letter waits for a replay
    healthy = True
    (again,) = replay_dead(store, now=clock.now)
    assert (again.state, again.attempt) == (DeliveryState.PENDING, 1)
    dispatcher.tick()
    assert deliveries(store)[0].state is DeliveryState.SUCCEEDED
    (replayed,) = replay(store, again.event, now=clock.now)  # a handled event can be replayed too
    dispatcher.tick()
    assert len(calls) == 5 and replayed.binding == "handle"


def test_a_dead_workers_deliveries_are_taken_over_once_its_lease_expires(
    store: RunStore,
) -> None:
    clock = Clock(T0)
    bind(store)
    seen: list[str] = []
    dead = Dispatcher(
        store, handlers={"handle": lambda e: None}, worker="dead", ttl=10, clock=clock
    )
    alive = Dispatcher(
        store, handlers={"handle": lambda e: seen.append(e.id)}, worker="alive", ttl=10, clock=clock
    )
    put(store, clock, "a")
    dead._claim(["handle"], clock.now)  # it claimed, then died before calling the handler
    alive.tick()
    assert seen == []  # its lease still holds
    clock.advance(11)
    alive.tick()
    assert seen == ["a"]
    assert deliveries(store)[0].worker == "alive"


def test_only_the_process_with_the_handler_claims_its_deliveries(store: RunStore) -> None:
    clock = Clock(T0)
    bind(store, "mine")
    bind(store, "theirs")
    seen: list[str] = []
    Dispatcher(store, handlers={"mine": lambda e: seen.append(e.id)}, clock=clock).tick()
    put(store, clock, "a")
    Dispatcher(store, handlers={"mine": lambda e: seen.append(e.id)}, clock=clock).tick()
    states = {d.binding: d.state for d in deliveries(store)}
    assert seen == ["a"]
    assert states == {"mine": DeliveryState.SUCCEEDED, "theirs": DeliveryState.PENDING}


def test_a_removed_binding_drops_its_waiting_deliveries(store: RunStore) -> None:
    clock = Clock(T0)
    bind(store)
    put(store, clock, "a")
    BindingStore(store).remove("handle")
    assert deliveries(store) == []


def test_a_notebook_binding_runs_with_the_event_as_its_parameter(
    store: RunStore, project: Path
) -> None:
    notebook = write_notebook(
        project / "receive.ipynb",
        "event = {}\nprefix = 'got'",
        "print(prefix, event['data']['order'], event['source'])",
    )
    BindingStore(store).add(
        Binding(
            "receive",
            "hooks",
            "received",
            notebook=str(notebook),
            parameters={"prefix": "order"},
        )
    )
    Inbox(store).put([Event(source="hooks.received", id="o-42", data={"order": 42})])
    with LocalEngine(store, size=1, ttl=5) as engine:
        dispatcher = Dispatcher(store, engine, ttl=5)
        dispatcher.tick()
        assert engine.wait(60)
        dispatcher.tick()
    (delivery,) = deliveries(store)
    assert delivery.state is DeliveryState.SUCCEEDED
    run = store.get(delivery.run_id or "")
    assert run.status is Status.SUCCEEDED and run.job == "receive"
    assert run.parameters["event"]["id"] == "o-42" and run.parameters["prefix"] == "order"
    out = nbformat.read(run.output, as_version=4)  # type: ignore[no-untyped-call]
    printed = "".join(o.get("text", "") for c in out.cells for o in c.get("outputs", []))
    assert printed.strip() == "order 42 hooks.received"
    assert json.loads(json.dumps(run.parameters)) == run.parameters
