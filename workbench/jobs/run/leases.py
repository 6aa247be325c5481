"""Run leases: which worker executes a queued run, proven alive by a heartbeat.

A run handed to an engine is first *offered*: a row in ``wb_run_leases`` with the run's
timeout and no holder. The worker that executes it *claims* the row (an atomic update
that only one worker wins), then renews ``expires_at`` from a :class:`Heartbeat` thread
while the run goes on. A lease whose holder stopped renewing it has *expired*: its
holder died (SIGKILL, power loss). Another worker may then *take it over* (again an
atomic compare-and-set, so only one does) and :meth:`Leases.replace` the lost run: it is
recorded as ``killed`` and a fresh queued run, with the same notebook, job and
parameters, takes its place (``replaced_by``). A replacement that is lost in turn is not
replaced again: it stays ``killed`` and its schedule's retries decide.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.jobs.run.store import METADATA, RunStore
    >>> leases = Leases(RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db"))
    >>> leases.offer("run-1", timeout=60)
    >>> leases.claim("run-1", "worker-a", ttl=30), leases.claim("run-1", "worker-b", ttl=30)
    (True, False)
    >>> leases.get("run-1").worker
    'worker-a'
    >>> leases.store.close()
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from workbench.jobs.run.record import Run, as_utc, utc_now
from workbench.jobs.run.store import METADATA, RunStore
from workbench.redaction import get_logger

log = get_logger(__name__)

RUN_LEASES = sa.Table(
    "wb_run_leases",
    METADATA,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("timeout", sa.Float),
    sa.Column("worker", sa.String(300)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("replaces", sa.String(36)),
    sa.Column("replaced_by", sa.String(36)),
)

LOST = "WorkerLost"  # the error class of a run whose worker stopped renewing its lease


@dataclass(frozen=True)
class Lease:
    """One run's lease: its timeout, its holder (None while only offered) and expiry."""

    run_id: str
    timeout: float | None = None
    worker: str | None = None
    expires_at: datetime | None = None
    replaces: str | None = None
    replaced_by: str | None = None

    def held(self, now: datetime) -> bool:
        """True while a holder renews it."""
        return self.expires_at is not None and self.expires_at >= now

    def expired(self, now: datetime) -> bool:
        """True once a holder claimed it and stopped renewing it."""
        return self.worker is not None and self.expires_at is not None and self.expires_at < now


class Leases:
    """The run leases kept in a run store's database."""

    table = RUN_LEASES

    def __init__(self, store: RunStore, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.clock = clock
        store.create_tables()

    def _execute(self, statement: sa.Executable) -> int:
        with self.store.engine.begin() as connection:
            return int(connection.execute(statement).rowcount)

    def offer(
        self, run_id: str, *, timeout: float | None = None, replaces: str | None = None
    ) -> None:
        """Record that ``run_id`` waits for a worker (nothing changes if it is known)."""
        row = {"run_id": run_id, "timeout": timeout, "replaces": replaces}
        with contextlib.suppress(sa.exc.IntegrityError):
            self._execute(sa.insert(RUN_LEASES).values(row))

    def get(self, run_id: str) -> Lease | None:
        """The lease of ``run_id`` (None when it was never offered)."""
        with self.store.engine.connect() as connection:
            row = connection.execute(
                sa.select(RUN_LEASES).where(RUN_LEASES.c.run_id == run_id)
            ).first()
        if row is None:
            return None
        values = dict(row._mapping)
        if values["expires_at"] is not None:
            values["expires_at"] = as_utc(values["expires_at"])
        return Lease(**values)

    def claim(self, run_id: str, worker: str, *, ttl: float) -> bool:
        """Become the holder of an offered lease; False if another worker holds it."""
        statement = (
            sa.update(RUN_LEASES)
            .where(RUN_LEASES.c.run_id == run_id, RUN_LEASES.c.worker.is_(None))
            .values(worker=worker, expires_at=self.clock() + timedelta(seconds=ttl))
        )
        return self._execute(statement) == 1

    def take_over(self, lease: Lease, worker: str, *, ttl: float) -> bool:
        """Hold an expired ``lease`` instead of its silent holder; only one worker wins."""
        now = self.clock()
        if not lease.expired(now):
            return False
        statement = (
            sa.update(RUN_LEASES)
            .where(
                RUN_LEASES.c.run_id == lease.run_id,
                RUN_LEASES.c.worker == lease.worker,
                RUN_LEASES.c.expires_at == lease.expires_at,
            )
            .values(worker=worker, expires_at=now + timedelta(seconds=ttl))
        )
        return self._execute(statement) == 1

    def renew(self, run_ids: Iterable[str], worker: str, *, ttl: float) -> int:
        """Push the expiry of the leases ``worker`` holds on ``run_ids``; how many it holds."""
        ids = list(run_ids)
        if not ids:
            return 0
        statement = (
            sa.update(RUN_LEASES)
            .where(RUN_LEASES.c.run_id.in_(ids), RUN_LEASES.c.worker == worker)
            .values(expires_at=self.clock() + timedelta(seconds=ttl))
        )
        return self._execute(statement)

    def release(self, run_id: str, worker: str) -> None:
        """Drop the lease of a run that ended, unless it was replaced (kept as the link)."""
        self._execute(
            sa.delete(RUN_LEASES).where(
                RUN_LEASES.c.run_id == run_id,
                RUN_LEASES.c.worker == worker,
                RUN_LEASES.c.replaced_by.is_(None),
                RUN_LEASES.c.replaces.is_(None),
            )
        )
        self._execute(
            sa.update(RUN_LEASES)
            .where(RUN_LEASES.c.run_id == run_id, RUN_LEASES.c.worker == worker)
            .values(expires_at=None)
        )

    def replace(self, run: Run, lease: Lease, worker: str) -> Run | None:
        """Record the lost ``run`` as killed and queue its replacement (None if it was one).

        The caller holds ``lease`` (after :meth:`take_over`). The replacement is recorded
        before the lost run is marked killed, so whoever sees it killed finds the link.
        """
        replacement: Run | None = None
        if lease.replaced_by is not None:
            replacement = self.store.get(lease.replaced_by)  # a rescuer died half way
        elif lease.replaces is None:
            replacement = Run.new(run.notebook, job=run.job, parameters=run.parameters)
            self.store.add(replacement)
            self.offer(replacement.id, timeout=lease.timeout, replaces=run.id)
            self._execute(
                sa.update(RUN_LEASES)
                .where(RUN_LEASES.c.run_id == run.id, RUN_LEASES.c.worker == worker)
                .values(replaced_by=replacement.id)
            )
        holder = lease.worker or "its worker"
        then = f"; re-run as run {replacement.id}" if replacement else "; not re-run again"
        run.killed(f"lost: {holder} stopped renewing the run's lease{then}", LOST)
        self.store.save(run)
        self.release(run.id, worker)
        log.warning("run %s of %s lost by %s%s", run.id, run.job, holder, then)
        return replacement


class Heartbeat:
    """Renews the leases this worker holds, every third of ``ttl``, from a daemon thread.

    Example:
        >>> import tempfile, pathlib
        >>> from workbench.jobs.run.store import METADATA, RunStore
        >>> leases = Leases(RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db"))
        >>> with Heartbeat(leases, "worker-a", ttl=3) as heartbeat:
        ...     leases.offer("run-1"); leases.claim("run-1", "worker-a", ttl=3)
        ...     heartbeat.hold("run-1"); sorted(heartbeat.held)
        True
        ['run-1']
        >>> leases.store.close()
    """

    def __init__(self, leases: Leases, worker: str, *, ttl: float) -> None:
        self.leases = leases
        self.worker = worker
        self.ttl = ttl
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="workbench-heartbeat", daemon=True)
        self._thread.start()

    def __enter__(self) -> Heartbeat:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def held(self) -> set[str]:
        """The run ids whose leases are renewed."""
        with self._lock:
            return set(self._held)

    def hold(self, run_id: str) -> None:
        """Renew ``run_id``'s lease from now on."""
        with self._lock:
            self._held.add(run_id)

    def drop(self, run_id: str) -> None:
        """Stop renewing ``run_id``'s lease."""
        with self._lock:
            self._held.discard(run_id)

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.leases.renew(self.held, self.worker, ttl=self.ttl)
            except Exception as exc:  # a store hiccup: try again at the next beat
                log.warning("lease renewal failed: %s", exc)

    def close(self) -> None:
        """Stop renewing (the leases then expire unless released)."""
        self._stop.set()
        self._thread.join(timeout=5)
