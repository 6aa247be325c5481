"""Executing a queued run by its id, exactly once, whatever the engine delivered.

Engines deliver run ids, sometimes more than once: a broker redelivers the task of a
worker that died, a scheduler hands a lost run to another worker. :class:`Executor`
makes every delivery safe. It reads the run record and its lease (see
:mod:`workbench.jobs.run.leases`):

* the run has ended: nothing to do (a repeated delivery);
* it is queued and its lease is free: claim the lease, renew it while
  :func:`~workbench.jobs.run.runner.run_notebook` runs it, release it at the end;
* another worker holds the lease and renews it: that worker is alive, nothing to do;
* the lease expired (its holder died mid-run): take it over, record the run as killed
  (lost) and execute its replacement here.

Example:
    >>> import nbformat, tempfile, pathlib
    >>> from workbench.jobs.run.record import Run
    >>> from workbench.jobs.run.store import RunStore
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]),
    ...                folder / "tiny.ipynb")
    >>> store = RunStore(folder / "runs.db")
    >>> run = Run.new(str(folder / "tiny.ipynb"), job="tiny"); store.add(run)
    >>> with Executor(store, worker="doc-worker", ttl=10) as executor:
    ...     executor.execute(run.id).status.value, executor.execute(run.id)
    ('succeeded', None)
    >>> store.close()
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.errors import JobError
from workbench.jobs.run.leases import Heartbeat, Lease, Leases
from workbench.jobs.run.record import Run, Status, utc_now, worker_name
from workbench.jobs.run.store import RunStore
from workbench.redaction import get_logger, redact

if TYPE_CHECKING:
    from workbench.jobs.run.kernels import KernelPool

log = get_logger(__name__)

DEFAULT_TTL = 30.0  # seconds a lease lasts without renewal


class Executor:
    """Executes delivered run ids on this worker: claims, heartbeats, rescues lost runs.

    ``ttl`` is how long a lease outlives its last renewal; ``pool`` a
    :class:`~workbench.jobs.run.kernels.KernelPool` of warm kernels; ``on_start`` is called
    with each run id this worker starts executing (a replacement included).
    """

    def __init__(
        self,
        store: RunStore,
        *,
        worker: str | None = None,
        ttl: float = DEFAULT_TTL,
        pool: KernelPool | None = None,
        poll: float = 0.25,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.worker = worker or worker_name()
        self.ttl = ttl
        self.pool = pool
        self.poll = poll
        self.clock = clock
        self.leases = Leases(store, clock=clock)
        self.heartbeat = Heartbeat(self.leases, self.worker, ttl=ttl)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> set[str]:
        """The ids of the runs this worker executes now."""
        return self.heartbeat.held

    def execute(self, run_id: str) -> Run | None:
        """Execute run ``run_id`` if no one else does; the run it ended, or None."""
        seen: datetime | None = None
        waited_since = time.monotonic()
        while True:
            run = self.store.get(run_id)
            if run.status.finished:
                return None
            lease = self.leases.get(run_id)
            if lease is None:
                if run.status is not Status.QUEUED:
                    return None  # running outside any engine (`wb run`)
                self.leases.offer(run_id)
                continue
            if lease.worker is None:
                if run.status is not Status.QUEUED:
                    return None  # running outside any engine
                if self.leases.claim(run_id, self.worker, ttl=self.ttl):
                    return self._run(run, lease)
                continue  # another worker claimed it first
            if lease.expired(self.clock()):
                if not self.leases.take_over(lease, self.worker, ttl=self.ttl):
                    continue
                if run.status is Status.QUEUED:  # claimed, never started
                    return self._run(run, lease)
                replacement = self.leases.replace(run, lease, self.worker)
                if replacement is None:
                    return run
                run_id, seen = replacement.id, None
                continue
            if lease.worker == self.worker and run_id in self.running:
                return None  # this worker runs it already
            if seen is None:
                seen = lease.expires_at
            elif lease.expires_at != seen:
                return None  # its holder renews the lease: alive, and running it
            if time.monotonic() - waited_since > 4 * self.ttl:
                log.warning("run %s: its lease neither renews nor expires; leaving it", run_id)
                return None
            time.sleep(self.poll)

    def _run(self, run: Run, lease: Lease) -> Run:
        from workbench.jobs.run.runner import run_notebook

        self.heartbeat.hold(run.id)
        try:
            return run_notebook(
                run.notebook,
                run.parameters,
                job=run.job,
                timeout=lease.timeout,
                store=self.store,
                pool=self.pool,
                run_id=run.id,
                output=run.output,
            )
        except JobError as exc:  # refused before it started: the notebook or its parameters
            current = self.store.get(run.id)
            if not current.status.finished:
                current.finish(
                    Status.FAILED,
                    exit_code=exc.exit_code,
                    error_class=type(exc).__name__,
                    error_message=redact(str(exc))[:2000],
                )
                self.store.save(current)
            return current
        finally:
            self.heartbeat.drop(run.id)
            self.leases.release(run.id, self.worker)

    def close(self) -> None:
        """Stop the heartbeat."""
        self.heartbeat.close()
