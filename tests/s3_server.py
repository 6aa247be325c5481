"""moto's server for the tests (S3, Lambda, IAM, ...): a real subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto(log: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``python -m moto.server`` on a free port; return it once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text(errors='replace')}")
        try:
            httpx.get(f"{url}/moto-api/", timeout=1, trust_env=False)
            return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    stop(server)
    raise RuntimeError("moto_server did not answer within 30 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def moto(log: Path, *, config: Mapping[str, Any] | None = None) -> Iterator[str]:
    """moto's server while in the block; its URL.

    ``config`` is posted to ``/moto-api/config`` first, e.g. ``{"lambda": {"use_docker":
    False}}`` for Lambda functions that answer without Docker.
    """
    server, url = start_moto(log)
    try:
        if config is not None:
            httpx.post(
                f"{url}/moto-api/config", json=dict(config), trust_env=False
            ).raise_for_status()
        yield url
    finally:
        stop(server)
