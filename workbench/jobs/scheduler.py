"""The scheduler: claims each schedule's slots once, runs them, retries, rescues, reports.

A *slot* is one moment a schedule fires. Every worker's scheduler ticks (about once a
second) and, for each schedule, works out the slots due since the last one recorded,
following the schedule's misfire policy (:func:`plan`). It claims a slot by inserting its
row into ``wb_slots``, whose key is (schedule, slot): the database lets exactly one
worker insert it, so a slot fires once however many workers run. The row holds the
claiming worker's name and a lease expiry, renewed at every tick; it points at the
slot's latest run.

The slot's owner then drives it to an end: it hands the run to its engine; when the run
ends badly it queues a retry after the schedule's backoff (each attempt a run record of
its own); after the last attempt it sends the failure to the ``on_failure`` connection.
When an owner dies its slots' leases expire and another worker's scheduler takes them
over. A run whose worker died (its run lease expired, see :mod:`workbench.jobs.leases`)
is handed to an engine again, whose executor records it as killed and runs its
replacement: the slot is never left lost, and never runs twice at once.

Misfire policies, for slots more than ``grace`` seconds late (missed while no worker ran):
``all`` runs every missed slot, oldest first; ``latest`` runs only the most recent one;
``none`` runs none of them (the latest is recorded as skipped).

Example:
    >>> from dataclasses import replace
    >>> from datetime import datetime, UTC
    >>> from workbench.jobs.schedules import Schedule
    >>> daily = Schedule("etl", "etl.ipynb", "0 6 * * *", catch_up="latest")
    >>> down = datetime(2024, 1, 1, 12, tzinfo=UTC)        # last slot seen: 1 Jan 06:00
    >>> back = datetime(2024, 1, 4, 7, tzinfo=UTC)         # the worker is back on 4 Jan
    >>> [(s.day, run) for s, run in plan(daily, down, back)]
    [(4, True)]
    >>> [(s.day, run) for s, run in plan(replace(daily, catch_up="all"), down, back)]
    [(2, True), (3, True), (4, True)]
    >>> [(s.day, run) for s, run in plan(replace(daily, catch_up="none"), down, back)]
    [(4, False)]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from workbench.errors import WorkbenchError
from workbench.jobs.engines import Engine
from workbench.jobs.execution import DEFAULT_TTL
from workbench.jobs.leases import Leases
from workbench.jobs.run import Run, Status, utc_now, worker_name
from workbench.jobs.schedules import Schedule, ScheduleStore
from workbench.jobs.store import RunStore
from workbench.jobs.tables import SLOTS, as_utc
from workbench.redaction import get_logger

log = get_logger(__name__)

GRACE = 60.0  # seconds a slot may be late and still count as on time
LIMIT = 100  # slots claimed per schedule and tick, at most


class SlotState(StrEnum):
    """Where a slot is: ``pending`` (its run waits, maybe for a retry's backoff),
    ``running``, then ``succeeded``, ``failed`` (every attempt failed) or ``skipped``."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        """True once nothing more happens to the slot."""
        return self not in (SlotState.PENDING, SlotState.RUNNING)


_ACTIVE = (SlotState.PENDING.value, SlotState.RUNNING.value)


@dataclass(frozen=True)
class Slot:
    """One slot's row: its schedule, time (UTC), state, latest run and attempt, owner."""

    schedule: str
    slot: datetime
    state: SlotState
    run_id: str | None
    attempt: int
    due_at: datetime
    worker: str | None
    lease_until: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Slot:
        """A slot from its database row."""
        values = dict(row)
        for name in ("slot", "due_at", "lease_until"):
            if values[name] is not None:
                values[name] = as_utc(values[name])
        values["state"] = SlotState(values["state"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The slot as JSON-ready values."""
        return {
            "schedule": self.schedule,
            "slot": self.slot.isoformat(),
            "state": self.state.value,
            "run_id": self.run_id,
            "attempt": self.attempt,
            "worker": self.worker,
        }


def plan(
    schedule: Schedule,
    anchor: datetime,
    now: datetime,
    *,
    grace: float = GRACE,
    limit: int = LIMIT,
) -> list[tuple[datetime, bool]]:
    """The slots after ``anchor`` due at ``now``, oldest first, each with whether it runs.

    Slots at most ``grace`` seconds old are on time and always run; older ones were
    missed, and the schedule's ``catch_up`` decides (see the module's docstring).
    """
    if schedule.catch_up == "all":
        return [(slot, True) for slot in schedule.slots(anchor, now, limit=limit)]
    cutoff = now - timedelta(seconds=grace)
    on_time = schedule.slots(max(anchor, cutoff), now, limit=limit)
    missed = schedule.latest_slot(cutoff)
    chosen: list[tuple[datetime, bool]] = []
    if missed > anchor:
        chosen.append((missed, schedule.catch_up == "latest"))
    return chosen + [(slot, True) for slot in on_time]


class Scheduler:
    """One worker's scheduler: call :meth:`tick` about once a second.

    ``engine`` executes the runs; ``ttl`` is how long a slot's claim outlives this
    worker's last tick; ``grace`` how late a slot may be and still be on time.
    """

    def __init__(
        self,
        store: RunStore,
        engine: Engine,
        *,
        worker: str | None = None,
        ttl: float = DEFAULT_TTL,
        grace: float = GRACE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.engine = engine
        self.worker = worker or worker_name()
        self.ttl = ttl
        self.grace = grace
        self.clock = clock
        self.schedules = ScheduleStore(store)
        self.leases = Leases(store, clock=clock)
        self._submitted: set[str] = set()
        self._rescued: set[str] = set()

    def tick(self, *, claim: bool = True) -> None:
        """Claim the slots now due (unless ``claim`` is False), then move every slot this
        worker owns (or takes over from a dead one) one step on."""
        now = self.clock()
        schedules = {s.name: s for s in self.schedules.list()}
        if claim:
            for schedule in schedules.values():
                if not schedule.paused:
                    self._claim(schedule, now)
        self._advance(schedules, now)

    def next_slot(self) -> datetime | None:
        """When the next slot of any active schedule falls (None without one)."""
        now = self.clock()
        upcoming = [s.next_slot(now) for s in self.schedules.list(active=True)]
        return min(upcoming, default=None)

    def owned(self) -> list[Slot]:
        """The slots this worker drives and that are not finished."""
        query = sa.select(SLOTS).where(SLOTS.c.worker == self.worker, SLOTS.c.state.in_(_ACTIVE))
        return self._slots(query)

    def release(self) -> None:
        """Let other workers take this worker's waiting slots at once (when stopping)."""
        with self.store.engine.begin() as connection:
            connection.execute(
                sa.update(SLOTS)
                .where(SLOTS.c.worker == self.worker, SLOTS.c.state == SlotState.PENDING.value)
                .values(lease_until=self.clock())
            )

    # ------------------------------------------------------------ claiming slots

    def _claim(self, schedule: Schedule, now: datetime) -> None:
        with self.store.engine.connect() as connection:
            last = connection.execute(
                sa.select(sa.func.max(SLOTS.c.slot)).where(SLOTS.c.schedule == schedule.name)
            ).scalar()
        anchor = max(schedule.since, as_utc(last)) if last is not None else schedule.since
        for slot, runs in plan(schedule, anchor, now, grace=self.grace):
            row = {
                "schedule": schedule.name,
                "slot": slot,
                "state": (SlotState.PENDING if runs else SlotState.SKIPPED).value,
                "attempt": 1,
                "due_at": now,
                "worker": self.worker if runs else None,
                "lease_until": now + timedelta(seconds=self.ttl) if runs else None,
            }
            try:
                with self.store.engine.begin() as connection:
                    connection.execute(sa.insert(SLOTS).values(row))
            except sa.exc.IntegrityError:
                continue  # another worker claimed it first
            log.info("%s %s: %s", schedule.name, _when(slot), "claimed" if runs else "skipped")

    # ------------------------------------------------------------ moving slots on

    def _advance(self, schedules: dict[str, Schedule], now: datetime) -> None:
        query = sa.select(SLOTS).where(
            SLOTS.c.state.in_(_ACTIVE),
            sa.or_(
                SLOTS.c.worker == self.worker,
                SLOTS.c.lease_until < now,
                SLOTS.c.lease_until.is_(None),
            ),
        )
        for slot in self._slots(query):
            if slot.worker != self.worker:
                if not self._take_over(slot, now):
                    continue
                log.warning(
                    "%s %s: taken over from %s", slot.schedule, _when(slot.slot), slot.worker
                )
                slot = replace(slot, worker=self.worker)
            schedule = schedules.get(slot.schedule)
            if schedule is None:
                continue  # removed meanwhile
            try:
                self._step(schedule, slot, now)
            except WorkbenchError as exc:
                log.error("%s %s: %s", slot.schedule, _when(slot.slot), exc)
            except Exception:  # one slot's trouble must not stop the others
                log.exception("%s %s: could not move on", slot.schedule, _when(slot.slot))
        with self.store.engine.begin() as connection:
            connection.execute(
                sa.update(SLOTS)
                .where(SLOTS.c.worker == self.worker, SLOTS.c.state.in_(_ACTIVE))
                .values(lease_until=now + timedelta(seconds=self.ttl))
            )

    def _take_over(self, slot: Slot, now: datetime) -> bool:
        owner = SLOTS.c.worker.is_(None) if slot.worker is None else SLOTS.c.worker == slot.worker
        statement = (
            sa.update(SLOTS)
            .where(
                SLOTS.c.schedule == slot.schedule,
                SLOTS.c.slot == slot.slot,
                owner,
                sa.or_(SLOTS.c.lease_until < now, SLOTS.c.lease_until.is_(None)),
            )
            .values(worker=self.worker, lease_until=now + timedelta(seconds=self.ttl))
        )
        with self.store.engine.begin() as connection:
            return bool(connection.execute(statement).rowcount == 1)

    def _step(self, schedule: Schedule, slot: Slot, now: datetime) -> None:
        if slot.run_id is None:
            run = self._new_run(schedule)
            if not self._update(slot, run_id=run.id):
                self._discard(run)
                return
            slot = replace(slot, run_id=run.id)
        else:
            run = self.store.get(slot.run_id)
        if run.status.finished:
            self._ended(schedule, slot, run, now)
        elif slot.state is SlotState.PENDING:
            if slot.due_at <= now:
                self._dispatch(run.id)
                self._update(slot, state=SlotState.RUNNING.value)
        else:
            self._watch(run.id, now)

    def _watch(self, run_id: str, now: datetime) -> None:
        """A run under way: leave it while its lease is renewed, else hand it over again."""
        lease = self.leases.get(run_id)
        if lease is not None and lease.held(now):
            return
        if lease is not None and lease.expired(now):
            if run_id not in self._rescued:  # its worker died: an executor rescues it
                self._rescued.add(run_id)
                log.warning("run %s: its worker %s went silent", run_id, lease.worker)
                self._dispatch(run_id)
        elif run_id not in self._submitted and run_id not in self.engine.active:
            self._dispatch(run_id)  # submitted by an owner that died before it started

    def _ended(self, schedule: Schedule, slot: Slot, run: Run, now: datetime) -> None:
        lease = self.leases.get(run.id)
        if lease is not None and lease.replaced_by is not None:
            self._update(slot, run_id=lease.replaced_by, state=SlotState.RUNNING.value)
            return
        label = f"{schedule.name} {_when(slot.slot)}"
        if run.status is Status.SUCCEEDED:
            if self._update(slot, state=SlotState.SUCCEEDED.value):
                log.info("%s: run %s succeeded", label, run.id)
            return
        if slot.attempt <= schedule.retries:
            delay = schedule.backoff_before(slot.attempt + 1)
            retry = self._new_run(schedule)
            due = now + timedelta(seconds=delay)
            if self._update(
                slot,
                run_id=retry.id,
                attempt=slot.attempt + 1,
                state=SlotState.PENDING.value,
                due_at=due,
            ):
                log.warning(
                    "%s: run %s %s; retry %d of %d in %g s as run %s",
                    *(label, run.id, run.status.value, slot.attempt, schedule.retries),
                    *(delay, retry.id),
                )
            else:
                self._discard(retry)
            return
        if schedule.on_failure:
            from workbench.jobs.notify import failure_message, notify

            message = failure_message(schedule, run, slot=slot.slot, attempts=slot.attempt)
            try:
                notify(schedule.on_failure, message)
            except Exception as exc:  # the slot still ends failed: never a second message
                log.error(
                    "%s: the failure message to %s failed: %s", label, schedule.on_failure, exc
                )
        if self._update(slot, state=SlotState.FAILED.value):
            log.error("%s: failed after %d attempt(s): %s", label, slot.attempt, run.describe())

    # ------------------------------------------------------------ small steps

    def _new_run(self, schedule: Schedule) -> Run:
        run = Run.new(schedule.notebook, job=schedule.name, parameters=schedule.parameters)
        self.store.add(run)
        self.leases.offer(run.id, timeout=schedule.timeout)
        return run

    def _discard(self, run: Run) -> None:
        run.finish(Status.KILLED, error_class="NotNeeded", error_message="its slot was taken over")
        self.store.save(run)

    def _dispatch(self, run_id: str) -> None:
        self._submitted.add(run_id)
        self.engine.submit(run_id)

    def _update(self, slot: Slot, **values: Any) -> bool:
        """Change ``slot`` if this worker still owns it and it still points at its run."""
        same_run = (
            SLOTS.c.run_id.is_(None) if slot.run_id is None else SLOTS.c.run_id == slot.run_id
        )
        statement = (
            sa.update(SLOTS)
            .where(
                SLOTS.c.schedule == slot.schedule,
                SLOTS.c.slot == slot.slot,
                SLOTS.c.worker == self.worker,
                same_run,
            )
            .values(values)
        )
        with self.store.engine.begin() as connection:
            return bool(connection.execute(statement).rowcount == 1)

    def _slots(self, query: sa.Select[Any]) -> list[Slot]:
        with self.store.engine.connect() as connection:
            return [Slot.from_row(row._mapping) for row in connection.execute(query)]


def slots(store: RunStore, schedule: str | None = None, *, limit: int = 100) -> list[Slot]:
    """The latest slots (of one ``schedule`` if given), newest first."""
    store.create_tables()
    query = sa.select(SLOTS).order_by(SLOTS.c.slot.desc()).limit(limit)
    if schedule is not None:
        query = query.where(SLOTS.c.schedule == schedule)
    with store.engine.connect() as connection:
        return [Slot.from_row(row._mapping) for row in connection.execute(query)]


def _when(slot: datetime) -> str:
    return slot.strftime("%Y-%m-%dT%H:%M:%SZ")
