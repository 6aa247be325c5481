"""What every HTTP listener of Workbench shares (``wb serve``, webhook routes): the
listening socket, bound first so a taken port fails clearly, the uvicorn settings, and
the settling of a long-running listener's heap.

The socket is made from ``getaddrinfo`` (so asyncio sees a TCP socket and turns Nagle off:
an answer never waits for the client's delayed ACK). Uvicorn keeps no access log (the apps
log requests without their query strings) and does not trust proxy headers. Its HTTP
protocol is httptools' with the writes of one turn of the loop sent together
(:class:`OneWriteProtocol`): an answer's head and body leave in one segment, not two.

Example:
    >>> sock = listen("127.0.0.1", 0, "--host")
    >>> sock.getsockname()[1] > 0
    True
    >>> sock.close()
    >>> uvicorn_config(None).access_log
    False
"""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import Any, Literal, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from workbench.errors import ConfigError

SHUTDOWN = 5  # seconds a listener waits for requests under way when it stops
LARGE_WRITE = 64 * 1024  # bytes: a write this large is sent at once, not copied to join


def listen(host: str, port: int, where: str) -> socket.socket:
    """A socket listening on ``host``:``port`` (0: any free port), or a ConfigError that
    starts with ``where`` (an option, a connection)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"{where}: cannot resolve {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(socket.SOMAXCONN)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"{where}: cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


class _JoinedWrites:
    """A transport whose writes within one turn of the loop are sent as one (a large one
    at once, after what came before it); everything else is the wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if len(data) >= LARGE_WRITE:
            self._flush()
            self._transport.write(data)
            return
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def _flush(self) -> None:
        if self._pending:
            data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol sending the writes of one turn of the loop together:
    the head and body of an answer (two ASGI messages, two writes) go out in one send,
    which halves the system calls and segments of a small answer.

    Example:
        >>> uvicorn_config(None).http is OneWriteProtocol
        True
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        joined = _JoinedWrites(transport, asyncio.get_running_loop())
        super().connection_made(cast(asyncio.Transport, joined))


def uvicorn_config(
    app: Any, *, lifespan: Literal["on", "off"] = "off", one_write: bool = True
) -> Any:
    """The uvicorn settings of a Workbench listener serving ``app``; ``one_write`` False
    keeps uvicorn's own httptools protocol (two writes an answer)."""
    import uvicorn

    return uvicorn.Config(
        app,
        http=OneWriteProtocol if one_write else "httptools",
        access_log=False,
        log_level="warning",
        lifespan=lifespan,
        proxy_headers=False,  # the sender's address as connected; a proxy's headers are data
        timeout_graceful_shutdown=SHUTDOWN,
    )


def settle_heap() -> None:
    """Put what the process holds once it is set up (modules, classes, connectors) out of
    the garbage collector's reach (:func:`gc.freeze`), after collecting what is garbage
    already. A full collection then walks only what came since: a few milliseconds
    instead of tens, which otherwise stall every request under way and make most of a
    listener's p99. ``wb worker`` and ``wb serve`` call it once they are ready to serve.

    Example:
        >>> import gc
        >>> settle_heap()
        >>> gc.get_freeze_count() > 0
        True
        >>> gc.unfreeze()
    """
    gc.collect()
    gc.freeze()
