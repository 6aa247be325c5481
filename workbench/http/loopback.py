"""A loopback redirect listener: the one answer of a browser sign-in, on 127.0.0.1.

:class:`Loopback` serves ``GET /callback`` (starlette + uvicorn on a background thread,
its socket bound first so a taken port fails at once). The first request to it is handed
to ``handle`` (run off the event loop); its result, or the :class:`WorkbenchError` it
raised, is what :meth:`Loopback.wait` returns or raises, and the browser gets a short page
saying which. Later requests are told the sign-in is over; other paths get 404. Uvicorn
keeps no access log (the query holds the code).
"""

from __future__ import annotations

import html
import queue
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

from workbench.errors import ConfigError, ConnectionFailedError, WorkbenchError
from workbench.redaction import redact
from workbench.serving import listen, uvicorn_config

T = TypeVar("T")
HOST = "127.0.0.1"
PATH = "/callback"
STARTUP = 10.0  # seconds to wait for the listener to answer
PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
    "<body style='font-family: sans-serif; margin: 3em'><h1>{title}</h1><p>{text}</p>"
    "</body></html>"
)


class Loopback(Generic[T]):
    """Listens on 127.0.0.1:``port`` (0: a free port) for one redirect to ``/callback``.

    Example:
        >>> import httpx
        >>> with Loopback(lambda answer: answer["code"].upper()) as listener:
        ...     page = httpx.get(listener.redirect_uri, params={"code": "abc"})
        ...     listener.wait(5), page.status_code, "you can close this tab" in page.text
        ('ABC', 200, True)
    """

    def __init__(self, handle: Callable[[Mapping[str, str]], T], *, port: int = 0) -> None:
        self.handle = handle
        self.port = port
        self._outcome: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
        self._taken = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: Any = None

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:PORT/callback``, with the port bound."""
        return f"http://{HOST}:{self.port}{PATH}"

    def __enter__(self) -> Loopback[T]:
        import uvicorn

        sock = listen(HOST, self.port, "--port")
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn_config(self._app()))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="sign-in listener", daemon=True
        )
        self._socket, self._server, self._thread = sock, server, thread
        thread.start()
        deadline = time.monotonic() + STARTUP
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self._stop()
                raise ConfigError(
                    f"--port: the sign-in listener on {HOST}:{self.port} did not start"
                )
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop()

    def wait(self, timeout: float) -> T:
        """The result of the redirect, once it came; raises what handling it raised."""
        try:
            ok, value = self._outcome.get(timeout=timeout)
        except queue.Empty:
            raise ConnectionFailedError(
                f"no sign-in answer came to {self.redirect_uri} within {timeout:g} s; "
                "run the command again (and finish signing in within --timeout seconds)"
            ) from None
        if not ok:
            raise value
        result: T = value
        return result

    def _stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def _app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request
        from starlette.responses import HTMLResponse, Response
        from starlette.routing import Route

        async def callback(request: Request) -> Response:
            if not self._taken.acquire(blocking=False):
                return _page(410, "Sign-in already finished", "Return to the terminal.")
            answer = dict(request.query_params)
            try:
                result = await run_in_threadpool(self.handle, answer)
            except WorkbenchError as err:
                self._outcome.put((False, err))
                return _page(400, "Sign-in failed", f"{err} Return to the terminal.")
            except Exception as exc:  # a bug while handling: still the terminal's to report
                failed = ConnectionFailedError(redact(f"sign-in failed: {type(exc).__name__}"))
                self._outcome.put((False, failed))
                return _page(500, "Sign-in failed", "Return to the terminal.")
            self._outcome.put((True, result))
            return _page(200, "Signed in", "You are signed in; you can close this tab.")

        def _page(status: int, title: str, text: str) -> HTMLResponse:
            body = PAGE.format(title=html.escape(title), text=html.escape(redact(text)))
            headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
            return HTMLResponse(body, status_code=status, headers=headers)

        return Starlette(routes=[Route(PATH, callback, methods=["GET"])])
