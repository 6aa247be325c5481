"""The inbox: stored once per (source, id), deliveries and markers in the same transaction,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from workbench.errors import JobError
from workbench.jobs.run.store import RunStore
from workbench.sdk import Event
from workbench.triggers.bindings import Binding, BindingStore
from workbench.triggers.dispatch import deliveries
from workbench.triggers.inbox import MAX_DATA_BYTES, Inbox


def event(n: int, source: str = "hooks.received", **fields: object) -> Event:
    return Event(source=source, id=f"evt-{n}", data={"n": n}, **fields)  # type: ignore[arg-type]


def test_a_repeat_is_dropped_in_a_batch_and_across_batches(store: RunStore) -> None:
    inbox = Inbox(store)
    assert inbox.put([event(1), event(2), event(1)]) == 2
    assert inbox.put([event(2), event(3)]) == 1
    assert sorted(s.event.id for s in inbox.events()) == ["evt-1", "evt-2", "evt-3"]
    assert inbox.put([event(1, source="other.source")]) == 1  # unique per source only


def test_events_read_back_whole_newest_first_and_by_prefix(store: RunStore) -> None:
    inbox = Inbox(store)
    inbox.put([event(1, subject="orders/1", headers={"x-kind": "test"})])
    inbox.put([event(2)])
    newest, oldest = inbox.events()
    assert (newest.event.id, oldest.event.id) == ("evt-2", "evt-1")
    assert oldest.event.subject == "orders/1" and oldest.event.headers == {"x-kind": "test"}
    assert inbox.get(oldest.id[:30]).event == oldest.event
    with pytest.raises(JobError, match="no event with id 'nope'"):
        inbox.get("nope")
    record = oldest.to_dict()
    assert record["inbox_id"] == oldest.id and json.loads(json.dumps(record)) == record


def test_a_payload_over_the_limit_is_kept_as_a_note(store: RunStore) -> None:
    inbox = Inbox(store)
    huge = Event(source="s", id="big", data="x" * (MAX_DATA_BYTES + 10))
    assert inbox.put([huge]) == 1
    (stored,) = inbox.events()
    assert (
        stored.event.data is None
        and "exceeds the inbox limit" in stored.event.headers["workbench-note"]
    )


def test_deliveries_are_made_for_the_active_bindings_whose_filters_pass(store: RunStore) -> None:
    bindings = BindingStore(store)
    for name, filters in (("all", {}), ("paid", {"type": "order.paid"}), ("big", {"n": "2"})):
        bindings.add(Binding(name, "hooks", "received", kind="handler", filters=filters))
    bindings.add(Binding("paused", "hooks", "received", kind="handler", paused=True))
    inbox = Inbox(store)
    inbox.put([event(1, type="order.paid"), event(2, type="order.created")])
    made = {(d.binding, inbox.get(d.event).event.id) for d in deliveries(store)}
    assert made == {("all", "evt-1"), ("all", "evt-2"), ("paid", "evt-1"), ("big", "evt-2")}
    inbox.put([event(1, type="order.paid")])  # a repeat makes no delivery either
    assert len(deliveries(store)) == 4


def test_a_batch_mixing_repeats_and_new_events_routes_only_the_new_ones(store: RunStore) -> None:
    BindingStore(store).add(Binding("all", "hooks", "received", kind="handler"))
    inbox = Inbox(store)
    assert inbox.put([event(n) for n in range(1, 4)]) == 3
    # repeats inside a chunk and across chunks of the multi-row insert, beside new events
    mixed = [event(n) for n in range(2, 250)]
    assert inbox.put(mixed) == 246
    assert inbox.count() == 249
    routed = sorted(inbox.get(d.event).event.id for d in deliveries(store, limit=1000))
    assert routed == sorted(f"evt-{n}" for n in range(1, 250))  # one delivery per event


def test_payloads_read_back_as_the_json_they_were(store: RunStore) -> None:
    inbox = Inbox(store)
    data = {
        "city": "Zürich ☃",
        "nested": [1, 2.5, None, True, {"deep": ["x"]}],
        "big": 2**70,
        "quote": 'say "hi"\n',
    }
    inbox.put([Event(source="s", id="j", data=data, headers={"x-ü": "v"})])
    (stored,) = inbox.events()
    assert stored.event.data == data and stored.event.headers == {"x-ü": "v"}
    with store.engine.connect() as connection:
        text = connection.exec_driver_sql("select data from wb_events").scalar_one()
    assert text == json.dumps(data, ensure_ascii=False)  # what the standard encoder writes


def test_a_circular_payload_is_refused_by_name(store: RunStore) -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        Inbox(store).put([Event.model_construct(source="s", id="c", data=loop, headers={})])


def test_the_marker_is_saved_with_the_events(store: RunStore) -> None:
    inbox = Inbox(store)
    inbox.put([event(1)], state=("hooks.received", {"seen": 1}))
    inbox.put([], state=("hooks.received", {"seen": 2}))
    assert inbox.load_state("hooks.received") == {"seen": 2}
    assert inbox.load_state("unknown") == {}


def test_a_failing_route_stores_nothing(store: RunStore) -> None:
    def broken(*_: object) -> int:
        raise RuntimeError("the binding table is unreachable")

    inbox = Inbox(store, router=broken)
    with pytest.raises(RuntimeError):
        inbox.put([event(1)], state=("s", {"seen": 1}))
    assert inbox.count() == 0 and inbox.load_state("s") == {}  # nothing half-written


def test_a_dispatcher_in_the_same_process_wakes_when_events_are_stored(store: RunStore) -> None:
    inbox = Inbox(store)
    generation = inbox.generation
    woke = threading.Event()

    def wait() -> None:
        if inbox.wait_for_events(generation, 10) != generation:
            woke.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    inbox.put([event(1)])
    waiter.join(5)
    assert woke.is_set()


def test_concurrent_writers_on_postgresql_store_each_event_once(postgres_url: str) -> None:
    shared = RunStore(postgres_url)
    try:
        inbox = Inbox(shared)
        source = f"pg-test-{id(shared)}"
        batches = [[event(n, source=source) for n in range(k, k + 50)] for k in range(0, 200, 25)]
        counts: list[int] = []
        threads = [
            threading.Thread(target=lambda b=b: counts.append(inbox.put(b))) for b in batches
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(counts) == 225 == inbox.count(source)
    finally:
        shared.close()


def test_an_inbox_opens_on_a_path(tmp_path: Path) -> None:
    inbox = Inbox.open(tmp_path / "events.db")
    assert inbox.put([event(1)]) == 1
    inbox.close()
    assert Inbox.open(tmp_path / "events.db").count() == 1
