"""Jupyter kernels for runs: started on demand, or ahead of time in a :class:`KernelPool`.

A kernel serves exactly one run, then is shut down: no state leaks from one run into the
next. A pool keeps ``size`` kernels started and ready (in the pool's working folder and
with its owner's environment), so a run skips the kernel start; a background thread
shuts used kernels down and starts their replacements. On POSIX systems kernels talk over
IPC sockets in Jupyter's runtime folder rather than TCP ports.

Example:
    >>> with KernelPool(size=1) as pool:
    ...     kernel = pool.take(wait=60)
    ...     kernel.alive
    ...     pool.release(kernel)
    True
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import tempfile
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError, JobError
from workbench.redaction import get_logger, redact

if TYPE_CHECKING:
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

log = get_logger(__name__)

TRANSPORT = "ipc" if os.name == "posix" else "tcp"
DEFAULT_KERNEL = "python3"
_MAX_SOCKET_FOLDER = 80
_IOPUB_CHECK = 0.01  # seconds to wait for IOPub to show it is connected, per kernel_info


@dataclass(eq=False)
class Kernel:
    """One started kernel: its manager, kernel name and the folder it started in."""

    manager: AsyncKernelManager
    name: str
    cwd: Path
    language_info: dict[str, Any] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int | None:
        """The kernel's process id (None when it has none)."""
        process = getattr(self.manager.provisioner, "process", None)
        return None if process is None else int(process.pid)

    @property
    def alive(self) -> bool:
        """True while the kernel process runs."""
        process = getattr(self.manager.provisioner, "process", None)
        return process is not None and process.poll() is None

    def kill(self) -> None:
        """Kill the kernel and its child processes at once (SIGKILL); safe from any thread."""
        provisioner = self.manager.provisioner
        process = getattr(provisioner, "process", None)
        if process is None or process.poll() is not None:
            return
        pgid = getattr(provisioner, "pgid", None)
        if pgid and hasattr(os, "killpg") and pgid != os.getpgid(0):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        else:
            process.kill()


async def start_kernel_async(
    kernel_name: str = DEFAULT_KERNEL,
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> Kernel:
    """Start a kernel in ``cwd`` with ``env`` and wait until it answers."""
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import AsyncKernelManager

    manager = AsyncKernelManager(kernel_name=kernel_name, transport=TRANSPORT, **_address())
    try:
        await manager.start_kernel(cwd=str(cwd), env=dict(os.environ if env is None else env))
    except NoSuchKernel:
        raise JobError(
            f"no Jupyter kernel named {kernel_name!r} is installed (see: jupyter kernelspec list)"
        ) from None
    except Exception as exc:
        await _discard(manager)
        raise JobError(f"kernel {kernel_name!r} did not start: {redact(str(exc))}") from None
    client = manager.client()
    client.start_channels()
    try:
        info = await wait_ready(client, manager, startup_timeout)
    except BaseException:
        client.stop_channels()
        await _discard(manager)
        raise
    client.stop_channels()
    return Kernel(manager, kernel_name, cwd, dict(info.get("language_info", {})))


def _address() -> dict[str, str]:
    if TRANSPORT != "ipc":
        return {}
    from jupyter_core.paths import jupyter_runtime_dir

    folder = Path(jupyter_runtime_dir())
    if len(str(folder)) > _MAX_SOCKET_FOLDER:  # a socket path has ~107 bytes at most
        folder = Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {"ip": str(folder / f"wb-{uuid.uuid4().hex[:12]}")}


async def _discard(manager: AsyncKernelManager) -> None:
    try:
        if manager.has_kernel:
            await manager.shutdown_kernel(now=True)
        else:
            await manager.cleanup_resources()
    except Exception as exc:  # a kernel half started may not stop cleanly
        log.warning("kernel cleanup failed: %s", exc)


async def wait_ready(
    client: AsyncKernelClient, manager: AsyncKernelManager, timeout: float
) -> dict[str, Any]:
    """Wait until the kernel answers ``kernel_info`` and its IOPub channel is connected.

    Returns the ``kernel_info`` reply's content. Unlike ``wait_for_ready`` this polls
    IOPub in short steps, so a ready kernel costs milliseconds rather than 200.
    """
    deadline = time.monotonic() + timeout
    while True:
        client.kernel_info()
        try:
            reply = await client.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                await client.iopub_channel.get_msg(timeout=_IOPUB_CHECK)
            except Empty:
                pass
            else:
                content: dict[str, Any] = reply["content"]
                return content
        if not await manager.is_alive():
            raise JobError(f"kernel {manager.kernel_name!r} died before it was ready")
        if time.monotonic() > deadline:
            raise JobError(f"kernel {manager.kernel_name!r} did not answer in {timeout:g} s")


async def stop_kernel_async(kernel: Kernel, *, now: bool = False) -> None:
    """Shut ``kernel`` down (``now``: kill it) and remove its connection files."""
    try:
        if kernel.manager.has_kernel:
            await kernel.manager.shutdown_kernel(now=now or not kernel.alive)
    except Exception as exc:
        log.warning("kernel %s did not shut down cleanly: %s", kernel.pid, exc)
        kernel.kill()


def start_kernel(
    kernel_name: str = DEFAULT_KERNEL,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> Kernel:
    """Start a kernel now (the cold path): :func:`start_kernel_async`, blocking."""
    from jupyter_core.utils import run_sync

    start = run_sync(start_kernel_async)
    kernel: Kernel = start(
        kernel_name, cwd=cwd or Path.cwd(), env=env, startup_timeout=startup_timeout
    )
    return kernel


def stop_kernel(kernel: Kernel, *, now: bool = False) -> None:
    """Shut ``kernel`` down, blocking until it is gone."""
    from jupyter_core.utils import run_sync

    run_sync(stop_kernel_async)(kernel, now=now)


class KernelPool:
    """``size`` kernels started ahead of runs, each used once and then replaced.

    :meth:`take` hands out a ready kernel (or None when none is ready: start one cold);
    :meth:`release` gives it back to be shut down while a replacement starts. Kernels start
    in ``cwd`` (the working folder by default) with ``env`` (a copy of this process's
    environment, taken now). ``starts`` caps how many kernels it ever starts (a pool for a
    known number of runs starts no spare it would only shut down again). :meth:`close`, or
    leaving the ``with`` block, or the end of the interpreter shuts every kernel down.
    """

    def __init__(
        self,
        size: int = 2,
        kernel_name: str = DEFAULT_KERNEL,
        *,
        cwd: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        starts: int | None = None,
    ) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(f"KernelPool size: expected a whole number >= 1, got {size!r}")
        self.size = size
        self.starts = starts
        self.kernel_name = kernel_name
        self.cwd = Path(cwd or Path.cwd()).resolve()
        self.env = dict(os.environ if env is None else env)
        self.startup_timeout = startup_timeout
        self.take_wait = 0.0
        """Seconds :meth:`take` waits by default for a ready kernel (runs then start cold)."""
        self.started = 0  # kernels started so far, replacements included
        self._ready: deque[Kernel] = deque()
        self._out: set[Kernel] = set()
        self._used: list[Kernel] = []
        self._lock = threading.Condition()
        self._closed = False
        self._wake: asyncio.Event | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="workbench-kernel-pool", daemon=True)
        self._thread.start()
        _pools.add(self)

    def __repr__(self) -> str:
        return f"KernelPool(size={self.size}, kernel_name={self.kernel_name!r}, ready={self.ready})"

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ready(self) -> int:
        """How many kernels are started and waiting for a run."""
        with self._lock:
            return len(self._ready)

    def take(self, wait: float | None = None) -> Kernel | None:
        """A ready kernel, waiting up to ``wait`` seconds (:attr:`take_wait` by default)
        for one; None if none is ready."""
        deadline = time.monotonic() + (self.take_wait if wait is None else wait)
        with self._lock:
            while True:
                while self._ready:
                    kernel = self._ready.popleft()
                    if kernel.alive:
                        self._out.add(kernel)
                        self._signal()
                        return kernel
                    self._used.append(kernel)  # died while waiting: replace it
                    self._signal()
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    return None
                self._lock.wait(remaining)

    def release(self, kernel: Kernel) -> None:
        """Hand back a kernel after its run; it is shut down in the background."""
        with self._lock:
            self._out.discard(kernel)
            closed = self._closed
            if not closed:
                self._used.append(kernel)
                self._signal()
        if closed:
            stop_kernel(kernel, now=True)

    def kill_taken(self) -> int:
        """Kill the kernels handed out and not released yet (their runs end as killed)."""
        with self._lock:
            taken = list(self._out)
        for kernel in taken:
            kernel.kill()
        return len(taken)

    def wait_full(self, timeout: float = 60.0) -> bool:
        """Wait until all ``size`` kernels are ready; False if ``timeout`` passes first."""
        with self._lock:
            return self._lock.wait_for(
                lambda: self._closed or len(self._ready) >= self.size, timeout
            )

    def close(self, timeout: float = 30.0) -> None:
        """Shut every kernel down and stop the background thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._signal()
            self._lock.notify_all()
        self._thread.join(timeout)
        _pools.discard(self)

    # ------------------------------------------------------------ the background thread

    def _signal(self) -> None:
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._set_wake)

    def _set_wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._maintain())
        finally:
            self._loop.close()

    async def _maintain(self) -> None:
        self._wake = asyncio.Event()
        stopping: set[asyncio.Task[None]] = set()
        failures = 0
        while True:
            self._wake.clear()
            with self._lock:
                closed, used = self._closed, self._used[:]
                self._used.clear()
                missing = self.size - len(self._ready)
                if self.starts is not None:
                    missing = min(missing, self.starts - self.started)
            for kernel in used:
                task = asyncio.ensure_future(stop_kernel_async(kernel))
                stopping.add(task)
                task.add_done_callback(stopping.discard)
            if closed:
                break
            if missing > 0:
                try:
                    await self._start_one()
                    failures = 0
                except Exception as exc:
                    failures += 1
                    log.warning("kernel pool: %s", exc)
                    await self._sleep(min(30.0, 0.5 * 2**failures))
                continue
            await self._wake.wait()
        with self._lock:
            leftover = list(self._ready)
            self._ready.clear()
            self._lock.notify_all()
        await asyncio.gather(
            *stopping, *(stop_kernel_async(k, now=True) for k in leftover), return_exceptions=True
        )

    async def _start_one(self) -> None:
        kernel = await start_kernel_async(
            self.kernel_name, cwd=self.cwd, env=self.env, startup_timeout=self.startup_timeout
        )
        with self._lock:
            self.started += 1
            if self._closed:
                self._used.append(kernel)
            else:
                self._ready.append(kernel)
                self._lock.notify_all()

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)


_pools: weakref.WeakSet[KernelPool] = weakref.WeakSet()


@atexit.register
def _close_pools() -> None:
    for pool in list(_pools):
        pool.close(timeout=10)
