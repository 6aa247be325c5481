"""A notebook as an HTTP endpoint: the starlette app behind ``wb serve``.

Each request to the route is a run of the notebook, recorded in the run store under the
route's name (``wb runs --job orders``). The query string and a JSON object body are the
parameters, checked against the notebook's ``parameters`` cell as ``wb run`` checks them
(query values are text, converted to the declared type; JSON values keep their type). The
notebook answers with ``wb.respond(value, status=200, headers=None)``; the last response it
published is the answer, with registered secrets masked.

A bad parameter answers 400 naming it (or the rule it breaks), a missing or wrong bearer
token 401 (compared in constant time), a failing cell 500 with its error class and
redacted message (never a traceback), a notebook that never responds 500, a run past its
timeout 504, every kernel busy and the queue full 429, a kernel that died 503; the body is
JSON ``{"error", "message", ...}`` (docs/serve.md has the details).

By default requests run on warm sessions (:mod:`workbench.jobs.serve.warm`): kernels that
ran the notebook's ``setup`` cells once and then run the request part for each request, in
a namespace that starts clean every time. With ``isolate`` each request runs the whole
notebook on a kernel of its own: a warm one from a :class:`KernelPool` whose kernels have
already imported what the notebook imports (:mod:`workbench.jobs.run.preload`), or, when
more requests arrive at once than the pool holds, one started for it.
``GET /openapi.json`` describes the endpoint (:mod:`workbench.jobs.serve.spec`) and
``GET /healthz`` answers while the server is up. Access log lines carry no query string.

:func:`create_app` builds the app; :func:`workbench.jobs.serve.http_server.serve` runs it.

Example:
    >>> import nbformat, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hello.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(), path)
    >>> app = create_app(path, token=None)  # the kernels start with the app's lifespan
    >>> [route.path for route in app.routes]
    ['/hello', '/openapi.json', '/healthz']
"""

from __future__ import annotations

import contextlib
import hmac
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.errors import (
    ConfigError,
    JobError,
    JobFailedError,
    ParameterError,
    WorkbenchError,
)
from workbench.jobs.run.kernels import DEFAULT_KERNEL, KernelPool
from workbench.jobs.run.papermill_engine import close_thread_loop
from workbench.jobs.run.parameters import CommandLineText, check_parameters, declared_parameters
from workbench.jobs.run.preload import preload_env
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.store import RunStore, default_store
from workbench.jobs.serve.http_server import check_route, check_token, default_route
from workbench.jobs.serve.respond import find_response
from workbench.jobs.serve.spec import openapi_document
from workbench.jobs.serve.warm import BUSY, NO_KERNEL, WarmRunner
from workbench.redaction import get_logger, redact

log = get_logger("workbench.serve")

MAX_BODY = 1024 * 1024  # bytes of JSON body accepted
STARTUP_WAIT = 120.0  # seconds the server waits at start for its warm kernels
RUN_HEADER = "X-Workbench-Run"


class _Notebook:
    """The served notebook, read again whenever the file changes."""

    def __init__(self, path: Path, label: str) -> None:
        self.path, self.label = path, label
        self._stamp: tuple[int, int] | None = None
        self._nb: Any = None

    @property
    def nb(self) -> Any:
        import nbformat

        try:
            stat = self.path.stat()
        except OSError:
            raise JobError(f"{self.label}: no such notebook") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                self._nb = nbformat.read(self.path, as_version=4)  # type: ignore[no-untyped-call]
            except Exception as exc:
                reason = redact(str(exc))
                raise JobError(f"{self.label}: not a readable notebook: {reason}") from None
            self._stamp = stamp
        return self._nb

    @property
    def kernel_name(self) -> str:
        name = self.nb.metadata.get("kernelspec", {}).get("name") or DEFAULT_KERNEL
        return str(name)


class NotebookEndpoint:
    """The served notebook's request handling, its kernel pool and its run store."""

    def __init__(
        self,
        notebook: str | Path,
        *,
        token: str | None,
        route: str | None = None,
        pool_size: int = 2,
        timeout: float | None = 60.0,
        store: RunStore | None = None,
        preload: bool = True,
        isolate: bool = False,
        max_requests: int = 1000,
        queue: int | None = None,
    ) -> None:
        self.notebook = _Notebook(Path(notebook).expanduser().resolve(), str(notebook))
        self.notebook.nb  # noqa: B018 - read now: a missing or broken notebook fails at start
        self.label = self.notebook.path.name
        _check_kernel(self.notebook.kernel_name, self.label)
        self.route = check_route(route) if route is not None else default_route(notebook)
        self.job = self.route.strip("/") or self.notebook.path.stem
        self.token = check_token(token) if token is not None else None
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 1:
            raise ConfigError(f"--pool: expected a whole number >= 1, got {pool_size!r}")
        if timeout is not None and (
            not isinstance(timeout, int | float) or isinstance(timeout, bool) or not timeout > 0
        ):
            raise ConfigError(f"--timeout: expected a number of seconds above 0, got {timeout!r}")
        self.pool_size = pool_size
        self.timeout = timeout
        self.store = store
        self.preload = preload
        self.pool: KernelPool | None = None
        self.isolate = isolate
        self.max_requests = max_requests
        self.queue = queue
        self.warm: WarmRunner | None = None
        self._limiter = anyio.CapacityLimiter(max(4, 2 * pool_size))
        self._folder: Path | None = None

    # ------------------------------------------------------------------ life cycle

    async def open(self) -> None:
        """Start serving: the run store, the kernels (warm sessions, or a pool of fresh
        kernels with ``isolate``), waiting for them up to :data:`STARTUP_WAIT` seconds."""
        await anyio.to_thread.run_sync(self.start)
        if self.warm is not None and not await self.warm.start(STARTUP_WAIT):
            log.warning(
                "%s: the warm sessions are not ready after %.0f s; requests wait for them",
                self.label,
                STARTUP_WAIT,
            )

    async def shut(self) -> None:
        """Stop serving: the sessions or kernels, the startup file."""
        if self.warm is not None:
            await self.warm.close()
        await anyio.to_thread.run_sync(self.stop)

    def start(self) -> None:
        """Open the run store, load what a run needs and start the warm kernels."""
        from workbench.jobs.run import papermill_engine, runner  # noqa: F401 - loaded here, not in a request
        from workbench.jobs.run.secrets import register_run_secrets

        folder = self.notebook.path.parent
        register_run_secrets(folder)
        self.store = self.store or default_store()
        env = None
        if self.preload:
            self._folder = Path(tempfile.mkdtemp(prefix="wb-serve-"))
            env = preload_env(self.notebook.nb, self._folder)
        if not self.isolate:
            self.warm = WarmRunner(
                self.notebook.path,
                job=self.job,
                size=self.pool_size,
                timeout=self.timeout,
                store=self.store,
                env=env,
                max_requests=self.max_requests,
                queue=self.queue,
            )
            return
        self.pool = KernelPool(self.pool_size, self.notebook.kernel_name, cwd=folder, env=env)
        if not self.pool.wait_full(STARTUP_WAIT):
            log.warning(
                "%s: the warm kernels are not ready after %.0f s; requests start their own",
                self.label,
                STARTUP_WAIT,
            )

    def stop(self) -> None:
        """Shut the kernels down and remove the startup file."""
        if self.pool is not None:
            self.pool.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    # ------------------------------------------------------------------ requests

    async def call(self, request: Request) -> Response:
        """Run the notebook for one request and answer with its response."""
        started = time.perf_counter()
        run_id = ""
        try:
            self._authorize(request)
            values = self._parameters(request, await _read_body(request))
            if self.warm is not None:
                run, payload = await self.warm.run(values)
            else:
                run, payload = await anyio.to_thread.run_sync(
                    self._run, values, limiter=self._limiter
                )
            run_id = run.id
            response = self._answer(run, payload)
        except _Refusal as refusal:
            response = refusal.response()
        except ParameterError as exc:
            response = _error(400, exc)
        except WorkbenchError as exc:
            response = _error(500, exc)
        except Exception as exc:  # a fault of the server itself: no details to the client
            log.error("%s %s failed: %s: %s", request.method, self.route, type(exc).__name__, exc)
            response = _error(500, JobError("the server failed to run the notebook"))
        if run_id:
            response.headers[RUN_HEADER] = run_id
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            "%s %s %d %.0f ms%s",
            request.method,
            self.route,
            response.status_code,
            elapsed,
            f" run {run_id}" if run_id else "",
        )
        return response

    def _authorize(self, request: Request) -> None:
        if self.token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = self.token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            message = "a bearer token is required" if not given else "the bearer token is wrong"
            raise _Refusal(401, "Unauthorized", message, {"WWW-Authenticate": "Bearer"})

    def _parameters(self, request: Request, body: bytes) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, text in request.query_params.multi_items():
            if name in values:
                message = f"parameter {name!r} is given more than once"
                raise _Refusal(400, "ParameterError", message, parameter=name)
            values[name] = CommandLineText(text)
        if body.strip():
            data = _json_object(body)
            for name, value in data.items():
                if name in values:
                    raise _Refusal(
                        400,
                        "ParameterError",
                        f"parameter {name!r} is given both in the query and in the body",
                        parameter=name,
                    )
                values[name] = value
        declared = declared_parameters(self.notebook.nb, notebook=self.label)
        for name, value in values.items():
            try:
                check_parameters({name: value}, declared, notebook=self.label)
            except ParameterError as exc:
                raise _Refusal(400, "ParameterError", str(exc), parameter=name) from None
        return values

    def _run(self, values: dict[str, Any]) -> tuple[Run, dict[str, Any] | None]:
        """Run the notebook (in a worker thread); the run and the response it published."""
        from workbench.jobs.run.runner import run_notebook

        try:
            run = run_notebook(
                self.notebook.path,
                values,
                job=self.job,
                timeout=self.timeout,
                store=self.store,
                pool=self.pool,
            )
            if run.status is not Status.SUCCEEDED:
                return run, None
            payload = find_response(_read_json(run.output))
            if payload is None:  # the request failed, and its record says so
                run.finish(
                    Status.FAILED,
                    exit_code=JobFailedError.exit_code,
                    error_class="NoResponse",
                    error_message=f"{self.label} ran to the end without calling wb.respond(...)",
                )
                if self.store is not None:
                    self.store.save(run)
            return run, payload
        finally:
            close_thread_loop()  # a request's thread must not keep the kernel client's loop

    def _answer(self, run: Run, payload: dict[str, Any] | None) -> Response:
        if run.status is Status.SUCCEEDED and payload is not None:
            return JSONResponse(payload["body"], payload["status"], payload["headers"])
        headers: dict[str, str] = {}
        status = 504 if run.status is Status.TIMED_OUT else 500
        if run.error_class == BUSY:
            status, headers = 429, {"Retry-After": "1"}
        elif run.error_class == NO_KERNEL or run.status is Status.KILLED:
            status, headers = 503, {"Retry-After": "1"}
        details: dict[str, Any] = {"run": run.id}
        if run.failed_cell is not None:
            details["cell"] = run.failed_cell
        message = run.error_message or f"the run ended {run.status.value}"
        return _refused(status, run.error_class or "JobError", message, headers, **details)

    # ------------------------------------------------------------------ other routes

    async def openapi(self, request: Request) -> Response:
        """``GET /openapi.json``: the endpoint described in OpenAPI 3.1."""
        try:
            document = openapi_document(
                self.notebook.nb, route=self.route, auth=self.token is not None, notebook=self.label
            )
        except WorkbenchError as exc:
            return _error(500, exc)
        return JSONResponse(document)

    async def healthz(self, request: Request) -> Response:
        """``GET /healthz``: up, with the number of warm kernels ready."""
        pool = self.warm.pool if self.warm is not None else self.pool
        ready = pool.ready if pool is not None else 0
        return JSONResponse(
            {"status": "ok", "notebook": self.label, "route": self.route, "kernels_ready": ready}
        )


def _check_kernel(name: str, label: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise JobError(
            f"{label}: no Jupyter kernel named {name!r} is installed (see: jupyter kernelspec list)"
        ) from None


class _Refusal(Exception):
    """A request answered with an error before (or instead of) a run."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.headers, self.details = dict(headers or {}), details

    def response(self) -> Response:
        return _refused(self.status, self.error, self.message, self.headers, **self.details)


def _refused(
    status: int,
    error: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    **details: Any,
) -> JSONResponse:
    body = {"error": redact(error), "message": redact(message), **details}
    return JSONResponse(body, status, dict(headers or {}))


def _error(status: int, exc: WorkbenchError) -> JSONResponse:
    return _refused(status, type(exc).__name__, str(exc))


async def _read_body(request: Request) -> bytes:
    too_big = _Refusal(413, "RequestTooLarge", f"the request body is over {MAX_BODY} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_big
    return bytes(body)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        message = f"the request body is not valid JSON: {exc}"
        raise _Refusal(400, "ParameterError", message) from None
    if not isinstance(data, dict):
        raise _Refusal(
            400,
            "ParameterError",
            f"the request body must be a JSON object of parameters, got {type(data).__name__}",
        )
    return data


def _read_json(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    with open(path, encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


def create_app(
    notebook: str | Path,
    *,
    token: str | None,
    route: str | None = None,
    pool_size: int = 2,
    timeout: float | None = 60.0,
    store: RunStore | None = None,
    preload: bool = True,
    isolate: bool = False,
    max_requests: int = 1000,
    queue: int | None = None,
) -> Starlette:
    """The starlette app serving ``notebook`` at ``route``; ``token=None`` means no auth.

    The kernel pool starts with the app (its lifespan) and stops with it.
    """
    endpoint = NotebookEndpoint(
        notebook,
        token=token,
        route=route,
        pool_size=pool_size,
        timeout=timeout,
        store=store,
        preload=preload,
        isolate=isolate,
        max_requests=max_requests,
        queue=queue,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await endpoint.open()
        try:
            yield
        finally:
            await endpoint.shut()

    routes = [
        Route(endpoint.route, endpoint.call, methods=["GET", "POST"]),
        Route("/openapi.json", endpoint.openapi, methods=["GET"]),
        Route("/healthz", endpoint.healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.endpoint = endpoint
    return app
