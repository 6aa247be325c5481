"""The local engine: runs execute on a thread pool in this process, on warm kernels.

``size`` threads execute runs side by side, each on a kernel taken from a
:class:`~workbench.jobs.run.kernels.KernelPool` of the same size, so a run starts without
paying a kernel start. Every run goes through an
:class:`~workbench.jobs.run.execution.Executor`: its lease is claimed and renewed while it
runs, so a scheduler elsewhere can tell a live run from one whose worker died.

Example:
    >>> import nbformat, tempfile, pathlib
    >>> from workbench.jobs.run.store import RunStore
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("6 * 7")]),
    ...                folder / "answer.ipynb")
    >>> store = RunStore(folder / "runs.db")
    >>> with LocalEngine(store, size=1) as engine:
    ...     run = engine.enqueue(folder / "answer.ipynb")
    ...     engine.wait(60)
    ...     store.get(run.id).status.value
    True
    'succeeded'
    >>> store.close()
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from workbench.errors import ConfigError
from workbench.jobs.run.engines import Engine
from workbench.jobs.run.execution import DEFAULT_TTL, Executor
from workbench.jobs.run.kernels import DEFAULT_KERNEL, KernelPool
from workbench.jobs.run.papermill_engine import close_thread_loop
from workbench.jobs.run.record import Run
from workbench.jobs.run.store import RunStore
from workbench.redaction import get_logger

log = get_logger(__name__)


class LocalEngine(Engine):
    """``size`` runs at a time on threads of this process, with ``size`` warm kernels;
    ``runs``, when known, is how many runs it will execute (no kernel starts beyond them)."""

    name = "local"

    def __init__(
        self,
        store: RunStore,
        *,
        size: int = 2,
        worker: str | None = None,
        ttl: float = DEFAULT_TTL,
        kernel_name: str = DEFAULT_KERNEL,
        cwd: str | Path | None = None,
        runs: int | None = None,
    ) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(f"--pool: expected a whole number >= 1, got {size!r}")
        super().__init__(store)
        self.size = size
        self.kernels = KernelPool(size, kernel_name, cwd=cwd, starts=runs)
        self.kernels.take_wait = self.kernels.startup_timeout  # one kernel per thread
        self.executor = Executor(store, worker=worker, ttl=ttl, pool=self.kernels)
        self.worker = self.executor.worker
        self._threads = ThreadPoolExecutor(size, thread_name_prefix="workbench-run")
        self._lock = threading.Lock()
        self._futures: dict[str, Future[Run | None]] = {}

    def __repr__(self) -> str:
        return f"LocalEngine(size={self.size}, worker={self.worker!r})"

    def submit(self, run_id: str) -> None:
        """Execute ``run_id`` on the next free thread."""
        with self._lock:
            if run_id in self._futures:
                return
            future = self._threads.submit(self._execute, run_id)
            self._futures[run_id] = future
        future.add_done_callback(lambda _: self._forget(run_id))

    def _execute(self, run_id: str) -> Run | None:
        try:
            return self.executor.execute(run_id)
        except Exception:
            log.exception("run %s: the local engine could not execute it", run_id)
            raise
        finally:
            close_thread_loop()

    def _forget(self, run_id: str) -> None:
        with self._lock:
            self._futures.pop(run_id, None)

    def wait_for(self, run_id: str, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for this engine's run ``run_id`` to end."""
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            wait([future], timeout=timeout)
        else:
            super().wait_for(run_id, timeout)

    @property
    def active(self) -> set[str]:
        """Runs waiting for a thread or executing (a replacement of a lost run included)."""
        with self._lock:
            waiting = set(self._futures)
        return waiting | self.executor.running

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every submitted run to end."""
        with self._lock:
            futures = list(self._futures.values())
        _, pending = wait(futures, timeout=timeout)
        return not pending

    def interrupt(self) -> None:
        """Stop the runs under way now: their kernels are killed, their runs end killed."""
        self.kernels.kill_taken()

    def close(self) -> None:
        """Wait for the runs under way, then stop the threads, kernels and heartbeat."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        self.kernels.close()
        self.executor.close()
