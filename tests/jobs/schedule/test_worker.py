"""The worker on schedules: in-process runs with retries, timeouts and the failure message;
then real `wb worker` processes: two of them firing each slot once, one killed mid-run and
restarted."""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from servers import JsonHandler, serve
from workers import processes, wait_for, write_notebook

from workbench.jobs.run.engines.local import LocalEngine
from workbench.jobs.run.leases import LOST, Leases
from workbench.jobs.run.record import Run, Status, utc_now
from workbench.jobs.run.store import RunStore
from workbench.jobs.schedule.cron import Schedule
from workbench.jobs.schedule.schedules import ScheduleStore, new_schedule, slots
from workbench.jobs.schedule.worker import Worker, parse_until
from workbench.triggers.dispatch import DeliveryState


def test_until_takes_a_duration_or_a_time() -> None:
    now = utc_now()
    assert parse_until("90", now=now) == now + timedelta(seconds=90)
    assert parse_until("2h", now=now) == now + timedelta(hours=2)
    assert parse_until("2024-06-01T18:00:00+02:00").isoformat() == "2024-06-01T16:00:00+00:00"
    with pytest.raises(Exception, match=r"--until 'soon': expected a duration"):
        parse_until("soon")


def run_once(store: RunStore, schedule: Schedule) -> None:
    ScheduleStore(store).add(schedule)
    with LocalEngine(store, size=1, ttl=5) as engine:
        assert Worker(engine, ttl=5, interval=0.1).run(once=True) == 0


def test_once_runs_every_slot_due_then_exits(store: RunStore, project: Path) -> None:
    notebook = write_notebook(project / "tick.ipynb", "label = 'x'", "print(label)")
    since = utc_now() - timedelta(seconds=3.5)
    every_second = new_schedule(
        notebook, cron="* * * * * *", parameters={"label": "y"}, catch_up="all"
    )
    run_once(store, Schedule(**{**every_second.__dict__, "since": since}))
    finished = utc_now()
    done = slots(store, "tick")
    # every whole second after `since` up to the moment the schedule was read, each once:
    # the 3 of the 3.5 s before the worker started, and those that passed while it started
    times = sorted(s.slot for s in done)
    first = since.replace(microsecond=0) + timedelta(seconds=1)
    assert times == [first + timedelta(seconds=n) for n in range(len(times))]
    assert len(times) >= 3
    assert times[-1] <= finished
    assert {s.state for s in done} == {DeliveryState.SUCCEEDED}
    runs = store.runs(job="tick")
    assert sorted(r.id for r in runs) == sorted(s.run_id for s in done)  # type: ignore[type-var]
    assert {(r.status, json.dumps(r.parameters)) for r in runs} == {
        (Status.SUCCEEDED, '{"label": "y"}')
    }


def test_a_failed_run_is_retried_until_it_succeeds(store: RunStore, project: Path) -> None:
    notebook = write_notebook(
        project / "flaky.ipynb",
        "succeed_on = 2",
        "from pathlib import Path\n"
        "tries = Path('tries.txt')\n"
        "count = int(tries.read_text()) + 1 if tries.exists() else 1\n"
        "tries.write_text(str(count))\n"
        "if count < succeed_on:\n"
        "    raise RuntimeError(f'attempt {count} fails')",
    )
    schedule = new_schedule(notebook, cron="* * * * * *", retries=3, backoff=0.5)
    started = time.monotonic()
    run_once(store, Schedule(**{**schedule.__dict__, "since": utc_now() - timedelta(seconds=1)}))
    (slot,) = slots(store, "flaky")
    assert (slot.state, slot.attempt) == (DeliveryState.SUCCEEDED, 2)
    first, second = sorted(store.runs(job="flaky"), key=lambda r: r.id)
    assert (first.status, first.error_class, first.error_message) == (
        Status.FAILED,
        "RuntimeError",
        "attempt 1 fails",
    )
    assert second.status is Status.SUCCEEDED and second.id == slot.run_id
    assert second.started_at - first.ended_at >= timedelta(seconds=0.5)  # type: ignore[operator]
    assert time.monotonic() - started < 30


def test_a_run_past_its_timeout_is_recorded_and_the_failure_reported(
    store: RunStore, project: Path
) -> None:
    received: list[dict[str, Any]] = []

    class Hook(JsonHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_json(200, {})

    notebook = write_notebook(
        project / "slow.ipynb", "seconds = 30.0", "import time; time.sleep(seconds)"
    )
    with serve(Hook) as url:
        Path("workbench.toml").write_text(
            f'[connections.ops]\nconnector = "http"\nbase_url = "{url}"\n'
        )
        schedule = new_schedule(notebook, cron="* * * * * *", timeout=1, on_failure="ops:/failed")
        time.sleep(1.05 - utc_now().microsecond / 1e6)  # just past a second: one slot is due
        since = utc_now() - timedelta(seconds=0.5)
        run_once(store, Schedule(**{**schedule.__dict__, "since": since}))
    (slot,) = slots(store, "slow")
    (run,) = store.runs(job="slow")
    assert slot.state is DeliveryState.DEAD
    assert (run.status, run.exit_code, run.error_message) == (
        Status.TIMED_OUT,
        13,
        "the run took longer than 1.0 s",
    )
    (message,) = received
    assert (message["job"], message["run_id"], message["status"]) == ("slow", run.id, "timed_out")


# ---------------------------------------------------------------- worker processes


def schedule_every(store: RunStore, notebook: Path, cron: str, **options: Any) -> Schedule:
    schedule = new_schedule(notebook, cron=cron, **options)
    ScheduleStore(store).add(schedule)
    return schedule


def runs_by_status(store: RunStore, job: str) -> Counter[Status]:
    return Counter(r.status for r in store.runs(job=job, limit=1000))


@pytest.mark.slow
def test_two_workers_run_each_slot_exactly_once(
    store: RunStore, project: Path, tmp_path: Path
) -> None:
    notebook = write_notebook(project / "tick.ipynb", "n = 0", "print(n)")
    schedule = schedule_every(store, notebook, "* * * * * *", catch_up="none")
    until = (schedule.since + timedelta(seconds=30)).isoformat()
    options = ("worker", "--pool", "2", "--lease", "5", "--interval", "0.25", "--until", until)
    with processes(tmp_path / "logs") as started:
        workers = [started.start(*options), started.start(*options)]
        for worker in workers:
            assert worker.wait(90) == 0, started.logs()
    fired = sorted(slots(store, "tick", limit=1000), key=lambda s: s.slot)
    seconds = [int((s.slot - schedule.since).total_seconds() + 0.999) for s in fired]
    assert seconds == list(range(1, len(fired) + 1)), started.logs()  # no slot missing
    assert len(fired) >= 28, started.logs()
    # the slot read as --until comes may be stored and left for the next worker, never lost
    done = fired if fired[-1].state == DeliveryState.SUCCEEDED else fired[:-1]
    assert fired[-1].state in {DeliveryState.SUCCEEDED, DeliveryState.PENDING}, started.logs()
    assert {s.state for s in done} == {DeliveryState.SUCCEEDED}, started.logs()
    runs = store.runs(job="tick", limit=1000)
    assert len(runs) == len(done) == len({s.run_id for s in done})  # one run per slot
    assert {r.status for r in runs} == {Status.SUCCEEDED}
    assert len({r.worker for r in runs}) == 2, "both workers should have run some slots"


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_no_slot_and_runs_none_twice(
    store: RunStore, project: Path, tmp_path: Path
) -> None:
    notebook = write_notebook(
        project / "work.ipynb", "seconds = 2.0", "import time; time.sleep(seconds)"
    )
    schedule_every(store, notebook, "*/4 * * * * *", catch_up="all")
    options = ("worker", "--pool", "1", "--lease", "3", "--interval", "0.25")
    with processes(tmp_path / "logs") as started:
        first = started.start(*options)
        assert wait_for(lambda: runs_by_status(store, "work")[Status.RUNNING] == 1, 30), (
            started.logs()
        )
        started.kill(first)
        killed_at = utc_now()
        time.sleep(5)  # down across at least one slot
        until = (utc_now() + timedelta(seconds=9)).isoformat()
        second = started.start(*options, "--until", until)
        assert second.wait(90) == 0, started.logs()
    fired = sorted(slots(store, "work", limit=100), key=lambda s: s.slot)
    gaps = {(b.slot - a.slot).total_seconds() for a, b in itertools.pairwise(fired)}
    assert gaps == {4.0}, started.logs()  # no slot lost, the ones missed while down included
    assert any(s.slot > killed_at for s in fired)
    assert {s.state for s in fired} == {DeliveryState.SUCCEEDED}, started.logs()
    runs = {r.id: r for r in store.runs(job="work", limit=100)}
    succeeded = [r for r in runs.values() if r.status is Status.SUCCEEDED]
    assert sorted(r.id for r in succeeded) == sorted(s.run_id for s in fired)  # type: ignore[type-var]
    (lost,) = [r for r in runs.values() if r.status is Status.KILLED]
    assert lost.error_class == LOST
    lease = Leases(store).get(lost.id)
    assert lease is not None and lease.replaced_by in {s.run_id for s in fired}
    rerun: Run = runs[lease.replaced_by]
    assert rerun.started_at >= lost.ended_at  # type: ignore[operator]  # never both at once
    assert len(runs) == len(fired) + 1
