"""HTTP under faults: an idempotent order service behind a fault-injecting proxy, on loopback.

:class:`Orders` is the service: ``PUT /orders/<id>`` and ``POST /orders`` each need an
``Idempotency-Key``; the first request with a key has the effect (counted in
:attr:`Orders.effects`), later ones with the same key get the stored answer again, as
the IETF Idempotency-Key draft describes.

:class:`FaultProxy` is an asyncio HTTP/1.1 proxy in front of it (keep-alive towards the
client, one upstream connection per request). For each request it picks a fault by a
seeded random choice over ``(seed, key, attempt)``, so a run is the same whatever the
order requests arrive in, or follows ``script`` (one fault per request, in order):

``pass``           forwarded, the answer relayed
``latency``        forwarded after a short delay
``stall``          forwarded after ``stall`` seconds (past the client's timeout)
``reset_before``   the connection reset before anything is forwarded (no effect)
``reset_after``    forwarded, then the connection reset instead of the answer
``retry_after``    answered ``503`` with ``Retry-After`` (nothing forwarded)
``truncated``      forwarded, the answer cut off halfway through its body

Every request's arrival is logged per key (:attr:`FaultProxy.arrivals`), with the moment
a ``503`` was sent and the wait it asked for.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit

from servers import JsonHandler, serve

FAULTS = ("pass", "latency", "stall", "reset_before", "reset_after", "retry_after", "truncated")


class Orders(JsonHandler):
    """The upstream service: one effect per Idempotency-Key, stored answers replayed."""

    effects: ClassVar[Counter[str]] = Counter()
    received: ClassVar[Counter[str]] = Counter()
    answers: ClassVar[dict[str, tuple[int, dict[str, object]]]] = {}
    lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        with cls.lock:
            cls.effects.clear()
            cls.received.clear()
            cls.answers.clear()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("Idempotency-Key")
        if not key:
            self.send_json(400, {"error": "an Idempotency-Key is required"})
            return
        with Orders.lock:
            Orders.received[key] += 1
            if key not in Orders.answers:
                Orders.effects[key] += 1
                order = json.loads(body or b"null")
                Orders.answers[key] = (201, {"key": key, "path": self.path, "order": order})
            status, answer = Orders.answers[key]
        self.send_json(status, answer)

    do_PUT = do_POST


@dataclass
class Arrival:
    """One request as the proxy received it."""

    at: float
    fault: str
    retry_after: float | None = None
    answered_at: float | None = None  # when the 503 was sent (just before it was written)


@dataclass(frozen=True)
class Mix:
    """How often each fault is picked (weights), and its timings in seconds."""

    weights: Mapping[str, float]
    latency: tuple[float, float] = (0.01, 0.4)
    stall: float = 2.5
    retry_after: int = 1


class FaultProxy:
    """The proxy; use :func:`run_proxy` to run one."""

    def __init__(
        self, upstream: str, mix: Mix, seed: int, script: Sequence[str] | None = None
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.mix, self.seed = mix, seed
        self.script = list(script) if script is not None else None
        self.arrivals: dict[str, list[Arrival]] = defaultdict(list)
        self.faults: Counter[str] = Counter()
        self.url = ""
        self._lock = threading.Lock()

    def choose(self, key: str) -> tuple[str, random.Random]:
        """The fault for the next request with ``key``, and the random source for its timings."""
        with self._lock:
            attempt = len(self.arrivals[key])
            rng = random.Random(f"{self.seed}/{key}/{attempt}")
            if self.script is not None:
                fault = self.script.pop(0) if self.script else "pass"
            else:
                names = list(self.mix.weights)
                fault = rng.choices(names, weights=[self.mix.weights[n] for n in names])[0]
            self.faults[fault] += 1
        return fault, rng

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            with suppress(ConnectionError, OSError):
                writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection is over."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length") or 0))
        key = headers.get("idempotency-key", "")
        arrival = Arrival(time.monotonic(), "")
        fault, rng = self.choose(key)
        arrival.fault = fault
        with self._lock:
            self.arrivals[key].append(arrival)
        if fault == "reset_before":
            _reset(writer)
            return False
        if fault == "retry_after":
            arrival.retry_after = float(self.mix.retry_after)
            payload = b'{"error": "busy"}'
            arrival.answered_at = time.monotonic()  # before the write: the earliest it is seen
            writer.write(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                + f"Retry-After: {self.mix.retry_after}\r\n".encode()
                + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
            return True
        if fault == "latency":
            await asyncio.sleep(rng.uniform(*self.mix.latency))
        elif fault == "stall":
            await asyncio.sleep(self.mix.stall)
        status_line, answer_headers, answer = await self._forward(lines[0], headers, body)
        if fault == "reset_after":
            _reset(writer)
            return False
        out = [status_line.replace("HTTP/1.0", "HTTP/1.1", 1)]
        out += [f"{n}: {v}" for n, v in answer_headers if n.lower() not in _HOP_BY_HOP]
        out.append(f"Content-Length: {len(answer)}")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
        if fault == "truncated":
            writer.write(answer[: len(answer) // 2])
            await writer.drain()
            writer.close()
            return False
        writer.write(answer)
        await writer.drain()
        return True

    async def _forward(
        self, request_line: str, headers: dict[str, str], body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        """Send the request upstream on a connection of its own; its status line, headers
        and body."""
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        try:
            sent = {**headers, "connection": "close", "content-length": str(len(body))}
            head = request_line + "\r\n" + "".join(f"{n}: {v}\r\n" for n, v in sent.items())
            up_writer.write(head.encode("latin-1") + b"\r\n" + body)
            await up_writer.drain()
            raw = await up_reader.read()
        finally:
            up_writer.close()
        top, _, answer = raw.partition(b"\r\n\r\n")
        first, *rest = top.decode("latin-1").split("\r\n")
        pairs = [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in rest)]
        return first, pairs, answer


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close the connection with a TCP reset (RST), not an orderly close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextmanager
def run_proxy(
    upstream: str, mix: Mix, *, seed: int = 0, script: Sequence[str] | None = None
) -> Iterator[FaultProxy]:
    """Run a :class:`FaultProxy` to ``upstream`` on 127.0.0.1 in a thread of its own."""
    proxy = FaultProxy(upstream, mix, seed, script)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fault-proxy", daemon=True)
    thread.start()

    async def start() -> asyncio.Server:
        return await asyncio.start_server(proxy.handle, "127.0.0.1", 0, backlog=512)

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    proxy.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield proxy
    finally:

        async def stop() -> None:
            server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # many clients connect at once: no refused connections
    daemon_threads = True


def serve_orders() -> AbstractContextManager[str]:
    """Serve :class:`Orders` on 127.0.0.1 (a free port); yield its base URL."""
    return serve(Orders, _Server)


@contextmanager
def orders_behind_proxy(
    mix: Mix, *, seed: int = 0, script: Sequence[str] | None = None
) -> Iterator[FaultProxy]:
    """The :class:`Orders` service (its counts reset) behind a :class:`FaultProxy`."""
    Orders.reset()
    with serve_orders() as upstream, run_proxy(upstream, mix, seed=seed, script=script) as proxy:
        yield proxy
