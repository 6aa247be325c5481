"""Dispatch: each delivery handled once, retried with backoff, dead-lettered at the end.

The inbox creates a *delivery* (one event for one binding) in the same transaction that
stores the event (:mod:`workbench.triggers.inbox`). Every worker's :class:`Dispatcher`
ticks, and:

1. *claims* pending deliveries that are due and that it can run (notebook bindings when
   it has an engine, the handlers registered in its process): an atomic update that only
   one worker wins, recording itself as owner with a lease it renews at every tick;
2. moves each delivery it owns on: a notebook binding gets a run (the event as its
   ``event`` parameter when the notebook declares one) handed to the engine; a handler is
   called with the event; a run that ended, or a handler that returned or raised, decides
   what comes next;
3. a failure is retried after the binding's backoff (doubling), each attempt a run of its
   own; after the last one the delivery is *dead* (a dead letter, ``wb events --dead``)
   and the binding's ``on_failure`` connection is told.

A worker that dies leaves its deliveries' leases to expire; another worker's dispatcher
takes them over (compare-and-set, so one does). A run whose worker died is handed to an
engine again, whose executor records it killed and runs its replacement
(:mod:`workbench.jobs.run.leases`). Delivery is at least once: a handler that was running
when its process died is called again, so handlers should be idempotent on ``event.id``;
a binding never sees the same stored event twice otherwise.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.jobs.run.store import RunStore
    >>> from workbench.sdk import Event
    >>> from workbench.triggers.bindings import Binding, BindingStore
    >>> from workbench.triggers.inbox import Inbox
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db")
    >>> BindingStore(store).add(Binding("greet", "hooks", "received", kind="handler"))
    >>> seen = []
    >>> dispatcher = Dispatcher(store, handlers={"greet": lambda e: seen.append(e.data)})
    >>> Inbox(store).put([Event(source="hooks.received", id="1", data="hello")])
    1
    >>> dispatcher.tick(), seen
    (1, ['hello'])
    >>> store.close()
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.errors import WorkbenchError
from workbench.jobs.run.execution import DEFAULT_TTL
from workbench.jobs.run.leases import Leases
from workbench.jobs.run.record import Run, Status, as_utc, utc_now, worker_name
from workbench.jobs.run.store import RunStore
from workbench.redaction import get_logger, redact
from workbench.sdk.event import Event
from workbench.triggers.bindings import Binding, BindingStore
from workbench.triggers.inbox import Inbox, StoredEvent
from workbench.triggers.tables import DELIVERIES

if TYPE_CHECKING:
    from workbench.jobs.run.engines import Engine

log = get_logger(__name__)

Handler = Callable[[Event], Any]
BATCH = 500  # deliveries claimed per tick, at most
GROUP = 100  # handler successes recorded in one transaction, at most
GROUP_SECONDS = 0.05  # and at least this often
BINDINGS_SECONDS = 1.0  # how long a dispatcher goes by the bindings it read
EVENT_PARAMETER = "event"


class DeliveryState(StrEnum):
    """Where a delivery is: ``pending`` (waiting, maybe for a retry's backoff),
    ``running``, then ``succeeded``, ``dead`` (every attempt failed) or ``skipped``
    (its binding went away)."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DEAD = "dead"
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        """True once nothing more happens to the delivery."""
        return self not in (DeliveryState.PENDING, DeliveryState.RUNNING)


ACTIVE = (DeliveryState.PENDING.value, DeliveryState.RUNNING.value)


@dataclass(frozen=True)
class Delivery:
    """One delivery's row: the event (inbox id), the binding, where it is, its owner."""

    id: str
    event: str
    binding: str
    state: DeliveryState
    attempt: int
    due_at: datetime
    run_id: str | None
    worker: str | None
    lease_until: datetime | None
    error: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Delivery:
        """A delivery from its database row."""
        values = dict(row)
        for name in ("due_at", "lease_until", "updated_at"):
            if values[name] is not None:
                values[name] = as_utc(values[name])
        values["state"] = DeliveryState(values["state"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The delivery as JSON-ready values."""
        return {
            "id": self.id,
            "event": self.event,
            "binding": self.binding,
            "state": self.state.value,
            "attempt": self.attempt,
            "due_at": self.due_at.isoformat(),
            "run_id": self.run_id,
            "worker": self.worker,
            "error": self.error,
        }


class Dispatcher:
    """One process's dispatcher: call :meth:`tick` whenever events may have arrived.

    ``engine`` runs notebook bindings (None: this process runs handlers only);
    ``handlers`` are the in-process handlers by binding name; ``ttl`` is how long a claim
    outlives this worker's last tick.
    """

    def __init__(
        self,
        store: RunStore,
        engine: Engine | None = None,
        *,
        handlers: Mapping[str, Handler] | None = None,
        worker: str | None = None,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], datetime] = utc_now,
        batch: int = BATCH,
        inbox: Inbox | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.worker = worker or worker_name()
        self.ttl = ttl
        self.clock = clock
        self.batch = batch
        self.bindings = BindingStore(store)
        self.inbox = inbox if inbox is not None else Inbox(store, clock=clock)
        self.leases = Leases(store, clock=clock)
        self._submitted: set[str] = set()
        self._rescued: set[str] = set()
        self._known: tuple[float, dict[str, Binding]] | None = None
        self._renewed: datetime | None = None

    # ------------------------------------------------------------ ticking

    def tick(self, *, claim: bool = True, due_by: datetime | None = None) -> int:
        """Claim the deliveries now due (unless ``claim`` is False; only those due by
        ``due_by`` if given), then move every one this worker owns (or takes over from a
        dead worker) one step on; how many moved."""
        now = self.clock()
        bindings = self._bindings()
        runnable = self._runnable(bindings)
        if claim and runnable:
            self._claim(runnable, now if due_by is None else min(now, due_by))
        moved = self._advance(bindings, runnable, now)
        if self._renewed is None or now - self._renewed >= timedelta(seconds=self.ttl / 3):
            self._renew(now)
        return moved

    def _bindings(self) -> dict[str, Binding]:
        """The bindings, read again at most every :data:`BINDINGS_SECONDS`."""
        if self._known is None or time.monotonic() - self._known[0] >= BINDINGS_SECONDS:
            self._known = (time.monotonic(), {b.name: b for b in self.bindings.list()})
        return self._known[1]

    def claimable(self, due_by: datetime | None = None) -> int:
        """How many pending deliveries (due by ``due_by``) this worker could claim now."""
        runnable = self._runnable(self._bindings())
        if not runnable:
            return 0
        now = self.clock() if due_by is None else min(self.clock(), due_by)
        query = (
            sa.select(sa.func.count())
            .select_from(DELIVERIES)
            .where(
                DELIVERIES.c.state == DeliveryState.PENDING.value,
                DELIVERIES.c.due_at <= now,
                DELIVERIES.c.binding.in_(runnable),
                sa.or_(DELIVERIES.c.worker.is_(None), DELIVERIES.c.lease_until < now),
            )
        )
        with self.store.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def owned(self) -> list[Delivery]:
        """The deliveries this worker drives and that are not finished."""
        query = sa.select(DELIVERIES).where(
            DELIVERIES.c.worker == self.worker, DELIVERIES.c.state.in_(ACTIVE)
        )
        return self._deliveries(query)

    def release(self) -> None:
        """Let other workers take this worker's waiting deliveries at once (when stopping)."""
        with self.store.engine.begin() as connection:
            connection.execute(
                sa.update(DELIVERIES)
                .where(
                    DELIVERIES.c.worker == self.worker,
                    DELIVERIES.c.state == DeliveryState.PENDING.value,
                )
                .values(worker=None, lease_until=None)
            )

    def _runnable(self, bindings: Mapping[str, Binding]) -> list[str]:
        return [
            name
            for name, binding in bindings.items()
            if (binding.kind == "notebook" and self.engine is not None)
            or (binding.kind == "handler" and name in self.handlers)
        ]

    def _claim(self, runnable: Sequence[str], due: datetime) -> None:
        now = self.clock()
        free = sa.or_(DELIVERIES.c.worker.is_(None), DELIVERIES.c.lease_until < now)
        query = (
            sa.select(DELIVERIES.c.id)
            .where(
                DELIVERIES.c.state == DeliveryState.PENDING.value,
                DELIVERIES.c.due_at <= due,
                DELIVERIES.c.binding.in_(list(runnable)),
                free,
            )
            .order_by(DELIVERIES.c.due_at)
            .limit(self.batch)
        )
        with self.store.engine.connect() as connection:
            ids = list(connection.execute(query).scalars())
        if not ids:
            return
        with self.store.engine.begin() as connection:
            connection.execute(
                sa.update(DELIVERIES)
                .where(DELIVERIES.c.id.in_(ids), free)
                .values(worker=self.worker, lease_until=now + timedelta(seconds=self.ttl))
            )

    def _advance(
        self, bindings: Mapping[str, Binding], runnable: Sequence[str], now: datetime
    ) -> int:
        mine = sa.select(DELIVERIES).where(
            DELIVERIES.c.worker == self.worker, DELIVERIES.c.state.in_(ACTIVE)
        )
        lost = sa.select(DELIVERIES).where(
            DELIVERIES.c.state == DeliveryState.RUNNING.value,
            DELIVERIES.c.lease_until < now,
            DELIVERIES.c.binding.in_(list(runnable)),
            DELIVERIES.c.worker != self.worker,
        )
        moved = 0
        calls: list[tuple[Delivery, Binding]] = []
        for delivery in [*self._deliveries(mine), *self._deliveries(lost)]:
            if delivery.worker != self.worker:
                if not self._take_over(delivery, now):
                    continue
                log.warning("delivery %s: taken over from %s", delivery.id, delivery.worker)
                delivery = replace(delivery, worker=self.worker)
            binding = bindings.get(delivery.binding)
            if binding is None:
                self._update(delivery, state=DeliveryState.SKIPPED.value, error="unbound")
                continue
            if binding.kind == "handler":
                if delivery.due_at <= now and delivery.binding in self.handlers:
                    calls.append((delivery, binding))
                continue
            try:
                moved += self._step(binding, delivery, now)
            except WorkbenchError as exc:
                log.error("delivery %s of %s: %s", delivery.id, binding.name, exc)
            except Exception:  # one delivery's trouble must not stop the others
                log.exception("delivery %s of %s: could not move on", delivery.id, binding.name)
        return moved + self._call_handlers(calls, now)

    def _take_over(self, delivery: Delivery, now: datetime) -> bool:
        statement = (
            sa.update(DELIVERIES)
            .where(
                DELIVERIES.c.id == delivery.id,
                DELIVERIES.c.worker == delivery.worker,
                DELIVERIES.c.lease_until < now,
            )
            .values(worker=self.worker, lease_until=now + timedelta(seconds=self.ttl))
        )
        with self.store.engine.begin() as connection:
            return bool(connection.execute(statement).rowcount == 1)

    def _renew(self, now: datetime) -> None:
        self._renewed = now
        with self.store.engine.begin() as connection:
            connection.execute(
                sa.update(DELIVERIES)
                .where(DELIVERIES.c.worker == self.worker, DELIVERIES.c.state.in_(ACTIVE))
                .values(lease_until=now + timedelta(seconds=self.ttl))
            )

    # ------------------------------------------------------------ notebook bindings

    def _step(self, binding: Binding, delivery: Delivery, now: datetime) -> int:
        if delivery.run_id is None:
            if delivery.due_at > now:
                return 0
            run = self._new_run(binding, delivery, now)
            if run is None:
                return 1
            if not self._update(delivery, run_id=run.id, state=DeliveryState.RUNNING.value):
                self._discard(run)
                return 0
            self._dispatch(run.id)
            return 1
        run = self.store.get(delivery.run_id)
        if run.status.finished:
            return self._ended(binding, delivery, run, now)
        if delivery.state is DeliveryState.PENDING:
            self._dispatch(run.id)
            self._update(delivery, state=DeliveryState.RUNNING.value)
            return 1
        self._watch(run.id, now)
        return 0

    def _new_run(self, binding: Binding, delivery: Delivery, now: datetime) -> Run | None:
        """The run of this attempt, recorded and offered; None when it cannot be made."""
        from workbench.jobs.run.prepare import prepare_run

        try:
            values = dict(binding.parameters)
            prepared = prepare_run(binding.notebook or "", None, job=binding.name)
            if EVENT_PARAMETER in prepared.declared:
                values[EVENT_PARAMETER] = self.inbox.get(delivery.event).to_dict()
            prepared = prepared.with_parameters(values)
            prepared = replace(prepared, timeout=binding.timeout)
        except WorkbenchError as exc:
            self._failed(binding, delivery, now, redact(str(exc)), run=None)
            return None
        run = Run.new(str(prepared.path), job=binding.name, parameters=prepared.parameters)
        self.store.add(run)
        self.leases.offer(run.id, timeout=binding.timeout)
        return run

    def _watch(self, run_id: str, now: datetime) -> None:
        """A run under way: leave it while its lease is renewed, else hand it over again."""
        assert self.engine is not None
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

    def _ended(self, binding: Binding, delivery: Delivery, run: Run, now: datetime) -> int:
        lease = self.leases.get(run.id)
        if lease is not None and lease.replaced_by is not None:
            self._update(delivery, run_id=lease.replaced_by, state=DeliveryState.RUNNING.value)
            return 1
        if run.status is Status.SUCCEEDED:
            if self._update(delivery, state=DeliveryState.SUCCEEDED.value, error=None):
                log.info("%s: run %s succeeded", binding.name, run.id)
            return 1
        self._failed(binding, delivery, now, run.describe(), run=run)
        return 1

    def _failed(
        self, binding: Binding, delivery: Delivery, now: datetime, reason: str, run: Run | None
    ) -> None:
        """An attempt failed: queue the next one after the backoff, or dead-letter it."""
        if delivery.attempt <= binding.retries:
            delay = binding.backoff_before(delivery.attempt + 1)
            if self._update(
                delivery,
                run_id=None,
                attempt=delivery.attempt + 1,
                state=DeliveryState.PENDING.value,
                due_at=now + timedelta(seconds=delay),
                error=reason[:2000],
            ):
                log.warning(
                    "%s: attempt %d of %d failed (%s); next in %g s",
                    *(binding.name, delivery.attempt, binding.retries + 1, reason, delay),
                )
            return
        if binding.on_failure and run is not None:
            self._report(binding, delivery, run)
        if self._update(delivery, state=DeliveryState.DEAD.value, error=reason[:2000]):
            log.error("%s: dead after %d attempt(s): %s", binding.name, delivery.attempt, reason)

    def _report(self, binding: Binding, delivery: Delivery, run: Run) -> None:
        from workbench.triggers.notify import failure_message, notify

        slot = (
            self.inbox.get(delivery.event).event.time if binding.connection == "schedule" else None
        )
        message = failure_message(
            binding.name,
            binding.notebook or binding.name,
            run,
            slot=slot,
            event=None if slot else delivery.event,
            attempts=delivery.attempt,
        )
        try:
            notify(str(binding.on_failure), message)
        except Exception as exc:  # the delivery still ends dead: never a second message
            log.error(
                "%s: the failure message to %s failed: %s", binding.name, binding.on_failure, exc
            )

    def _discard(self, run: Run) -> None:
        run.finish(
            Status.KILLED, error_class="NotNeeded", error_message="its delivery was taken over"
        )
        self.store.save(run)

    def _dispatch(self, run_id: str) -> None:
        assert self.engine is not None
        self._submitted.add(run_id)
        self.engine.submit(run_id)

    # ------------------------------------------------------------ in-process handlers

    def _call_handlers(self, calls: Sequence[tuple[Delivery, Binding]], now: datetime) -> int:
        """Call each handler; successes are recorded in groups of at most :data:`GROUP`
        (or every :data:`GROUP_SECONDS`), so a crash repeats at most one group's calls."""
        if not calls:
            return 0
        events = {s.id: s for s in self.inbox.events(ids=[d.event for d, _ in calls])}
        done: list[Delivery] = []
        flushed = time.monotonic()
        for delivery, binding in calls:
            stored: StoredEvent | None = events.get(delivery.event)
            if stored is None:
                self._update(delivery, state=DeliveryState.SKIPPED.value, error="event pruned")
                continue
            try:
                self.handlers[binding.name](stored.event)
            except Exception as exc:
                reason = redact(f"{type(exc).__name__}: {exc}")
                self._failed(binding, delivery, self.clock(), reason, run=None)
                continue
            done.append(delivery)
            if len(done) >= GROUP or time.monotonic() - flushed >= GROUP_SECONDS:
                self._succeeded(done)
                done, flushed = [], time.monotonic()
        self._succeeded(done)
        return len(calls)

    def _succeeded(self, done: Sequence[Delivery]) -> None:
        if not done:
            return
        statement = (
            sa.update(DELIVERIES)
            .where(DELIVERIES.c.id.in_([d.id for d in done]), DELIVERIES.c.worker == self.worker)
            .values(state=DeliveryState.SUCCEEDED.value, error=None, updated_at=self.clock())
        )
        with self.store.engine.begin() as connection:
            connection.execute(statement)

    # ------------------------------------------------------------ small steps

    def _update(self, delivery: Delivery, **values: Any) -> bool:
        """Change ``delivery`` if this worker still owns it and it still has its run."""
        same_run = (
            DELIVERIES.c.run_id.is_(None)
            if delivery.run_id is None
            else DELIVERIES.c.run_id == delivery.run_id
        )
        values["updated_at"] = self.clock()
        statement = (
            sa.update(DELIVERIES)
            .where(
                DELIVERIES.c.id == delivery.id,
                DELIVERIES.c.worker == self.worker,
                same_run,
            )
            .values(values)
        )
        with self.store.engine.begin() as connection:
            return bool(connection.execute(statement).rowcount == 1)

    def _deliveries(self, query: sa.Select[Any]) -> list[Delivery]:
        with self.store.engine.connect() as connection:
            return [Delivery.from_row(row._mapping) for row in connection.execute(query)]


def deliveries(
    store: RunStore,
    *,
    binding: str | None = None,
    event: str | None = None,
    state: DeliveryState | str | None = None,
    limit: int = 100,
) -> list[Delivery]:
    """The latest deliveries (of one ``binding``, ``event`` or ``state``), newest first."""
    store.create_tables()
    query = sa.select(DELIVERIES).order_by(DELIVERIES.c.id.desc()).limit(limit)
    if binding is not None:
        query = query.where(DELIVERIES.c.binding == binding)
    if event is not None:
        query = query.where(DELIVERIES.c.event == event)
    if state is not None:
        query = query.where(DELIVERIES.c.state == DeliveryState(state).value)
    with store.engine.connect() as connection:
        return [Delivery.from_row(row._mapping) for row in connection.execute(query)]
