"""Uvicorn's httptools protocol with the writes of one turn of the loop sent together, the
HTTP protocol of every Workbench listener (:func:`workbench.serving.uvicorn_config`).

An ASGI answer is two messages (its head, its body), which uvicorn writes to the socket
apart: two system calls and, with Nagle off, two segments for the smallest answer. Here
they leave in one send. Kept apart from :mod:`workbench.serving` so that importing a
connector with a listener does not import uvicorn.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

LARGE_WRITE = 64 * 1024  # bytes: a write this large is sent at once, not copied to join


class JoinedWrites:
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
        >>> from workbench.serving import uvicorn_config
        >>> uvicorn_config(None).http is OneWriteProtocol
        True
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        joined = JoinedWrites(transport, asyncio.get_running_loop())
        super().connection_made(cast(asyncio.Transport, joined))
