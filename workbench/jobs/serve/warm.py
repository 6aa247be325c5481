"""Serving a request on a warm session: the run it is, recorded like every run.

:class:`WarmRunner` is what ``wb serve`` does by default: each request takes a session from
the :class:`~workbench.jobs.serve.sessions.SessionPool` (waiting in a bounded queue), runs
the notebook's request part there with its parameters, and becomes a run record with its
parameters, status, duration and error. A failed request leaves an output notebook with the
request cells' outputs (redacted); a successful one only its record. The notebook is read
once, when the server starts: restart it after changing the notebook (``--isolate`` reads
the file for every request).

Example:
    >>> import nbformat, tempfile, pathlib
    >>> cell = nbformat.v4.new_code_cell("n = 1")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "api.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    >>> WarmRunner(path, job="api", size=1, timeout=10, store=None).plan.parameters
    'n = 1'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio

from workbench.errors import JobError, JobFailedError
from workbench.jobs.run.outputs import write_notebook
from workbench.jobs.run.prepare import as_nbformat, prepare_run
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.runner import default_output
from workbench.jobs.run.store import RunStore
from workbench.jobs.serve.plan import plan_of
from workbench.jobs.serve.recorder import RunRecorder
from workbench.jobs.serve.respond import read_payload
from workbench.jobs.serve.sessions import Busy, Outcome, SessionPool

BUSY = "Busy"
NO_KERNEL = "NoKernel"


class WarmRunner:
    """Runs requests on warm sessions of ``notebook`` and records them in ``store``."""

    def __init__(
        self,
        notebook: str | Path,
        *,
        job: str,
        size: int,
        timeout: float | None,
        store: RunStore | None,
        env: Mapping[str, str] | None = None,
        max_requests: int = 1000,
        queue: int | None = None,
    ) -> None:
        self.prepared = prepare_run(notebook, job=job)
        self.plan = plan_of(self.prepared.nb)
        self.timeout = timeout
        self.store = store
        self.recorder = RunRecorder(store) if store is not None else None
        self.pool = SessionPool(
            self.plan,
            size=size,
            kernel_name=self.prepared.kernel_name,
            cwd=self.prepared.folder,
            env=env,
            max_requests=max_requests,
            queue=queue,
        )

    async def run(self, values: Mapping[str, Any]) -> tuple[Run, dict[str, Any] | None]:
        """Run one request; its finished, recorded run and the response it published."""
        prepared = self.prepared.with_parameters(values)
        run = Run.new(str(prepared.path), job=prepared.job, parameters=prepared.parameters)
        run.start()
        payload: dict[str, Any] | None = None
        outcome: Outcome | None = None
        try:
            session = await self.pool.acquire(self.timeout)
        except Busy:
            waiting = f"{self.pool.size} kernels are busy and {self.pool.waiting} requests wait"
            self._refused(run, BUSY, f"{waiting}; retry shortly")
        except TimeoutError:
            self._refused(run, NO_KERNEL, f"no kernel became free within {self.timeout} s")
        else:
            healthy = False
            try:
                outcome = await session.serve(self.plan, prepared.parameters, self.timeout)
                healthy = outcome.status in ("ok", "failed")
            finally:
                self.pool.release(session, healthy=healthy)
            payload = self._ended(run, outcome)
        failed = outcome if payload is None else None
        if failed is not None and failed.outputs:
            await anyio.to_thread.run_sync(self._write_outputs, run, failed)
        if self.recorder is not None:
            await self.recorder.record(run)
        return run, payload

    def _refused(self, run: Run, error: str, message: str) -> None:
        run.finish(
            Status.FAILED, exit_code=JobError.exit_code, error_class=error, error_message=message
        )

    def _ended(self, run: Run, outcome: Outcome) -> dict[str, Any] | None:
        if outcome.status == "ok" and outcome.response is not None:
            try:
                payload = read_payload(outcome.response)
            except JobError as exc:
                run.finish(
                    Status.FAILED,
                    exit_code=JobFailedError.exit_code,
                    error_class=type(exc).__name__,
                    error_message=str(exc),
                )
                return None
            run.finish(Status.SUCCEEDED)
            return payload
        if outcome.status == "ok":
            run.finish(
                Status.FAILED,
                exit_code=JobFailedError.exit_code,
                error_class="NoResponse",
                error_message=f"{self.prepared.path.name} ran to the end without calling "
                "wb.respond(...)",
            )
        elif outcome.status == "failed":
            cell = outcome.failed_cell
            run.finish(
                Status.FAILED,
                exit_code=JobFailedError.exit_code,
                error_class=outcome.error_class,
                error_message=(outcome.error_message or "")[:2000],
                failed_cell=cell if cell is not None and cell >= 0 else None,
                failed_source=self._first_line(cell),
            )
        elif outcome.status == "timeout":
            run.timed_out(self.timeout)
        else:
            run.killed("the kernel died while running the request")
        return None

    def _first_line(self, cell: int | None) -> str | None:
        if cell is None or cell < 0:
            return None
        lines = self.prepared.nb.cells[cell].source.strip().splitlines()
        return lines[0][:200] if lines else None

    def _write_outputs(self, run: Run, failed: Outcome) -> None:
        """Write a failed run's output notebook, with the outputs of its request cells."""
        import nbformat

        nb = as_nbformat(self.prepared.nb)
        for index, cell in enumerate(nb.cells):
            if cell.get("cell_type") == "code":
                outputs = failed.outputs.get(index, [])
                cell.outputs = [nbformat.from_dict(o) for o in outputs]  # type: ignore[no-untyped-call]
        target = default_output(run.id)
        write_notebook(nb, target)
        run.output = str(target)

    async def start(self, wait: float) -> bool:
        """Start the sessions; False if they are not all ready after ``wait`` seconds."""
        return await self.pool.start(wait)

    async def close(self) -> None:
        """Shut the sessions down."""
        await self.pool.close()
        if self.recorder is not None:
            self.recorder.close()
