"""A Workbench HTTP action call vs a plain `httpx.Client` GET to the same loopback server.

The Workbench side is what a connector does: an `@action` on a `Connector` subclass that
sends through a client from `workbench.http.build_client` (retries, rate-limit slot, call
history) and returns the parsed JSON as a `Result`. The baseline sends the same GET with
a bare `httpx.Client` configured the same way (a `base_url` and a relative path, as the
connector does: httpx's URL join is not Workbench's overhead) and parses the same JSON.
Calls are interleaved (ABBA), so both see the same machine load. Goal: p50 ratio <= 1.10.

    python benchmarks/http_overhead.py
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from workbench.http import build_client
from workbench.sdk import Connector, action

ITERATIONS = 4000
WARMUP = 300
GOAL = 1.10
BODY = b'[{"id": 1, "name": "Ada", "city": "London"}, {"id": 2, "name": "Grace", "city": "NYC"}]'
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)


def serve() -> str:
    """A minimal keep-alive HTTP/1.1 responder on a loopback port (one thread per connection)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)

    def answer(conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        with conn:
            while data := conn.recv(65536):
                pending += data
                while b"\r\n\r\n" in pending:  # GETs only: no request bodies
                    _, pending = pending.split(b"\r\n\r\n", 1)
                    conn.sendall(RESPONSE)

    def accept() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


class Directory(Connector):
    """A connector as a real one is written: one client per connection, JSON in, Result out."""

    name = "directory"

    def __init__(self, base_url: str) -> None:
        super().__init__(connection="directory")
        self.http = build_client(base_url, connection=self.connection)

    @action
    def people(self) -> list[dict[str, Any]]:
        """Everyone in the directory."""
        response = self.http.get("/people")
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()
        return data


def main() -> int:
    url = serve()
    plain = httpx.Client(base_url=url)
    directory = Directory(url)

    def baseline() -> None:
        response = plain.get("/people")
        response.raise_for_status()
        response.json()

    def workbench() -> None:
        directory.people()

    timings: dict[Callable[[], None], list[float]] = {baseline: [], workbench: []}
    for i in range(WARMUP + ITERATIONS):
        order = (baseline, workbench) if i % 2 else (workbench, baseline)
        for run in order:
            started = time.perf_counter()
            run()
            if i >= WARMUP:
                timings[run].append(time.perf_counter() - started)
    plain.close()
    directory.http.close()

    base_p50 = statistics.median(timings[baseline]) * 1e6
    wb_p50 = statistics.median(timings[workbench]) * 1e6
    ratio = wb_p50 / base_p50
    print(f"iterations (interleaved):    {ITERATIONS}")
    print(f"plain httpx GET p50:         {base_p50:8.1f} us  (baseline)")
    print(f"workbench action call p50:   {wb_p50:8.1f} us")
    print(f"overhead p50:                {wb_p50 - base_p50:8.1f} us")
    print(f"ratio workbench / baseline:  {ratio:8.3f}x")
    ok = ratio <= GOAL
    print(f"goal (p50 ratio <= {GOAL:.2f}):    {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
