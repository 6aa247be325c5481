"""Executing a delivered run id: once, whatever the deliveries; lost runs rescued."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from workers import write_notebook

from workbench.errors import JobTimeoutError, ParameterError
from workbench.jobs.run.execution import Executor
from workbench.jobs.run.leases import LOST, Heartbeat, Leases
from workbench.jobs.run.papermill_engine import close_thread_loop
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.store import RunStore


@pytest.fixture
def job(project: Path) -> Path:
    return write_notebook(
        project / "job.ipynb", "seconds = 0.0", "import time; time.sleep(seconds)"
    )


def queued(
    store: RunStore, notebook: Path, timeout: float | None = None, **parameters: object
) -> Run:
    run = Run.new(str(notebook), job="job", parameters=dict(parameters))
    store.add(run)
    Leases(store).offer(run.id, timeout=timeout)
    return run


def test_a_run_delivered_twice_runs_once(store: RunStore, job: Path) -> None:
    run = queued(store, job)
    with Executor(store, worker="w", ttl=5) as executor:
        first = executor.execute(run.id)
        assert first is not None and first.status is Status.SUCCEEDED
        assert executor.execute(run.id) is None
    assert [r.status for r in store.runs(job="job")] == [Status.SUCCEEDED]
    assert Leases(store).get(run.id) is None  # released


def test_concurrent_deliveries_run_it_once(store: RunStore, job: Path) -> None:
    run = queued(store, job, seconds=1.0)
    results: list[Run | None] = []

    def deliver(executor: Executor) -> None:
        try:
            results.append(executor.execute(run.id))
        finally:
            close_thread_loop()  # as the engines do in their threads

    with Executor(store, worker="a", ttl=3) as a, Executor(store, worker="b", ttl=3) as b:
        threads = [threading.Thread(target=deliver, args=(e,)) for e in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(r is None for r in results) == [False, True]
    assert [r.status for r in store.runs(job="job")] == [Status.SUCCEEDED]


def test_a_run_whose_worker_died_is_recorded_lost_and_rerun_here(
    store: RunStore, job: Path
) -> None:
    lost = queued(store, job)
    leases = Leases(store)
    assert leases.claim(lost.id, "dead-worker", ttl=0.5)
    lost.start(worker="dead-worker")
    store.save(lost)
    with Executor(store, worker="rescuer", ttl=5, poll=0.05) as executor:
        started = time.monotonic()
        replacement = executor.execute(lost.id)
    assert time.monotonic() - started < 10
    assert replacement is not None and replacement.id != lost.id
    assert replacement.status is Status.SUCCEEDED and replacement.worker is not None
    killed = store.get(lost.id)
    assert killed.status is Status.KILLED and killed.error_class == LOST
    assert replacement.id in (killed.error_message or "")
    link = leases.get(lost.id)
    assert link is not None and link.replaced_by == replacement.id


def test_a_run_held_by_a_live_worker_is_left_to_it(store: RunStore, job: Path) -> None:
    run = queued(store, job)
    leases = Leases(store)
    assert leases.claim(run.id, "busy-worker", ttl=0.6)
    run.start(worker="busy-worker")
    store.save(run)
    with Heartbeat(leases, "busy-worker", ttl=0.6) as heartbeat:
        heartbeat.hold(run.id)
        with Executor(store, worker="other", ttl=5, poll=0.05) as executor:
            assert executor.execute(run.id) is None
    assert store.get(run.id).status is Status.RUNNING


def test_a_run_past_its_timeout_is_killed_and_recorded(store: RunStore, job: Path) -> None:
    run = queued(store, job, timeout=1, seconds=30.0)
    with Executor(store, worker="w", ttl=5) as executor:
        started = time.monotonic()
        ended = executor.execute(run.id)
    assert time.monotonic() - started < 15
    assert ended is not None and ended.status is Status.TIMED_OUT
    assert ended.exit_code == JobTimeoutError.exit_code
    assert store.get(run.id).error_message == "the run took longer than 1.0 s"


def test_parameters_the_notebook_no_longer_takes_fail_the_queued_run(
    store: RunStore, job: Path
) -> None:
    run = queued(store, job, limit=5)
    with Executor(store, worker="w", ttl=5) as executor:
        ended = executor.execute(run.id)
    assert ended is not None and ended.status is Status.FAILED
    assert ended.exit_code == ParameterError.exit_code and ended.error_class == "ParameterError"
    assert "has no parameter 'limit'" in (ended.error_message or "")
    assert ended.ended_at is not None and ended.queued_at < ended.ended_at + timedelta(seconds=1)
