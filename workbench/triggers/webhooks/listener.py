"""The HTTP listeners: one uvicorn server per host:port, shared by the routes on it.

A route joins the listener of its connection's host and port, starting it on first use
(starlette + uvicorn on a background thread, its socket bound first so a taken port fails
at once with a clear error). Several webhook connections on the same host:port share one
server, one route each. A route keeps its :class:`~.endpoint.Endpoint` (and so its replay
guard) while the server runs; between readers it answers 503, unknown paths 404 and other
methods than POST 405, in short JSON. When the last reader leaves, the server lingers a
moment for a reader that reopens (a worker restarting its source) and then stops.

Uvicorn writes no access log (a line per request would carry query strings); refusals are
logged by the endpoint at INFO, without the query string.

Example:
    >>> from workbench.triggers.webhooks.schemes import build_scheme
    >>> scheme = build_scheme("bearer", ["a-token-of-sixteen+"])
    >>> with open_route("hooks", "/in", scheme, host="127.0.0.1", port=0) as handoff:
    ...     receiving("127.0.0.1", 0, "/in"), address("127.0.0.1", 0)[1] > 0
    (True, True)
    >>> receiving("127.0.0.1", 0, "/in")
    False
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match

from workbench.errors import ConfigError
from workbench.sdk.trigger import Sink
from workbench.serving import SHUTDOWN, listen, uvicorn_config
from workbench.triggers.webhooks.endpoint import (
    MAX_BODY,
    Endpoint,
    Receive,
    Scope,
    Send,
    answer,
)
from workbench.triggers.webhooks.handoff import Handoff
from workbench.triggers.webhooks.scheme import Scheme

LINGER = 2.0  # seconds a listener stays up after its last reader left
STARTUP = 10.0  # seconds to wait for a server to answer

_lock = threading.Lock()
_listeners: dict[tuple[str, int], Listener] = {}


class WebhookRoutes(BaseRoute):
    """The routes of one listener, looked up by path; POST only."""

    def __init__(self, table: Mapping[str, Endpoint]) -> None:
        self.table = table

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and _route_path(scope) in self.table:
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        from starlette.routing import NoMatchFound

        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.table.get(_route_path(scope))
        if endpoint is None:
            raise HTTPException(404)
        if scope["method"] != "POST":
            body = {"error": "MethodNotAllowed", "message": "webhooks are delivered with POST"}
            await answer(send, 405, body, {"Allow": "POST"})
            return
        await endpoint(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    if path.endswith("/"):
        return path.rstrip("/") or "/"
    return path


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return JSONResponse({"error": "NotFound", "message": "no webhook route at this path"}, 404)
    return JSONResponse({"error": "HTTPError", "message": f"HTTP {status}"}, status)


def create_app(table: Mapping[str, Endpoint]) -> Starlette:
    """The starlette app answering the routes of ``table`` (read at each request).

    Example:
        >>> [type(route).__name__ for route in create_app({}).routes]
        ['WebhookRoutes']
    """
    app = Starlette(routes=[WebhookRoutes(table)], exception_handlers={HTTPException: _http_error})
    app.router.redirect_slashes = False
    return app


class WebhookApp:
    """A listener's ASGI app: a POST to a route goes straight to its endpoint (which answers
    every outcome itself); anything else goes through the starlette app (404, 405).

    Example:
        >>> type(WebhookApp({}).fallback).__name__
        'Starlette'
    """

    def __init__(self, table: Mapping[str, Endpoint]) -> None:
        self.table = table
        self.fallback = create_app(table)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            endpoint = self.table.get(_route_path(scope))
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await self.fallback(scope, receive, send)


class Listener:
    """One uvicorn server on ``host``:``port`` in a background thread, and its routes."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.routes: dict[str, Endpoint] = {}
        self.readers = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.bound_port = port
        self._socket: socket.socket | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._idle: threading.Timer | None = None

    def start(self, where: str) -> None:
        """Bind the socket and run the server until it answers; ``where`` names the caller."""
        import uvicorn

        sock = listen(self.host, self.port, where)
        self.bound_port = sock.getsockname()[1]
        listener = self

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                listener.loop = asyncio.get_running_loop()
                await super().startup(sockets)

        server = Server(uvicorn_config(WebhookApp(self.routes)))
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"webhooks {self.host}:{self.bound_port}",
            daemon=True,
        )
        self._socket, self._server, self._thread = sock, server, thread
        thread.start()
        deadline = time.monotonic() + STARTUP
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ConfigError(f"{where}: the server on {self.host}:{self.port} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop the server (open requests get :data:`SHUTDOWN` seconds) and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(SHUTDOWN + 5)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None


def address(host: str, port: int) -> tuple[str, int]:
    """Where the routes of ``host``:``port`` are answered: the port bound, once running."""
    with _lock:
        listener = _listeners.get((host, port))
        return host, listener.bound_port if listener is not None else port


def receiving(host: str, port: int, path: str) -> bool:
    """Whether a reader in this process takes the deliveries of ``path`` on ``host``:``port``."""
    with _lock:
        listener = _listeners.get((host, port))
        endpoint = listener.routes.get(path) if listener is not None else None
        return endpoint is not None and endpoint.reader is not None and endpoint.reader.open


@contextmanager
def open_route(
    connection: str,
    path: str,
    scheme: Scheme,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    max_body: int = MAX_BODY,
    trigger: str = "received",
    sink: Sink | None = None,
) -> Iterator[Handoff]:
    """Take the deliveries of ``path`` on ``host``:``port`` until the block ends.

    Starts (or joins) the listener; the route's requests are handed to the yielded
    :class:`Handoff`, as events of the source ``connection.trigger`` (stored on the server's
    loop through ``sink`` when one is given). Another reader on
    the same route is refused with :class:`~workbench.errors.ConfigError`; requests still
    waiting at the end get 503.
    """
    where = f"connection {connection!r}"
    key = (host, port)
    with _lock:
        listener = _listeners.get(key)
        if listener is None:
            listener = Listener(host, port)
            listener.start(where)
            _listeners[key] = listener
        if listener._idle is not None:
            listener._idle.cancel()
            listener._idle = None
        endpoint = _endpoint(listener, connection, path, scheme, max_body, trigger)
        assert listener.loop is not None  # set before the server started
        handoff = Handoff(listener.loop, sink)
        endpoint.reader = handoff
        listener.readers += 1
    try:
        yield handoff
    finally:
        with _lock:
            if endpoint.reader is handoff:
                endpoint.reader = None
            handoff.close()
            listener.readers -= 1
            if listener.readers == 0:
                listener._idle = threading.Timer(LINGER, _stop_if_idle, (key, listener))
                listener._idle.daemon = True
                listener._idle.start()


def _endpoint(
    listener: Listener, connection: str, path: str, scheme: Scheme, max_body: int, trigger: str
) -> Endpoint:
    """The route's endpoint: the one already there when the same connection reopens it."""
    found = listener.routes.get(path)
    if found is not None and found.reader is not None and found.reader.open:
        raise ConfigError(
            f"connection {connection!r}: {path} on {listener.host}:{listener.port} is already "
            f"being received by connection {found.connection!r}"
        )
    same = (
        found is not None
        and found.connection == connection
        and type(found.scheme) is type(scheme)
        and found.scheme.keys == scheme.keys
        and found.max_body == max_body
        and found.source == f"{connection}.{trigger}"
    )
    if found is not None and same:
        return found
    endpoint = Endpoint(connection, path, scheme, max_body=max_body, trigger=trigger)
    listener.routes[path] = endpoint
    return endpoint


def _stop_if_idle(key: tuple[str, int], listener: Listener) -> None:
    with _lock:
        if listener.readers == 0 and _listeners.get(key) is listener:
            del _listeners[key]
            listener.stop()
