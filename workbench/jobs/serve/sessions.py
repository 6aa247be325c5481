"""Warm sessions: kernels that ran a served notebook's setup once and then take requests.

A :class:`Session` is one started kernel. When it starts it runs the notebook's ``setup``
cells, defines a small driver and keeps a snapshot of the namespace setup made. A request
is one message to the kernel: the driver puts the namespace back to that snapshot (so
nothing a request made is left for the next one), runs the ``parameters`` cell, sets the
request's values (sent as JSON, never as code), then runs the request cells, compiled once,
one after the other. It ends with one message saying how the request went: the last
``wb.respond`` value (which, in a session, is kept for the driver rather than displayed:
:data:`SERVING`), or the cell that failed and its error. Cells run quietly: a last
expression is not displayed (nobody looks at a served request); what they print is kept
for the record of a failed request. Every IOPub message costs the kernel milliseconds, so
a request costs one round trip and one message.

A :class:`SessionPool` keeps ``size`` sessions on the server's event loop and hands them to
requests; requests that find none free wait in a bounded queue (beyond it: :class:`Busy`).
A session whose kernel died, timed out, or served ``max_requests`` requests is discarded and
a new one started in the background (each a little earlier, by up to a tenth, so kernels
started together are not all replaced at once).

Example:
    >>> from workbench.jobs.serve.plan import RequestPlan
    >>> driver_code(RequestPlan(["import math"], "n = 1", [(2, "n * 2")])).startswith("def ")
    True
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

from workbench.errors import JobError
from workbench.jobs.run.kernels import Kernel, start_kernel_async, stop_kernel_async, wait_ready
from workbench.jobs.serve.plan import RequestPlan
from workbench.jobs.serve.respond import MIME
from workbench.redaction import get_logger, redact

if TYPE_CHECKING:
    from jupyter_client.asynchronous.client import AsyncKernelClient

log = get_logger("workbench.serve")

SERVING = "WORKBENCH_SERVING"
"""Set in a session kernel's environment: ``wb.respond`` then skips the rich display."""

CELL_MIME = "application/vnd.workbench.cell+json"
"""Display data the driver publishes where a request cell starts, fails or all end."""

POLL = 0.5  # seconds between two looks at a kernel's health while a request runs
SETUP_TIMEOUT = 300.0  # seconds the setup cells may take

_DRIVER = """def __wb_prepare(cells):
    from IPython import get_ipython

    shell = get_ipython()
    prepared = []
    for index, source in cells:
        python = shell.transform_cell(source)
        try:
            code = compile(python, f"<cell {index}>", "exec")
        except SyntaxError:
            code = None  # top-level await, or a syntax error: IPython runs it and reports
        prepared.append((index, source, code))
    return prepared


__wb_cells = __wb_prepare(CELLS)


def __wb_serve(values):
    import json
    from IPython import get_ipython
    from IPython.display import publish_display_data
    from workbench.jobs.serve import respond

    shell = get_ipython()
    space = shell.user_ns
    for name in [name for name in space if name not in __wb_setup]:
        del space[name]
    space.update(__wb_setup)
    respond.served.clear()
    for index, source, code in __wb_cells:
        if index == PARAMETERS_DONE:
            space.update(json.loads(values))
            continue
        try:
            if code is None:
                outcome = shell.run_cell(source, store_history=False, silent=True)
                error = outcome.error_before_exec or outcome.error_in_exec
                if error is not None:
                    raise error
            else:
                exec(code, space)
        except BaseException as error:
            if code is not None:
                shell.showtraceback()
            failed = {"failed": index, "ename": type(error).__name__, "evalue": str(error)}
            publish_display_data({MIME: failed})
            return
    __wb_send({"done": True, "response": respond.served[-1:]})


def __wb_send(marker):
    # The display message, without the stream flush publish_display_data does first (two
    # round trips to the output thread): nothing printed by a request that ended well is kept.
    from IPython import get_ipython

    pub = get_ipython().display_pub
    session, socket = getattr(pub, "session", None), getattr(pub, "pub_socket", None)
    if session is None or socket is None:
        from IPython.display import publish_display_data

        publish_display_data({MIME: marker})
        return
    content = {"data": {MIME: marker}, "metadata": {}, "transient": {}}
    message = session.msg("display_data", content, parent=pub.parent_header)
    session.send(socket, message, ident=pub.topic)
"""

_SNAPSHOT = """
__wb_setup = dict(get_ipython().user_ns)
__wb_setup["__wb_setup"] = __wb_setup
"""

PARAMETERS_DONE = -9  # the place in the cells where the request's values are set


def driver_code(plan: RequestPlan) -> str:
    """The code that compiles the request cells and defines the driver (run once, after
    the setup cells): the parameters cell, the request's values, then the request cells."""
    cells: list[tuple[int, str]] = [(-1, plan.parameters)] if plan.parameters else []
    cells += [(PARAMETERS_DONE, "")]
    cells += plan.cells
    return (
        _DRIVER.replace("CELLS", repr(cells))
        .replace("PARAMETERS_DONE", str(PARAMETERS_DONE))
        .replace("MIME", repr(CELL_MIME))
    )


class Busy(Exception):
    """Every session is taken and the queue of waiting requests is full."""


@dataclass
class Outcome:
    """How one request went: ``ok``, ``failed`` (a cell raised), ``timeout`` or ``died``."""

    status: str
    response: dict[str, Any] | None = None
    failed_cell: int | None = None
    error_class: str | None = None
    error_message: str | None = None
    outputs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    finished: bool = False  # the driver said it reached the end (or a failing cell)


class Session:
    """One warm kernel that ran the notebook's setup."""

    def __init__(self, kernel: Kernel, client: AsyncKernelClient) -> None:
        self.kernel = kernel
        self.client = client
        self.served = 0
        self.early = 0  # requests fewer than the pool's max_requests this one serves
        self.retiring = False  # worn: serving until its replacement is ready

    @classmethod
    async def start(
        cls,
        plan: RequestPlan,
        *,
        kernel_name: str,
        cwd: Path,
        env: Mapping[str, str] | None,
        startup_timeout: float = 60.0,
    ) -> Session:
        """Start a kernel, run the setup cells and define the driver."""
        environment = {**(os.environ if env is None else env), SERVING: "1"}
        kernel = await start_kernel_async(
            kernel_name, cwd=cwd, env=environment, startup_timeout=startup_timeout
        )
        client = kernel.manager.client()
        client.start_channels()
        session = cls(kernel, client)
        try:
            await wait_ready(client, kernel.manager, startup_timeout)
            for number, source in enumerate(plan.setup, start=1):
                outcome = await session._execute(source, SETUP_TIMEOUT)
                if outcome.status != "ok":
                    reason = outcome.error_message or outcome.status
                    raise JobError(f"setup cell {number} failed: {outcome.error_class}: {reason}")
            setup = driver_code(plan) + _SNAPSHOT
            ready = await session._execute(setup, SETUP_TIMEOUT)
            if ready.status != "ok":
                raise JobError(f"the request driver could not be defined: {ready.error_message}")
        except BaseException:
            await session.close()
            raise
        return session

    async def serve(
        self, plan: RequestPlan, values: Mapping[str, Any], timeout: float | None
    ) -> Outcome:
        """Run one request with ``values``; what it published and how it ended."""
        call = f"__wb_serve({json.dumps(json.dumps(dict(values)))})"
        self.served += 1
        outcome = await self._execute(call, timeout)
        if outcome.status == "ok" and not outcome.finished:  # the kernel skipped it (aborted)
            outcome = await self._execute(call, timeout)
            if outcome.status == "ok" and not outcome.finished:
                return Outcome("died", outputs=outcome.outputs)
        return outcome

    async def _execute(self, code: str, timeout: float | None) -> Outcome:
        msg_id = self.client.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = None if timeout is None else time.monotonic() + timeout
        outcome = Outcome("ok")
        cell = -2  # where the outputs go: the failing cell's, once the driver says which
        while True:
            wait = POLL if deadline is None else min(POLL, deadline - time.monotonic())
            if wait <= 0:
                return Outcome("timeout", outputs=outcome.outputs)
            try:
                message = await self.client.iopub_channel.get_msg(timeout=wait)
            except Empty:
                if not self.kernel.alive:
                    return Outcome("died", outputs=outcome.outputs)
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                break
            if kind in ("display_data", "execute_result") and CELL_MIME in content.get("data", {}):
                marker = content["data"][CELL_MIME]
                outcome.finished = True
                if marker.get("response"):
                    outcome.response = marker["response"][-1]
                if "failed" in marker:
                    outcome.status = "failed"
                    outcome.failed_cell = cell = int(marker["failed"])
                    outcome.error_class = str(marker.get("ename"))
                    outcome.error_message = redact(str(marker.get("evalue")))
                    outcome.outputs = {cell: [o for v in outcome.outputs.values() for o in v]}
                continue
            if kind == "error" and outcome.status == "ok" and cell == -2:
                outcome.status = "failed"  # the code itself raised (setup, driver)
                outcome.error_class = content.get("ename")
                outcome.error_message = redact(str(content.get("evalue")))
            output = _output(kind, content)
            if output is not None:
                outcome.outputs.setdefault(cell, []).append(output)
        await self._reply(msg_id)
        return outcome

    async def _reply(self, msg_id: str) -> None:
        """Read the shell channel up to the reply to ``msg_id``, so none pile up."""
        with contextlib.suppress(Empty):
            while True:
                reply = await self.client.shell_channel.get_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return

    async def close(self) -> None:
        """Stop the client's channels and shut the kernel down."""
        with contextlib.suppress(Exception):
            self.client.stop_channels()
        await stop_kernel_async(self.kernel, now=True)


def _output(kind: str, content: Mapping[str, Any]) -> dict[str, Any] | None:
    """An IOPub message as a notebook output (for the record of a failed request)."""
    if kind == "stream":
        return {"output_type": "stream", "name": content.get("name"), "text": content.get("text")}
    if kind in ("display_data", "execute_result"):
        data = {k: v for k, v in content.get("data", {}).items() if k != MIME}
        output = {"output_type": kind, "data": data, "metadata": content.get("metadata", {})}
        if kind == "execute_result":
            output["execution_count"] = content.get("execution_count")
        return output
    if kind == "error":
        return {
            "output_type": "error",
            "ename": content.get("ename"),
            "evalue": content.get("evalue"),
            "traceback": content.get("traceback", []),
        }
    return None


class SessionPool:
    """``size`` sessions on the running event loop, handed to requests one at a time."""

    def __init__(
        self,
        plan: RequestPlan,
        *,
        size: int,
        kernel_name: str,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        max_requests: int = 1000,
        queue: int | None = None,
    ) -> None:
        self.plan = plan
        self.size = size
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.env = env
        self.max_requests = max_requests
        self.queue = queue if queue is not None else 8 * size
        self._idle: list[Session] = []
        self._waiters: deque[asyncio.Future[Session]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()  # sessions starting
        self._stopping: set[asyncio.Task[None]] = set()
        self._live = 0  # sessions started or starting
        self._retiring = 0  # worn sessions still serving until a replacement is ready
        self._replacements = 0  # ready replacements of worn sessions busy at the time
        self._failures = 0
        self._closed = False

    @property
    def ready(self) -> int:
        """Sessions idle right now."""
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Requests waiting for a session."""
        return len(self._waiters)

    async def start(self, wait: float) -> bool:
        """Start the sessions; wait up to ``wait`` seconds for them all (False: not all)."""
        for _ in range(self.size):
            self._grow()
        deadline = time.monotonic() + wait
        while len(self._idle) < self.size and time.monotonic() < deadline and not self._closed:
            await asyncio.sleep(0.05)
        return len(self._idle) >= self.size

    async def acquire(self, timeout: float | None) -> Session:
        """A free session; waits in the queue (at most ``timeout`` seconds) when none is.

        Raises :class:`Busy` when the queue is full, :class:`TimeoutError` when the wait
        runs out.
        """
        if self._idle:
            return self._idle.pop()
        if self._closed:
            raise Busy
        if len(self._waiters) >= self.queue:
            raise Busy
        waiter: asyncio.Future[Session] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def release(self, session: Session, *, healthy: bool) -> None:
        """Give ``session`` back. An unhealthy one is replaced in the background; a worn one
        keeps serving until its replacement is ready."""
        if self._closed or not healthy:
            self._retire(session)
            if not self._closed:
                self._grow()
            return
        if session.retiring and self._replacements:
            self._replacements -= 1
            self._retire(session)
            return
        if not session.retiring and session.served >= self.max_requests - session.early:
            session.retiring = True
            self._retiring += 1
            self._grow()
        self._hand(session)

    def _retire(self, session: Session) -> None:
        if session.retiring:
            self._retiring -= 1
        self._live -= 1
        self._spawn(session.close(), self._stopping)

    def _replaced(self) -> None:
        """A new session is ready: an idle worn one goes now, a busy one when released."""
        for session in self._idle:
            if session.retiring:
                self._idle.remove(session)
                self._retire(session)
                return
        if self._retiring > self._replacements:
            self._replacements += 1

    def _hand(self, session: Session) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(session)
                return
        self._idle.append(session)

    def _grow(self) -> None:
        self._live += 1
        self._spawn(self._start_one(), self._tasks)

    async def _start_one(self) -> None:
        while not self._closed:
            try:
                session = await Session.start(
                    self.plan, kernel_name=self.kernel_name, cwd=self.cwd, env=self.env
                )
            except Exception as exc:
                self._failures += 1
                delay = min(30.0, 0.5 * 2**self._failures)
                log.error(
                    "a serving kernel did not start: %s; again in %g s", redact(str(exc)), delay
                )
                await asyncio.sleep(delay)
                continue
            self._failures = 0
            if self._closed:
                await session.close()
                return
            session.early = secrets.randbelow(self.max_requests // 10 + 1)
            self._hand(session)
            self._replaced()
            return
        self._live -= 1

    @staticmethod
    def _spawn(work: Any, tasks: set[asyncio.Task[None]]) -> None:
        task = asyncio.ensure_future(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def close(self) -> None:
        """Shut every session down; waiting requests get :class:`Busy`."""
        self._closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(Busy())
        idle, self._idle = self._idle, []
        await asyncio.gather(*(s.close() for s in idle), return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._stopping, return_exceptions=True)
