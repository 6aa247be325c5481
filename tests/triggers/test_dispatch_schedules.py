"""Schedules through the inbox and dispatch, on a fixed clock: one event per slot however
many workers read it, one run per slot, retries with backoff, the failure message, slots and
runs taken over from a dead worker."""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from clock import Clock
from servers import JsonHandler, serve

from workbench.config.secrets import default_secret_store
from workbench.connectors.schedule import Schedule as ScheduleSource
from workbench.jobs.run.engines import Engine
from workbench.jobs.run.leases import Leases
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore
from workbench.jobs.schedule.cron import Schedule, plan
from workbench.jobs.schedule.schedules import ScheduleStore, as_binding, slots
from workbench.triggers.dispatch import DeliveryState, Dispatcher
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source

T0 = datetime(2024, 5, 6, 12, 0, 0, tzinfo=UTC)


class RecordingEngine(Engine):
    """An engine that only records what it is handed; the test ends the runs itself."""

    name = "recording"

    def __init__(self, store: RunStore) -> None:
        super().__init__(store)
        self.submitted: list[str] = []

    def submit(self, run_id: str) -> None:
        self.submitted.append(run_id)


class Worker:
    """What one worker does on each tick: read the schedule sources, then dispatch."""

    def __init__(self, store: RunStore, clock: Clock, name: str = "worker-a") -> None:
        self.store, self.clock = store, clock
        self.engine = RecordingEngine(store)
        self.dispatcher = Dispatcher(store, self.engine, worker=name, ttl=10, clock=clock)
        self.inbox = Inbox(store, clock=clock)

    @property
    def submitted(self) -> list[str]:
        return self.engine.submitted

    def tick(self, *, claim: bool = True) -> None:
        if claim:
            for schedule in ScheduleStore(self.store).list(active=True):
                binding = as_binding(schedule)
                source = ScheduleSource(connection="schedule")
                source.clock, source.sleep = self.clock, lambda _: None
                read_source(source, "slots", binding.args, self.inbox, until_idle=True)
        self.dispatcher.tick(claim=claim)


def finish(store: RunStore, run_id: str, status: Status, **details: Any) -> None:
    run = store.get(run_id)
    run.start(worker="test")
    run.finish(status, exit_code=0 if status is Status.SUCCEEDED else 12, **details)
    store.save(run)


def add(store: RunStore, **fields: Any) -> Schedule:
    values: dict[str, Any] = {"name": "job", "notebook": "/jobs/job.ipynb", "cron": "* * * * *"}
    schedule = Schedule(**{**values, "since": T0, **fields})
    ScheduleStore(store).add(schedule)
    return schedule


@pytest.fixture(autouse=True)
def _any_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs are never executed here: a notebook of the schedule's path need not exist."""
    from workbench.jobs.run import prepare

    def prepared(notebook: Any, parameters: Any = None, **options: Any) -> Any:
        return prepare.PreparedRun(
            path=Path(str(notebook)),
            label=str(notebook),
            nb=None,
            declared={},
            parameters=dict(parameters or {}),
            job=options.get("job") or Path(str(notebook)).stem,
            timeout=options.get("timeout"),
            folder=Path(str(notebook)).parent,
        )

    monkeypatch.setattr(prepare, "prepare_run", prepared)


# ---------------------------------------------------------------- misfire policies


def test_catch_up_all_runs_every_missed_slot_oldest_first_a_batch_per_plan() -> None:
    minutely = Schedule("m", "m.ipynb", "* * * * *", catch_up="all")
    planned = plan(minutely, T0, T0 + timedelta(minutes=5, seconds=30), grace=60)
    assert planned == [(T0 + timedelta(minutes=n), True) for n in range(1, 6)]
    first_batch = plan(minutely, T0, T0 + timedelta(hours=5), grace=60, limit=100)
    assert len(first_batch) == 100 and first_batch[0][0] == T0 + timedelta(minutes=1)


def test_catch_up_latest_runs_only_the_most_recent_missed_slot() -> None:
    minutely = Schedule("m", "m.ipynb", "* * * * *", catch_up="latest")
    now = T0 + timedelta(hours=2, seconds=30)
    assert plan(minutely, T0, now, grace=20) == [(T0 + timedelta(hours=2), True)]
    assert plan(minutely, T0, now, grace=60) == [
        (T0 + timedelta(hours=1, minutes=59), True),
        (T0 + timedelta(hours=2), True),
    ]


def test_catch_up_none_skips_the_latest_missed_slot() -> None:
    minutely = Schedule("m", "m.ipynb", "* * * * *", catch_up="none")
    now = T0 + timedelta(hours=2, seconds=30)
    assert plan(minutely, T0, now, grace=20) == [(T0 + timedelta(hours=2), False)]


@pytest.mark.parametrize("policy", ["all", "latest", "none"])
def test_slots_within_the_grace_are_on_time_and_always_run(policy: str) -> None:
    every_second = Schedule("s", "s.ipynb", "* * * * * *", catch_up=policy)  # type: ignore[arg-type]
    now = T0 + timedelta(seconds=3.5)
    assert plan(every_second, T0, now, grace=10) == [
        (T0 + timedelta(seconds=n), True) for n in (1, 2, 3)
    ]
    assert plan(every_second, T0 + timedelta(seconds=3), now, grace=10) == []


def test_a_slot_exactly_at_the_anchor_is_not_due_again() -> None:
    hourly = Schedule("h", "h.ipynb", "0 * * * *", catch_up="latest")
    assert plan(hourly, T0, T0 + timedelta(minutes=59), grace=60) == []
    assert plan(hourly, T0, T0 + timedelta(minutes=60), grace=60) == [
        (T0 + timedelta(hours=1), True)
    ]


# ---------------------------------------------------------------- the dispatch path


def test_two_workers_store_each_slot_once_and_run_it_once(store: RunStore) -> None:
    add(store, cron="*/10 * * * * *", catch_up="all")
    clock = Clock(T0)
    first, second = Worker(store, clock, "worker-a"), Worker(store, clock, "worker-b")
    for _ in range(6):
        clock.advance(5)
        first.tick()
        second.tick()
    recorded = slots(store, "job")
    assert sorted(s.slot for s in recorded) == [T0 + timedelta(seconds=10 * n) for n in (1, 2, 3)]
    assert Inbox(store).count() == 3  # the slot events, stored once each
    submitted = [*first.submitted, *second.submitted]
    assert sorted(submitted) == sorted(s.run_id for s in recorded)  # type: ignore[type-var]
    assert len({r.id for r in store.runs(job="job")}) == 3


def test_a_missed_slot_skipped_by_the_policy_is_never_stored(store: RunStore) -> None:
    add(store, cron="0 * * * *", catch_up="none")
    clock = Clock(T0 + timedelta(hours=3, minutes=1))
    worker = Worker(store, clock)
    worker.tick()
    assert slots(store, "job") == [] and worker.submitted == []
    clock.advance(59 * 60)  # the next slot, on time
    worker.tick()
    assert [s.slot for s in slots(store, "job")] == [T0 + timedelta(hours=4)]


def test_a_paused_schedule_stores_nothing_and_resumes_from_now(store: RunStore) -> None:
    add(store, cron="*/10 * * * * *", catch_up="all")
    clock = Clock(T0 + timedelta(seconds=25))
    ScheduleStore(store).pause("job")
    Worker(store, clock).tick()
    assert slots(store, "job") == []


def test_a_failed_run_is_retried_after_a_doubling_backoff_then_reported(store: RunStore) -> None:
    received: list[dict[str, Any]] = []

    class Hook(JsonHandler):
        def do_POST(self) -> None:
            received.append(
                {
                    "body": self.rfile.read(int(self.headers["Content-Length"])).decode(),
                    "authorization": self.headers["Authorization"],
                }
            )
            self.send_json(200, {"ok": True})

    default_secret_store().set("hooks/token", "hook-t0ken-9b1f")
    with serve(Hook) as url:
        Path("workbench.toml").write_text(
            f'[connections.hooks]\nconnector = "http"\nbase_url = "{url}"\n'
            'token = { secret = "hooks/token" }\n'
        )
        add(store, cron="0 * * * *", retries=2, backoff=30, on_failure="hooks:/jobs/failed")
        clock = Clock(T0 + timedelta(hours=1, seconds=1))
        worker = Worker(store, clock)
        worker.tick()
        (first,) = worker.submitted
        finish(store, first, Status.FAILED, error_class="ValueError", error_message="bad row")
        worker.tick()
        (slot,) = slots(store, "job")
        assert (slot.state, slot.attempt, slot.due_at) == (
            DeliveryState.PENDING,
            2,
            clock.now + timedelta(seconds=30),
        )
        clock.advance(29)
        worker.tick()
        assert len(worker.submitted) == 1
        clock.advance(1)
        worker.tick()
        second = worker.submitted[-1]
        assert second != first
        finish(store, second, Status.TIMED_OUT, error_message="the run took longer than 5 s")
        worker.tick()
        assert slots(store, "job")[0].due_at == clock.now + timedelta(seconds=60)  # doubled
        clock.advance(60)
        worker.tick()
        third = worker.submitted[-1]
        finish(
            store, third, Status.FAILED, error_class="RuntimeError",
            error_message="refused with token hook-t0ken-9b1f",
        )  # fmt: skip
        assert received == []
        worker.tick()
    (slot,) = slots(store, "job")
    assert (slot.state, slot.attempt, slot.run_id) == (DeliveryState.DEAD, 3, third)
    assert [r.id for r in store.runs(job="job")] == [third, second, first]  # each attempt a run
    (sent,) = received
    message = json.loads(sent["body"])
    assert message["job"] == "job" and message["run_id"] == third
    assert message["attempts"] == 3 and message["status"] == "failed"
    assert message["slot"] == (T0 + timedelta(hours=1)).isoformat()
    assert message["error"] == "RuntimeError: refused with token ***"
    assert "hook-t0ken-9b1f" not in sent["body"]
    assert sent["authorization"] == "Bearer hook-t0ken-9b1f"  # the connection's own auth


def test_a_slot_whose_owner_died_is_taken_over_and_its_lost_run_handed_on(
    store: RunStore,
) -> None:
    add(store)
    clock = Clock(T0 + timedelta(minutes=1, seconds=1))
    dead, alive = Worker(store, clock, "worker-dead"), Worker(store, clock, "worker-b")
    dead.tick()
    (run_id,) = dead.submitted
    leases = Leases(store, clock=clock)
    assert leases.claim(run_id, "worker-dead", ttl=10)  # its executor started the run
    run = store.get(run_id)
    run.start(worker="worker-dead")
    store.save(run)
    clock.advance(5)
    alive.tick(claim=False)
    assert alive.submitted == []  # both leases still held
    clock.advance(10)  # the dead worker renewed nothing
    alive.tick(claim=False)
    (slot,) = slots(store, "job")
    assert slot.worker == "worker-b"
    assert alive.submitted == [run_id]
    alive.tick(claim=False)
    assert alive.submitted == [run_id]  # handed on once


def test_a_lost_run_replaced_by_an_executor_moves_the_slot_to_the_replacement(
    store: RunStore,
) -> None:
    add(store, retries=3)
    clock = Clock(T0 + timedelta(minutes=1, seconds=1))
    worker = Worker(store, clock)
    worker.tick()
    (lost_id,) = worker.submitted
    leases = Leases(store, clock=clock)
    leases.claim(lost_id, "worker-dead", ttl=1)
    lost = store.get(lost_id)
    lost.start(worker="worker-dead")
    store.save(lost)
    clock.advance(2)
    lease = leases.get(lost_id)
    assert lease is not None and leases.take_over(lease, "worker-rescuer", ttl=10)
    replacement = leases.replace(
        store.get(lost_id), replace(lease, worker="worker-rescuer"), "worker-rescuer"
    )
    assert replacement is not None
    worker.tick(claim=False)
    (slot,) = slots(store, "job")
    assert (slot.run_id, slot.state, slot.attempt) == (replacement.id, DeliveryState.RUNNING, 1)
    finish(store, replacement.id, Status.SUCCEEDED)
    worker.tick(claim=False)
    assert slots(store, "job")[0].state is DeliveryState.SUCCEEDED
    assert {r.status for r in store.runs(job="job")} == {Status.KILLED, Status.SUCCEEDED}


def test_claims_and_takeovers_hold_on_postgresql(postgres_url: str) -> None:
    shared = RunStore(postgres_url)
    name = f"pg-{secrets.token_hex(4)}"
    try:
        add(shared, name=name, cron="*/10 * * * * *", catch_up="all")
        clock = Clock(T0)
        first, second = Worker(shared, clock, "worker-a"), Worker(shared, clock, "worker-b")
        for _ in range(4):
            clock.advance(5)
            first.tick()
            second.tick()
        recorded = slots(shared, name)
        assert sorted(s.slot for s in recorded) == [
            T0 + timedelta(seconds=10),
            T0 + timedelta(seconds=20),
        ]
        assert len({s.run_id for s in recorded}) == 2
        assert len([*first.submitted, *second.submitted]) == 2
        leases = Leases(shared, clock=clock)
        run_id = recorded[0].run_id
        assert run_id is not None and leases.claim(run_id, recorded[0].worker or "", ttl=1)
        clock.advance(2)
        lease = leases.get(run_id)
        assert lease is not None
        assert [leases.take_over(lease, w, ttl=10) for w in ("x", "y")] == [True, False]
    finally:
        ScheduleStore(shared).remove(name)
        shared.close()
