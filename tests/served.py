"""An ASGI app served by uvicorn on a free loopback port, in a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from workbench.serving import listen, uvicorn_config


@contextmanager
def serve_app(app: Any, *, startup_timeout: float = 60.0) -> Iterator[str]:
    """Run ``app`` (its lifespan included) on 127.0.0.1 and yield the base URL."""
    sock = listen("127.0.0.1", 0, "the test server")  # as Workbench's listeners bind theirs
    config = uvicorn_config(app, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()
