"""Running a notebook as a job: check its parameters, execute it, record the run.

:func:`run_notebook` is what ``wb run`` and ``wb.run_notebook`` do. In order:

1. read the notebook once and check the parameters against its ``parameters`` cell (an
   unknown name, a wrong type or a secret value is refused here, before any kernel starts);
2. record the run as ``running`` in the run store;
3. take a ready kernel from the ``pool`` (else start one: the cold path), inject the
   parameters (papermill) and execute the cells, in the notebook's folder by default;
4. redact the executed notebook and write it atomically (``data_dir()/runs/<id>.ipynb`` by
   default), then record how the run ended: ``succeeded``, ``failed`` (with the failing
   cell), ``timed_out`` (the kernel is killed at ``timeout`` seconds) or ``killed`` (the
   kernel died). :meth:`Run.raise_for_status` raises the matching error and exit code.

Example:
    >>> import nbformat, tempfile, pathlib
    >>> from workbench import errors as wb_errors
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cell = nbformat.v4.new_code_cell("n = 2")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("print(n * 21)")])
    >>> nbformat.write(nb, folder / "answer.ipynb")
    >>> from workbench.jobs.run.store import RunStore
    >>> store = RunStore(folder / "runs.db")
    >>> run = run_notebook(folder / "answer.ipynb", {"n": 2}, store=store)
    >>> run.status.value, store.get(run.id).parameters
    ('succeeded', {'n': 2})
    >>> nbformat.read(run.output, as_version=4).cells[-1].outputs[0].text
    '42\\n'
    >>> try:
    ...     run_notebook(folder / "answer.ipynb", {"n": "two"}, store=store)
    ... except wb_errors.ParameterError as err:
    ...     print(err.exit_code, str(err).split(": ", 1)[1])
    11 parameter 'n' expects an int (e.g. 3), got str 'two'
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.errors import (
    JobError,
    JobFailedError,
)
from workbench.jobs.run.kernels import Kernel, KernelPool, start_kernel, stop_kernel
from workbench.jobs.run.outputs import first_error, write_notebook
from workbench.jobs.run.prepare import PreparedRun, as_nbformat, prepare_run
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.store import RunStore, default_store
from workbench.redaction import redact

MAX_MESSAGE = 2000  # characters of an error message kept in the run record


def run_notebook(
    notebook: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    job: str | None = None,
    timeout: float | None = None,
    output: str | Path | None = None,
    store: RunStore | None = None,
    pool: KernelPool | None = None,
    cwd: str | Path | None = None,
    run_id: str | None = None,
) -> Run:
    """Run ``notebook`` with ``parameters`` as job ``job`` (the file name's stem by default).

    ``timeout`` bounds the whole run in seconds; ``output`` is where the executed notebook
    goes; ``store`` the run store (the configured one by default); ``pool`` a
    :class:`KernelPool` to take a started kernel from; ``cwd`` the folder the notebook runs
    in (its own folder by default); ``run_id`` the id of a run already recorded as
    ``queued`` (by a scheduler) to run now. Returns the finished :class:`Run`, whatever its
    ending; bad parameters raise :class:`ParameterError` and record nothing.
    """
    prepared = prepare_run(notebook, parameters, job=job, timeout=timeout, cwd=cwd)
    return execute_prepared(prepared, output=output, store=store, pool=pool, run_id=run_id)


def execute_prepared(
    prepared: PreparedRun,
    *,
    output: str | Path | None = None,
    store: RunStore | None = None,
    pool: KernelPool | None = None,
    run_id: str | None = None,
) -> Run:
    """Execute a run :func:`~workbench.jobs.run.prepare.prepare_run` has checked; record it.

    The arguments are :func:`run_notebook`'s; returns the finished :class:`Run`.
    """
    store = store or default_store()
    run = _open_run(store, run_id, prepared.path, prepared.job, prepared.parameters)
    target = Path(output).expanduser().resolve() if output else default_output(run.id)
    run.output = str(target)
    run.start()
    if run_id:
        store.save(run)
    else:
        store.add(run)
    kernel_name = prepared.kernel_name
    try:
        nb = _prepare(prepared.nb, run, kernel_name)
        _execute(run, nb, kernel_name, folder=prepared.folder, pool=pool, timeout=prepared.timeout)
    except BaseException as exc:  # interrupted (Ctrl-C) or a failure of our own
        if not run.status.finished:
            run.killed(_message(exc) or "interrupted", type(exc).__name__)
            store.save(run)
        raise
    write_notebook(nb, target)
    store.save(run)
    return run


def _open_run(
    store: RunStore, run_id: str | None, path: Path, job: str, values: dict[str, Any]
) -> Run:
    if run_id is None:
        return Run.new(str(path), job=job, parameters=values)
    run = store.get(run_id)
    if run.status is not Status.QUEUED:
        raise JobError(f"run {run_id} is {run.status.value}, not queued; it cannot start again")
    run.notebook, run.job, run.parameters = str(path), job, values
    return run


def default_output(run_id: str) -> Path:
    """Where a run's output notebook goes by default: ``runs/<id>.ipynb`` in the data folder."""
    return paths.data_dir() / "runs" / f"{run_id}.ipynb"


def _execute(
    run: Run,
    nb: Any,
    kernel_name: str,
    *,
    folder: Path,
    pool: KernelPool | None,
    timeout: float | None,
) -> None:
    """Execute ``nb`` for ``run`` and finish the run; the kernel is shut down after."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    kernel = pool.take() if pool is not None and pool.kernel_name == kernel_name else None
    warm = kernel is not None
    watchdog: _Watchdog | None = None
    try:
        if kernel is None:
            kernel = start_kernel(kernel_name, cwd=folder, env=pool.env if pool else None)
        if timeout is not None:
            watchdog = _Watchdog(timeout, kernel)
        from workbench.jobs.run.papermill_engine import execute

        execute(nb, kernel, cwd=folder, cell_timeout=_cell_timeout(timeout))
    except (DeadKernelError, CellTimeoutError) as exc:
        if (watchdog is not None and watchdog.fired) or isinstance(exc, CellTimeoutError):
            run.timed_out(timeout)
        else:
            run.killed(_death(kernel))
    except JobError as exc:
        run.finish(
            Status.FAILED,
            exit_code=exc.exit_code,
            error_class=type(exc).__name__,
            error_message=_message(exc),
        )
    except Exception as exc:  # papermill, nbclient or jupyter_client failing
        run.finish(
            Status.FAILED,
            exit_code=JobError.exit_code,
            error_class=type(exc).__name__,
            error_message=_message(exc),
        )
    else:
        failure = first_error(nb)
        if failure is None:
            run.finish(Status.SUCCEEDED)
        else:
            run.finish(
                Status.FAILED,
                exit_code=JobFailedError.exit_code,
                error_class=failure.ename,
                error_message=failure.evalue[:MAX_MESSAGE],
                failed_cell=failure.index,
                failed_source=failure.first_line[:200],
            )
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if kernel is not None:
            _release(kernel, pool if warm else None)


def _prepare(nb: Any, run: Run, kernel_name: str) -> Any:
    """A copy of ``nb`` with papermill's metadata, the parameters injected (as papermill
    does) and the run noted in the metadata."""
    from papermill.execute import (  # type: ignore[import-untyped]
        prepare_notebook_metadata,
        remove_error_markers,
    )
    from papermill.parameterize import parameterize_notebook  # type: ignore[import-untyped]

    nb = as_nbformat(nb)  # a copy, validated
    nb.metadata.setdefault("papermill", {"default_parameters": {}, "parameters": {}})
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})

    if run.parameters:
        language = (
            nb.metadata.get("kernelspec", {}).get("language")
            or nb.metadata.get("language_info", {}).get("name")
            or "python"
        )
        nb = parameterize_notebook(nb, run.parameters, kernel_name=kernel_name, language=language)
    nb = prepare_notebook_metadata(nb, run.notebook, run.output)
    nb = remove_error_markers(nb)
    nb.metadata["workbench"] = {"run_id": run.id, "job": run.job}
    return nb


def _cell_timeout(timeout: float | None) -> int | None:
    # nbclient's own per-cell limit, a backstop in case the kernel cannot be killed
    return None if timeout is None else math.ceil(timeout) + 5


def _release(kernel: Kernel, pool: KernelPool | None) -> None:
    if pool is not None:
        pool.release(kernel)
    else:
        stop_kernel(kernel)


def _death(kernel: Kernel | None) -> str:
    process = getattr(kernel.manager.provisioner, "process", None) if kernel else None
    code = process.poll() if process is not None else None
    if code is not None and code < 0:
        return f"the kernel died (killed by signal {-code})"
    return "the kernel died" + (f" (exit status {code})" if code is not None else "")


def _message(exc: BaseException) -> str:
    return redact(str(exc))[:MAX_MESSAGE]


class _Watchdog:
    """Kills the kernel when ``seconds`` pass; ``fired`` says whether it did."""

    def __init__(self, seconds: float, kernel: Kernel) -> None:
        self.fired = False
        self._kernel = kernel
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        self._kernel.kill()

    def cancel(self) -> None:
        self._timer.cancel()
