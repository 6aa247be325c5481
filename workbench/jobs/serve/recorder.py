"""Recording served runs: one writer thread, every run waiting at that moment in one write.

A served request is answered once its run is in the run store. Under load, runs finish
faster than one transaction each can be written, so :class:`RunRecorder` hands them to a
thread of its own that writes whatever has queued up in one transaction (and reports back
to each waiting request once), instead of one thread hop and one commit per request.

Example:
    >>> import asyncio, tempfile, pathlib
    >>> from workbench.jobs.run.record import Run
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db")
    >>> recorder = RunRecorder(store)
    >>> run = Run.new("api.ipynb", job="api")
    >>> asyncio.run(recorder.record(run))
    >>> store.get(run.id).job
    'api'
    >>> recorder.close()
"""

from __future__ import annotations

import asyncio
import queue
import threading

from workbench.jobs.run.record import Run
from workbench.jobs.run.store import RunStore

_Waiting = tuple[Run, asyncio.Future[None]]


class RunRecorder:
    """Writes runs to ``store`` from one thread, as many to a transaction as are waiting."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="run-recorder", daemon=True)
        self._thread.start()

    async def record(self, run: Run) -> None:
        """Write ``run``; returns once it is stored (or raises why it could not be)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put((run, future))
        await future

    def close(self) -> None:
        """Write what is waiting, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop once this batch is written
                    break
                batch.append(item)
            error: BaseException | None = None
            try:
                self.store.add_all([run for run, _ in batch])
            except Exception as exc:  # each waiting request gets the store's error
                error = exc
            loops: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
            for _, future in batch:
                loops.setdefault(future.get_loop(), []).append(future)
            for loop, futures in loops.items():
                loop.call_soon_threadsafe(_settle, futures, error)


def _settle(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        if future.done():
            continue  # the request was cancelled meanwhile
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
