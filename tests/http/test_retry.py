"""Retries against a local server, with a fake clock and sleep: nothing waits for real."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from servers import serve

from workbench.http.retry import AsyncRetryTransport, RetryPolicy, RetryTransport


class Script:
    """How many failures each path still has to serve, and every request seen."""

    hits: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()


class Flaky(BaseHTTPRequestHandler):
    """``/fail/<status>?times=N``: N answers with that status (per test key), then 200.

    Extra query fields: ``after`` sends a Retry-After of that many seconds, ``date``
    a Retry-After that many seconds after the Date header.
    """

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.answer()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        key = f"{self.command} {self.path}"
        with Script.lock:
            Script.hits[key] += 1
            failing = Script.hits[key] <= int(query.get("times", "0"))
        status = int(url.path.rsplit("/", 1)[-1]) if failing else 200
        body = json.dumps({"attempt": Script.hits[key]}).encode()
        now = time.time()
        self.send_response_only(status)
        self.send_header("Date", formatdate(now, usegmt=True))
        if failing and "after" in query:
            self.send_header("Retry-After", query["after"])
        if failing and "date" in query:  # an HTTP date, so many seconds after Date
            self.send_header("Retry-After", formatdate(now + float(query["date"]), usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Flaky) as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_script() -> None:
    Script.hits.clear()


def client(clock: Any, policy: RetryPolicy | None = None, jitter: float = 1.0) -> httpx.Client:
    transport = RetryTransport(
        httpx.HTTPTransport(),
        policy or RetryPolicy(),
        sleep=clock.sleep,
        clock=clock,
        random=lambda: jitter,
    )
    return httpx.Client(transport=transport)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses_are_retried_with_exponential_backoff(
    server: str, clock: Any, status: int
) -> None:
    with client(clock, jitter=0.5) as http:
        response = http.get(f"{server}/fail/{status}?times=3")
    assert (response.status_code, response.json()) == (200, {"attempt": 4})
    assert clock.sleeps == [0.25, 0.5, 1.0]  # full jitter: a fraction (here 0.5) of 0.5 * 2**n
    assert response.request.extensions["workbench.retries"] == 3


def test_attempts_are_limited_and_the_last_answer_returned(server: str, clock: Any) -> None:
    with client(clock, RetryPolicy(max_attempts=3, backoff=1, max_backoff=1.5)) as http:
        response = http.get(f"{server}/fail/503?times=10")
    assert (response.status_code, response.json()) == (503, {"attempt": 3})
    assert clock.sleeps == [1.0, 1.5]  # capped at max_backoff


def test_other_statuses_are_not_retried(server: str, clock: Any) -> None:
    with client(clock) as http:
        assert http.get(f"{server}/fail/500?times=1").status_code == 500
        assert http.get(f"{server}/fail/404?times=1").status_code == 404
    assert clock.sleeps == []


def test_retry_after_in_seconds_is_honoured_and_never_cut_short(server: str, clock: Any) -> None:
    with client(clock, RetryPolicy(max_retry_after=10)) as http:
        assert http.get(f"{server}/fail/429?times=1&after=7").status_code == 200
        assert http.get(f"{server}/fail/503?times=1&after=3600").status_code == 503
    assert clock.sleeps == [7.0]  # asked to wait past max_retry_after: the answer is returned


def test_retry_after_as_an_http_date(server: str, clock: Any) -> None:
    with client(clock) as http:
        assert http.get(f"{server}/fail/503?times=1&date=5").status_code == 200
    assert clock.sleeps == [5.0]


def test_the_time_budget_stops_retrying(server: str, clock: Any) -> None:
    with client(clock, RetryPolicy(max_attempts=10, budget=20)) as http:
        response = http.get(f"{server}/fail/429?times=10&after=8")
    assert response.status_code == 429
    assert clock.sleeps == [8.0, 8.0]  # a third wait would end after 24 s, past the budget


def test_post_is_not_retried_without_an_idempotency_key(server: str, clock: Any) -> None:
    with client(clock) as http:
        assert http.post(f"{server}/fail/503?times=1", json={"n": 1}).status_code == 503
        keyed = http.post(
            f"{server}/fail/503?times=2", json={"n": 1}, headers={"Idempotency-Key": "k-1"}
        )
        assert http.patch(f"{server}/fail/502?times=1", json={}).status_code == 502
        assert http.put(f"{server}/fail/502?times=1", json={}).status_code == 200
        assert http.delete(f"{server}/fail/504?times=1").status_code == 200
    assert (keyed.status_code, keyed.json()) == (200, {"attempt": 3})
    assert len(clock.sleeps) == 4


def test_a_streamed_body_is_not_sent_twice(server: str, clock: Any) -> None:
    def body() -> Iterator[bytes]:
        yield b"once"

    with client(clock) as http:
        response = http.put(f"{server}/fail/503?times=1", content=body())
    assert response.status_code == 503
    assert clock.sleeps == []


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_errors_are_retried_then_raised(closed_port: int, clock: Any) -> None:
    with client(clock) as http, pytest.raises(httpx.ConnectError):
        http.post(f"http://127.0.0.1:{closed_port}/", json={})  # never sent: safe to retry
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_read_errors_are_retried_for_idempotent_methods_only(clock: Any) -> None:
    calls: Counter[str] = Counter()

    def flaky(request: httpx.Request) -> httpx.Response:
        calls[request.method] += 1
        if calls[request.method] == 1:
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200)

    transport = RetryTransport(
        httpx.MockTransport(flaky), sleep=clock.sleep, clock=clock, random=lambda: 0
    )
    with httpx.Client(transport=transport) as http:
        assert http.get("https://api.example.com/").status_code == 200
        with pytest.raises(httpx.ReadError):
            http.post("https://api.example.com/", json={})
    assert calls == {"GET": 2, "POST": 1}


def test_async_transport_retries_with_an_awaited_sleep(server: str, clock: Any) -> None:
    transport = AsyncRetryTransport(
        httpx.AsyncHTTPTransport(),
        RetryPolicy(),
        sleep=clock.async_sleep,
        clock=clock,
        random=lambda: 1.0,
    )

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport) as http:
            return await http.get(f"{server}/fail/503?times=2&after=2")

    response = asyncio.run(main())
    assert (response.status_code, response.json()) == (200, {"attempt": 3})
    assert clock.sleeps == [2.0, 2.0]


def test_policy_values_are_checked() -> None:
    with pytest.raises(ValueError, match="max_attempts must be 1 or more"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="budget must not be negative"):
        RetryPolicy(budget=-1)
    unparsable = httpx.Response(503, headers={"Retry-After": "soon"})
    assert RetryPolicy().retry_after(unparsable) is None
