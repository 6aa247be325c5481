"""What every HTTP listener of Workbench shares (``wb serve``, webhook routes): the
listening socket, bound first so a taken port fails clearly, the uvicorn settings, and
the settling of a long-running listener's heap.

The socket is made from ``getaddrinfo`` (so asyncio sees a TCP socket and turns Nagle off:
an answer never waits for the client's delayed ACK). Uvicorn keeps no access log (the apps
log requests without their query strings) and does not trust proxy headers. Its HTTP
protocol is httptools' with the writes of one turn of the loop sent together
(:class:`~workbench.joined_writes.OneWriteProtocol`): an answer's head and body leave in
one segment, not two.

Example:
    >>> sock = listen("127.0.0.1", 0, "--host")
    >>> sock.getsockname()[1] > 0
    True
    >>> sock.close()
    >>> uvicorn_config(None).access_log
    False
"""

from __future__ import annotations

import gc
import socket
from typing import Any, Literal

from workbench.errors import ConfigError

SHUTDOWN = 5  # seconds a listener waits for requests under way when it stops


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


def uvicorn_config(
    app: Any, *, lifespan: Literal["on", "off"] = "off", one_write: bool = True
) -> Any:
    """The uvicorn settings of a Workbench listener serving ``app``; ``one_write`` False
    keeps uvicorn's own httptools protocol (two writes an answer)."""
    import uvicorn

    from workbench.joined_writes import OneWriteProtocol

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
