"""Run leases: one holder at a time, renewed by a heartbeat, taken over once expired."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from workers import wait_for

from workbench.errors import KernelDiedError
from workbench.jobs.run.leases import LOST, Heartbeat, Leases
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.store import RunStore

T0 = datetime(2024, 5, 6, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def running(store: RunStore, leases: Leases, worker: str, ttl: float = 10) -> Run:
    run = Run.new("/jobs/etl.ipynb", job="etl", parameters={"connection": "shop"})
    store.add(run)
    leases.offer(run.id, timeout=120)
    assert leases.claim(run.id, worker, ttl=ttl)
    run.start(worker=worker)
    store.save(run)
    return run


def test_only_one_worker_claims_an_offered_lease(store: RunStore) -> None:
    leases = Leases(store)
    leases.offer("run-1", timeout=5)
    leases.offer("run-1", timeout=99)  # offering again changes nothing
    assert [leases.claim("run-1", w, ttl=10) for w in ("a", "b", "a")] == [True, False, False]
    lease = leases.get("run-1")
    assert lease is not None and (lease.worker, lease.timeout) == ("a", 5.0)
    assert leases.get("run-2") is None


def test_an_expired_lease_is_taken_over_by_exactly_one_worker(store: RunStore) -> None:
    clock = Clock()
    leases = Leases(store, clock=clock)
    run = running(store, leases, "dead")
    lease = leases.get(run.id)
    assert lease is not None
    assert not leases.take_over(lease, "b", ttl=10)  # still held
    clock.now += timedelta(seconds=11)
    assert [leases.take_over(lease, w, ttl=10) for w in ("b", "c")] == [True, False]
    taken = leases.get(run.id)
    assert taken is not None and taken.worker == "b" and taken.held(clock.now)


def test_a_lost_run_is_recorded_killed_and_replaced_once(store: RunStore) -> None:
    clock = Clock()
    leases = Leases(store, clock=clock)
    lost = running(store, leases, "dead")
    clock.now += timedelta(seconds=11)
    lease = leases.get(lost.id)
    assert lease is not None and leases.take_over(lease, "b", ttl=10)
    replacement = leases.replace(store.get(lost.id), lease, "b")
    assert replacement is not None
    recorded = store.get(lost.id)
    assert recorded.status is Status.KILLED and recorded.exit_code == KernelDiedError.exit_code
    assert recorded.error_class == LOST
    assert recorded.error_message == (
        f"lost: dead stopped renewing the run's lease; re-run as run {replacement.id}"
    )
    queued = store.get(replacement.id)
    assert (queued.status, queued.job, queued.parameters) == (
        Status.QUEUED,
        "etl",
        {"connection": "shop"},
    )
    link = leases.get(lost.id)
    assert link is not None and link.replaced_by == replacement.id
    offered = leases.get(replacement.id)
    assert offered is not None and (offered.replaces, offered.timeout) == (lost.id, 120.0)
    # the replacement is lost in turn: recorded, not replaced again
    assert leases.claim(replacement.id, "c", ttl=10)
    again = store.get(replacement.id)
    again.start(worker="c")
    store.save(again)
    clock.now += timedelta(seconds=11)
    lease = leases.get(replacement.id)
    assert lease is not None and leases.take_over(lease, "d", ttl=10)
    assert leases.replace(store.get(replacement.id), lease, "d") is None
    assert store.get(replacement.id).error_message == (
        "lost: c stopped renewing the run's lease; not re-run again"
    )


def test_the_heartbeat_renews_what_it_holds_until_closed(store: RunStore) -> None:
    leases = Leases(store)
    run = running(store, leases, "a", ttl=0.6)
    with Heartbeat(leases, "a", ttl=0.6) as heartbeat:
        heartbeat.hold(run.id)
        first = leases.get(run.id)
        assert first is not None and first.expires_at is not None
        assert wait_for(lambda: leases.get(run.id).expires_at > first.expires_at, 2)  # type: ignore[union-attr]
        heartbeat.drop(run.id)
    last = leases.get(run.id)
    time.sleep(0.7)
    assert leases.get(run.id) == last


def test_release_forgets_a_plain_lease_and_keeps_a_replacement_link(store: RunStore) -> None:
    leases = Leases(store)
    plain = running(store, leases, "a")
    leases.release(plain.id, "a")
    assert leases.get(plain.id) is None
    leases.offer("run-2", replaces="run-1")
    leases.claim("run-2", "a", ttl=10)
    leases.release("run-2", "a")
    kept = leases.get("run-2")
    assert kept is not None and kept.replaces == "run-1" and kept.expires_at is None
