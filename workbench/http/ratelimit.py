"""Rate limits: a thread-safe token bucket per connection (``rate_limit = "10/s"``).

A bucket for ``"100/min"`` holds up to 100 tokens and refills at 100 per minute; each
request takes one token and waits for it when the bucket is empty. Waiting threads
reserve their token first, so they are served in turn without busy loops.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable

import httpx

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*([a-z]+)\s*$", re.IGNORECASE)
_UNITS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1.0),
    **dict.fromkeys(("m", "min", "minute", "minutes"), 60.0),
    **dict.fromkeys(("h", "hr", "hour", "hours"), 3600.0),
    **dict.fromkeys(("d", "day", "days"), 86400.0),
}


def parse_rate(text: str) -> tuple[int, float]:
    """``"100/min"`` -> ``(100, 60.0)``: how many requests per how many seconds.

    Example:
        >>> parse_rate("10/s"), parse_rate("100/min"), parse_rate("5000/h"), parse_rate("3/15s")
        ((10, 1.0), (100, 60.0), (5000, 3600.0), (3, 15.0))
        >>> parse_rate("10 per s")
        Traceback (most recent call last):
        ...
        ValueError: rate limit '10 per s': expected a count per unit, such as '10/s' or '100/min'
    """
    match = _RATE.match(text)
    unit = _UNITS.get(match.group(3).lower()) if match else None
    if match is None or unit is None:
        raise ValueError(
            f"rate limit {text!r}: expected a count per unit, such as '10/s' or '100/min'"
        )
    tokens, multiple = int(match.group(1)), float(match.group(2) or 1)
    if tokens < 1 or multiple <= 0:
        raise ValueError(f"rate limit {text!r}: the count and the period must be positive")
    return tokens, multiple * unit


class TokenBucket:
    """Up to N requests per period, as ``rate`` says; :meth:`acquire` waits for a token.

    Example:
        >>> now = [0.0]
        >>> bucket = TokenBucket("2/s", clock=lambda: now[0], sleep=lambda s: now.append(s))
        >>> bucket.acquire(); bucket.acquire()      # a full bucket: no wait
        >>> bucket.acquire()                        # empty: waits half a second for a token
        >>> now[1:]
        [0.5]
    """

    def __init__(
        self,
        rate: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.rate = rate
        self.capacity, self.period = parse_rate(rate)
        self._per_second = self.capacity / self.period
        self._clock, self._sleep = clock, sleep
        self._tokens = float(self.capacity)
        self._updated = clock()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBucket({self.rate!r})"

    def reserve(self) -> float:
        """Take a token now; return the seconds to wait before using it (0 when available)."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.capacity, self._tokens + elapsed * self._per_second)
            self._updated = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self._per_second

    def acquire(self) -> None:
        """Wait (with ``sleep``) until a token is available, and take it."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)


class RateLimitTransport(httpx.BaseTransport):
    """Take a token from ``bucket`` before each request sent through ``inner``.

    Example:
        >>> waits = []
        >>> bucket = TokenBucket("1/s", clock=lambda: 0.0, sleep=waits.append)
        >>> inner = httpx.MockTransport(lambda request: httpx.Response(204))
        >>> client = httpx.Client(transport=RateLimitTransport(inner, bucket))
        >>> [client.get("https://api.example.com/").status_code for _ in range(3)], waits
        ([204, 204, 204], [1.0, 2.0])
    """

    def __init__(self, inner: httpx.BaseTransport, bucket: TokenBucket) -> None:
        self.inner, self.bucket = inner, bucket

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bucket.acquire()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncRateLimitTransport(httpx.AsyncBaseTransport):
    """The asynchronous :class:`RateLimitTransport`; waiting does not block the event loop.

    Example:
        >>> import asyncio
        >>> inner = httpx.MockTransport(lambda request: httpx.Response(204))
        >>> async def main():
        ...     transport = AsyncRateLimitTransport(inner, TokenBucket("10/s"))
        ...     async with httpx.AsyncClient(transport=transport) as client:
        ...         return (await client.get("https://api.example.com/")).status_code
        >>> asyncio.run(main())
        204
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        bucket: TokenBucket,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.inner, self.bucket, self._sleep = inner, bucket, sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        wait = self.bucket.reserve()
        if wait > 0:
            await self._sleep(wait)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


_buckets: dict[tuple[str, str], TokenBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(rate: str, connection: str | None = None) -> TokenBucket:
    """The bucket of ``connection`` for ``rate`` (shared by its clients); a new one if unnamed.

    Example:
        >>> bucket_for("10/s", "crm") is bucket_for("10/s", "crm")
        True
    """
    if connection is None:
        return TokenBucket(rate)
    with _buckets_lock:
        bucket = _buckets.get((connection, rate))
        if bucket is None:
            bucket = _buckets[connection, rate] = TokenBucket(rate)
        return bucket
