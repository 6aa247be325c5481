"""HTTP under faults: real `http` connections through a fault-injecting proxy on loopback.

The proxy (tests/fault_proxy.py) adds latency, stalls past the timeout, resets connections
before or after the request reached the service, answers 503 with Retry-After and cuts
bodies short. Through it, calls carrying an Idempotency-Key each end succeeded or failed
with a clear WorkbenchError, with at most one effect per key, no retry before the
Retry-After given, and every call within the connection's time budget.
"""

from __future__ import annotations

import gzip
import itertools
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from fault_proxy import Mix, Orders, orders_behind_proxy
from servers import serve

from workbench.connectors.http import Http, HttpConfig
from workbench.errors import ActionError, ConnectionFailedError, WorkbenchError
from workbench.http.limits import ResponseTooLargeError

CALLS = 1000
WORKERS = 32
TIMEOUT, BUDGET = 1.5, 5.0
SLACK = 0.25  # seconds a call may end after its budget: the time to raise and unwind
MIX = Mix(
    weights={
        "pass": 45,
        "latency": 20,
        "stall": 3,
        "reset_before": 8,
        "reset_after": 8,
        "retry_after": 8,
        "truncated": 8,
    },
    latency=(0.01, 0.4),
    stall=2.5,
    retry_after=1,
)


@dataclass
class Outcome:
    """How one call ended, and how long it took."""

    key: str
    seconds: float
    data: Any = None
    error: WorkbenchError | None = None


def _config(url: str, **extra: Any) -> HttpConfig:
    return HttpConfig(base_url=url, timeout=TIMEOUT, time_budget=BUDGET, max_attempts=4, **extra)


def _call(api: Http, index: int) -> Outcome:
    key = f"order-{index:04d}-key"
    started = time.monotonic()
    try:
        if index % 2:
            data = api.post("orders", json={"n": index}, headers={"Idempotency-Key": key}).data
        else:
            data = api.put(f"orders/{index}", json={"n": index}, headers={"Idempotency-Key": key})
            data = data.data
        return Outcome(key, time.monotonic() - started, data=data)
    except WorkbenchError as exc:  # any other exception fails the test
        return Outcome(key, time.monotonic() - started, error=exc)


@pytest.mark.slow
def test_a_thousand_keyed_calls_under_faults() -> None:
    began = time.monotonic()
    with orders_behind_proxy(MIX, seed=20240611) as proxy:
        with (
            Http(_config(proxy.url), connection="faults") as api,
            ThreadPoolExecutor(max_workers=WORKERS) as pool,
        ):
            outcomes = list(pool.map(lambda i: _call(api, i), range(CALLS)))
        arrivals = dict(proxy.arrivals)
        faults = dict(proxy.faults)
    effects = Counter(Orders.effects)

    succeeded = [o for o in outcomes if o.error is None]
    failed = [o for o in outcomes if o.error is not None]
    attempts = sum(len(arrivals.get(o.key, [])) for o in outcomes)
    early = [
        (key, later.at - earlier.answered_at)
        for key, seen in arrivals.items()
        for earlier, later in itertools.pairwise(seen)
        if earlier.answered_at is not None
        and earlier.retry_after is not None
        and later.at < earlier.answered_at + earlier.retry_after
    ]
    worst = max(o.seconds for o in outcomes)
    per_key = Counter(effects[o.key] for o in outcomes)
    print(
        f"\nfaults: {CALLS} calls ({len(succeeded)} succeeded, {len(failed)} failed: "
        f"{dict(Counter(type(o.error).__name__ for o in failed))}); "
        f"{attempts} requests, {attempts - CALLS} retries; faults injected {faults}; "
        f"effects per key {dict(sorted(per_key.items()))}; retries before Retry-After "
        f"{len(early)}; worst call {worst:.2f} s (budget {BUDGET:g} s); "
        f"run {time.monotonic() - began:.1f} s"
    )
    for message in sorted({str(o.error).split(": ", 2)[-1] for o in failed}):
        print(f"  failed: ...: {message}")

    assert len(outcomes) == CALLS
    assert max(effects.values()) <= 1, "a key had its effect more than once"
    assert all(effects[o.key] == 1 for o in succeeded)
    assert all(o.data["key"] == o.key for o in succeeded)
    assert early == [], "a retry came before the Retry-After it was given"
    assert worst <= BUDGET + SLACK
    assert attempts > CALLS  # faults were met, and retried
    assert len(succeeded) > CALLS * 0.9
    for outcome in failed:
        message = str(outcome.error)
        assert isinstance(outcome.error, ConnectionFailedError | ActionError)
        assert message.startswith("faults"), message
        assert "/orders" in message, message


def test_a_post_without_a_key_is_not_sent_twice() -> None:
    with orders_behind_proxy(MIX, script=["reset_after", "pass"]) as proxy:
        with (
            Http(_config(proxy.url), connection="faults") as api,
            pytest.raises(ConnectionFailedError, match=r"faults: cannot reach .*/orders"),
        ):
            api.post("orders", json={"n": 1}, headers={"X-Request": "1"})
        assert sum(len(seen) for seen in proxy.arrivals.values()) == 1


def test_a_connection_can_add_keys_so_posts_are_retried_once_in_effect() -> None:
    with orders_behind_proxy(MIX, script=["reset_after", "truncated", "pass"]) as proxy:
        with Http(_config(proxy.url, idempotency_keys=True), connection="faults") as api:
            answer = api.post("orders", json={"n": 1}).data
        (key, seen), *others = proxy.arrivals.items()
    assert others == []
    assert answer["key"] == key
    assert len(seen) == 3  # the same key on every attempt
    assert Orders.effects == {key: 1}


def test_a_retry_after_past_the_budget_returns_the_answer_at_once() -> None:
    slow = Mix(weights={"retry_after": 1}, retry_after=30)
    with orders_behind_proxy(slow) as proxy:
        with Http(_config(proxy.url), connection="faults") as api:
            started = time.monotonic()
            with pytest.raises(ActionError, match=r"returned HTTP 503"):
                api.put("orders/1", json={}, headers={"Idempotency-Key": "k-1"})
            assert time.monotonic() - started < 1
        assert [a.fault for a in proxy.arrivals["k-1"]] == ["retry_after"]


def test_a_stalled_service_is_given_up_within_the_budget() -> None:
    stalled = Mix(weights={"stall": 1}, stall=5)
    with orders_behind_proxy(stalled) as proxy:
        config = HttpConfig(base_url=proxy.url, timeout=30, time_budget=1.0)
        with Http(config, connection="faults") as api:
            started = time.monotonic()
            with pytest.raises(ConnectionFailedError, match="faults: cannot reach"):
                api.put("orders/1", json={}, headers={"Idempotency-Key": "k-2"})
            took = time.monotonic() - started
    assert 0.9 < took < 1.0 + SLACK


class Large(BaseHTTPRequestHandler):
    """``/announced``: 2 MB with a Content-Length; ``/endless``: chunks without end;
    ``/bomb``: 30 KB of gzip that unpacks to 30 MB."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    protocol_version = "HTTP/1.1"
    bomb = gzip.compress(b"\0" * 30_000_000)

    def do_GET(self) -> None:
        try:
            if self.path == "/announced":
                self.send_response(200)
                self.send_header("Content-Length", str(2_000_000))
                self.end_headers()
                self.wfile.write(b"x" * 2_000_000)
            elif self.path == "/endless":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"y" * 65536
                for _ in range(10_000):  # 650 MB if nobody stops reading
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(self.bomb)))
                self.end_headers()
                self.wfile.write(self.bomb)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def large() -> Iterator[str]:
    with serve(Large) as url:
        yield url


@pytest.mark.parametrize("path", ["announced", "endless", "bomb"])
def test_a_response_over_the_size_cap_stops_with_the_limit_named(large: str, path: str) -> None:
    config = HttpConfig(base_url=large, max_response_bytes=1_000_000)
    with Http(config, connection="big") as api:
        started = time.monotonic()
        with pytest.raises(ResponseTooLargeError) as failure:
            api.get(path)
        took = time.monotonic() - started
    assert str(failure.value) == (
        f"big: GET {large}/{path}: the response is larger than max_response_bytes "
        "(1,000,000 bytes); it was not read further"
    )
    assert took < 5


def test_the_default_cap_is_100_mib(large: str) -> None:
    assert HttpConfig().max_response_bytes == 100 * 1024 * 1024
    with Http(HttpConfig(base_url=large), connection="big") as api:
        assert len(api.get("bomb").data) == 30_000_000  # under the default cap
