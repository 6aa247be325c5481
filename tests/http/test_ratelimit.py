"""Rate limits: parsing, the token bucket (with a fake clock), and the transport."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
from servers import serve

from workbench.http import build_async_client, build_client
from workbench.http.ratelimit import AsyncRateLimitTransport, TokenBucket, bucket_for, parse_rate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/s", (10, 1.0)),
        ("100/min", (100, 60.0)),
        ("5000/h", (5000, 3600.0)),
        (" 5 / second ", (5, 1.0)),
        ("30/15m", (30, 900.0)),
        ("1000/day", (1000, 86400.0)),
        ("2/0.5s", (2, 0.5)),
    ],
)
def test_rates_are_parsed(text: str, expected: tuple[int, float]) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "10", "10/fortnight", "ten/s", "-1/s", "0/s", "10/0s"])
def test_bad_rates_name_the_text(text: str) -> None:
    with pytest.raises(ValueError, match=f"rate limit {text!r}: "):
        parse_rate(text)


def test_a_full_bucket_bursts_then_paces(clock: Any) -> None:
    bucket = TokenBucket("5/s", clock=clock, sleep=clock.sleep)
    for _ in range(5):
        bucket.acquire()
    assert clock.sleeps == []
    bucket.acquire()
    bucket.acquire()
    assert clock.sleeps == pytest.approx([0.2, 0.2])

    clock.advance(10)  # refills, but never beyond its capacity
    for _ in range(5):
        bucket.acquire()
    assert len(clock.sleeps) == 2
    bucket.acquire()
    assert clock.sleeps[-1] == pytest.approx(0.2)


def test_waiting_threads_reserve_their_turn(clock: Any) -> None:
    bucket = TokenBucket("10/min", clock=clock, sleep=lambda s: None)
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        wait = bucket.reserve()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([0.0] * 10 + [6.0, 12.0, 18.0, 24.0, 30.0])


class Ok(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Ok) as url:
        yield url


def test_the_client_waits_for_its_bucket(server: str, clock: Any) -> None:
    bucket = TokenBucket("3/s", clock=clock, sleep=clock.sleep)
    with build_client(server, rate_limit=bucket, retry=None) as client:
        statuses = [client.get("/").status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert clock.sleeps == pytest.approx([1 / 3, 1 / 3])


def test_the_async_client_waits_without_blocking(server: str, clock: Any) -> None:
    bucket = TokenBucket("2/s", clock=clock, sleep=clock.sleep)
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async def main() -> list[int]:
        transport = AsyncRateLimitTransport(httpx.AsyncHTTPTransport(), bucket, sleep=record)
        async with httpx.AsyncClient(base_url=server, transport=transport) as client:
            responses = await asyncio.gather(*(client.get("/") for _ in range(4)))
        async with build_async_client(server, rate_limit="100/s", connection="async") as client:
            responses.append(await client.get("/"))
        return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 5
    assert sorted(waits) == pytest.approx([0.5, 1.0])


def test_one_bucket_per_connection(server: str) -> None:
    assert bucket_for("10/s", "crm") is bucket_for("10/s", "crm")
    assert bucket_for("10/s", "crm") is not bucket_for("10/s", "erp")
    assert bucket_for("10/s") is not bucket_for("10/s")
    with build_client(server, rate_limit="10/s", connection="crm") as client:
        assert client.get("/").status_code == 200
    with pytest.raises(ValueError, match="rate limit '10 a second'"):
        build_client(server, rate_limit="10 a second")
    assert repr(bucket_for("10/s", "crm")) == "TokenBucket('10/s')"
