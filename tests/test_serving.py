"""The listening socket, uvicorn settings and heap settling every Workbench HTTP listener
shares."""

from __future__ import annotations

import gc
import socket
import weakref

import pytest

from workbench.errors import ConfigError
from workbench.serving import listen, settle_heap, uvicorn_config


def test_a_port_in_use_and_an_unknown_host_are_clear_errors() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"--port: cannot listen on 127.0.0.1:{port}: "):
            listen("127.0.0.1", port, "--port")
    with pytest.raises(ConfigError, match=r"--host: cannot resolve 'no-such-host\.invalid'"):
        listen("no-such-host.invalid", 0, "--host")


def test_the_socket_is_tcp_and_uvicorn_keeps_no_access_log() -> None:
    sock = listen("127.0.0.1", 0, "--host")
    try:
        assert sock.proto == socket.IPPROTO_TCP  # so asyncio turns Nagle off
    finally:
        sock.close()
    config = uvicorn_config(None, lifespan="on")
    assert (config.access_log, config.proxy_headers, config.lifespan) == (False, False, "on")


class _Node:
    """An object in a reference cycle: only the garbage collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_settling_the_heap_freezes_what_is_loaded_and_still_collects_what_comes() -> None:
    try:
        settle_heap()
        assert gc.get_freeze_count() > 1000  # the modules and classes of this process
        probe = weakref.ref(_Node())
        gc.collect()
        assert probe() is None  # made after settling: collected as ever
    finally:
        gc.unfreeze()
