"""The papermill engine Workbench runs notebooks with: papermill's nbclient engine, on a
kernel that is already started.

It differs from papermill's own ``nbclient`` engine in three ways: it always executes on
the kernel it is given (``km=``, from :mod:`workbench.jobs.run.kernels`); it connects to that
kernel without ``wait_for_ready``'s 200 ms IOPub pause, then moves the kernel into the run's
working folder when it started elsewhere; and it leaves the kernel running afterwards (the
caller shuts it down). Output is not saved during the run: the caller redacts, then writes.

Example:
    >>> import nbformat
    >>> from workbench.jobs.run.kernels import start_kernel, stop_kernel
    >>> kernel = start_kernel()
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    >>> nb = execute(nb, kernel)
    >>> nb.cells[0].outputs[0].text
    '42\\n'
    >>> stop_kernel(kernel, now=True)
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async, run_sync
from nbclient.util import run_hook
from papermill.clientwrap import PapermillNotebookClient  # type: ignore[import-untyped]
from papermill.engines import NBClientEngine  # type: ignore[import-untyped]
from papermill.utils import remove_args  # type: ignore[import-untyped]
from traitlets import Unicode

from workbench.errors import JobError
from workbench.jobs.run.kernels import Kernel, wait_ready


class WarmKernelClient(PapermillNotebookClient):  # type: ignore[misc]
    """papermill's notebook client, connecting quickly to a kernel started beforehand."""

    working_dir = Unicode(
        None, allow_none=True, help="Folder the kernel changes into before the first cell."
    ).tag(config=True)

    async def async_start_new_kernel_client(self) -> Any:
        """Connect to the kernel, wait until it answers, change folder, then run the hooks."""
        client = self.km.client()
        await ensure_async(client.start_channels())
        try:
            info = await wait_ready(client, self.km, float(self.startup_timeout))
            if info.get("language_info"):
                self.nb.metadata["language_info"] = info["language_info"]
            if self.working_dir:
                await _change_folder(client, self.working_dir, float(self.startup_timeout))
        except BaseException:
            client.stop_channels()
            raise
        client.allow_stdin = False
        self.kc = client
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return client

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def execute(self, **kwargs: Any) -> Any:
        """Execute every cell (stopping at the first error); the kernel stays up."""
        self.reset_execution_trackers()
        try:
            with self.setup_kernel(**kwargs):
                self.papermill_execute_cells()
                self.set_widgets_metadata()
        finally:
            if self.kc is not None:
                self.kc.stop_channels()
                self.kc = None
        return self.nb


async def _change_folder(client: Any, folder: str, timeout: float) -> None:
    code = f"__import__('os').chdir({folder!r})"
    msg_id = client.execute(code, silent=True, store_history=False)
    while True:
        reply = await client.shell_channel.get_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    if reply["content"].get("status") != "ok":
        raise JobError(f"the kernel cannot change into the run's folder {folder}")


class WarmKernelEngine(NBClientEngine):  # type: ignore[misc]
    """papermill's nbclient engine with :class:`WarmKernelClient` as its client."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        """As papermill's, on the kernel manager passed as ``km``."""
        options = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = WarmKernelClient(
            nb_man,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **options,
        )
        return client.execute()


def execute(
    nb: Any,
    kernel: Kernel,
    *,
    cwd: Path | None = None,
    cell_timeout: int | None = None,
    startup_timeout: int = 60,
) -> Any:
    """Execute ``nb`` (a papermill-ready notebook node) on ``kernel``, in ``cwd``.

    Stops at the first failing cell, leaving its error in the outputs; raises nbclient's
    ``DeadKernelError`` when the kernel dies and ``CellTimeoutError`` past ``cell_timeout``.
    """
    if "papermill" not in nb.metadata:
        nb.metadata["papermill"] = {"parameters": {}}
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    folder = str(cwd) if cwd is not None and Path(cwd) != kernel.cwd else None
    return WarmKernelEngine.execute_notebook(
        nb,
        kernel.name,
        output_path=None,
        progress_bar=False,
        autosave_cell_every=0,
        start_timeout=startup_timeout,
        execution_timeout=cell_timeout,
        km=kernel.manager,
        working_dir=folder,
        coalesce_streams=True,
    )


def close_thread_loop() -> None:
    """Close the event loop Jupyter's clients left in this worker thread (not the main one).

    Kernel clients run their coroutines on a loop kept per thread; a pool thread that
    outlives its run would otherwise leave the loop, and its sockets, open.
    """
    from jupyter_core.utils import ensure_event_loop

    if threading.current_thread() is threading.main_thread():
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        ensure_event_loop().close()
