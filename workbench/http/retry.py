"""Retries: exponential backoff with full jitter, ``Retry-After``, and an overall time budget.

:class:`RetryTransport` (and :class:`AsyncRetryTransport`) wrap an inner transport and
resend a request that failed with one of the policy's statuses (429, 502, 503, 504) or a
connection error. Only idempotent methods are resent, unless the request carries an
``Idempotency-Key`` header (Workbench never invents one: only the caller, or a connection
set to add them, knows the API honours it); a request that never reached the server (the
connection could not be opened) is resent whatever its method. Each retry is counted in
the request extension ``workbench.retries``, which the call history reads.

A retry never starts before the ``Retry-After`` the server gave: when it asks for more
than ``max_retry_after`` (or more than the budget has left), its answer is returned. The
``budget`` is the request's overall time, attempts and waits together: each attempt's
timeouts are cut to what is left of it. When the caller reads the whole body (the
``workbench.buffered`` extension, which Workbench's clients set unless streaming), the body
is read inside the loop, within the budget, and a body cut short is retried like any
failed attempt.
"""

from __future__ import annotations

import asyncio
import math
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from workbench.errors import WorkbenchError
from workbench.http.recording import RETRIES

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Errors after which the request may or may not have reached the server.
_TRANSIENT = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
)
# Errors before anything was sent: safe to retry for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
_TIMEOUTS = ("connect", "read", "write", "pool")

BUFFERED = "workbench.buffered"
"""The request extension saying the caller reads the whole body (not a stream)."""


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before sending a failed request again.

    ``max_attempts`` counts the first try; the wait before retry *n* is a random fraction
    of ``backoff * 2**(n-1)`` (capped at ``max_backoff``) or the server's ``Retry-After``
    (no retry when it is over ``max_retry_after``); ``budget`` is the total seconds a
    request may take, all attempts and waits included.

    Example:
        >>> policy = RetryPolicy(max_attempts=3, backoff=1)
        >>> [policy.backoff_delay(n, random=lambda: 1.0) for n in (1, 2, 3)]
        [1.0, 2.0, 4.0]
        >>> policy.retry_after(httpx.Response(429, headers={"Retry-After": "7"}))
        7.0
    """

    max_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 30
    max_retry_after: float = 60
    budget: float = 120
    statuses: tuple[int, ...] = (429, 502, 503, 504)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(
                f"RetryPolicy: max_attempts must be 1 or more, got {self.max_attempts}"
            )
        for name in ("backoff", "max_backoff", "max_retry_after", "budget"):
            if getattr(self, name) < 0:
                raise ValueError(f"RetryPolicy: {name} must not be negative")

    def may_retry(self, request: httpx.Request, error: Exception | None = None) -> bool:
        """True when ``request`` may be sent again (after ``error``, if it failed to send)."""
        if isinstance(error, _NOT_SENT):
            return True
        if error is not None and not isinstance(error, _TRANSIENT):
            return False
        replayable = isinstance(request.stream, httpx.ByteStream)
        safe = request.method in IDEMPOTENT or "Idempotency-Key" in request.headers
        return replayable and safe

    def backoff_delay(self, attempt: int, *, random: Callable[[], float]) -> float:
        """Full jitter: a random wait up to ``backoff * 2**(attempt-1)``, capped."""
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return random() * ceiling

    def retry_after(self, response: httpx.Response) -> float | None:
        """The server's ``Retry-After`` in seconds (a number or an HTTP date)."""
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                said = response.headers.get("Date")
                now = parsedate_to_datetime(said).timestamp() if said else time.time()
            except (TypeError, ValueError, IndexError):
                return None
            seconds = when.timestamp() - now
        return max(seconds, 0.0)

    def delay(
        self,
        attempt: int,
        response: httpx.Response | None,
        *,
        random: Callable[[], float],
    ) -> float | None:
        """How long to wait before the next attempt after ``attempt`` tries; None: never
        (the server asks to wait longer than ``max_retry_after``).

        Example:
            >>> later = httpx.Response(503, headers={"Retry-After": "120"})
            >>> RetryPolicy(max_retry_after=60).delay(1, later, random=lambda: 1.0) is None
            True
        """
        if response is not None:
            after = self.retry_after(response)
            if after is not None:
                return after if after <= self.max_retry_after else None
        return self.backoff_delay(attempt, random=random)


class _Attempts:
    """The retry loop's bookkeeping, shared by the sync and async transports."""

    __slots__ = ("attempt", "clock", "policy", "random", "request", "started")

    def __init__(
        self,
        policy: RetryPolicy,
        request: httpx.Request,
        started: float,
        clock: Callable[[], float],
        random: Callable[[], float],
    ) -> None:
        self.policy, self.request, self.clock, self.random = policy, request, clock, random
        self.attempt = 1
        self.started = started

    def wait_after(self, response: httpx.Response | None, error: Exception | None) -> float | None:
        """Seconds to wait before retrying, or None to stop here."""
        policy = self.policy
        if self.attempt >= policy.max_attempts or not policy.may_retry(self.request, error):
            return None
        if response is not None and response.status_code not in policy.statuses:
            return None
        delay = policy.delay(self.attempt, response, random=self.random)
        if delay is None or self.clock() - self.started + delay >= policy.budget:
            return None
        self.attempt += 1
        self.request.extensions[RETRIES] = self.attempt - 1
        return delay


class RetryTransport(httpx.BaseTransport):
    """Resend failed requests through ``inner`` as ``policy`` allows.

    Example:
        >>> answers = iter([503, 503, 200])
        >>> inner = httpx.MockTransport(lambda request: httpx.Response(next(answers)))
        >>> waits = []
        >>> transport = RetryTransport(inner, RetryPolicy(), sleep=waits.append)
        >>> httpx.Client(transport=transport).get("https://api.example.com/").status_code
        200
        >>> len(waits)
        2
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.inner, self.policy = inner, policy or RetryPolicy()
        self._sleep, self._clock, self._random = sleep, clock, random

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = self._clock()
        given = dict(request.extensions.get("timeout") or {})
        known = list(filter(None, map(given.get, _TIMEOUTS)))
        longest = max(known) if len(known) == len(_TIMEOUTS) else math.inf
        deadline = started + self.policy.budget
        attempts: _Attempts | None = None  # made on the first failure: success stays cheap
        while True:
            try:
                if attempts is not None or longest > self.policy.budget:
                    _cut_timeouts(request, given, deadline - self._clock())
                began = time.perf_counter()
                response = self.inner.handle_request(request)
                if response.status_code not in self.policy.statuses:
                    if request.extensions.get(BUFFERED):  # read here, to retry a body cut short
                        response.stream = _Until(response, deadline, self._clock, request)
                        try:
                            response.read()
                        except BaseException:
                            response.close()
                            raise
                        response.elapsed = timedelta(seconds=time.perf_counter() - began)
                    return response
            except httpx.TransportError as exc:
                attempts = attempts or _Attempts(
                    self.policy, request, started, self._clock, self._random
                )
                delay = attempts.wait_after(None, exc)
                if delay is None:
                    raise
            else:
                attempts = attempts or _Attempts(
                    self.policy, request, started, self._clock, self._random
                )
                delay = attempts.wait_after(response, None)
                if delay is None:
                    return response
                _discard(response)
            self._sleep(delay)

    def close(self) -> None:
        self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The asynchronous :class:`RetryTransport`; ``sleep`` is awaited.

    Example:
        >>> import asyncio
        >>> answers = iter([429, 200])
        >>> inner = httpx.MockTransport(lambda request: httpx.Response(next(answers)))
        >>> async def no_wait(seconds):
        ...     pass
        >>> async def main():
        ...     transport = AsyncRetryTransport(inner, RetryPolicy(), sleep=no_wait)
        ...     async with httpx.AsyncClient(transport=transport) as client:
        ...         return (await client.get("https://api.example.com/")).status_code
        >>> asyncio.run(main())
        200
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.inner, self.policy = inner, policy or RetryPolicy()
        self._sleep, self._clock, self._random = sleep, clock, random

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = self._clock()
        given = dict(request.extensions.get("timeout") or {})
        known = list(filter(None, map(given.get, _TIMEOUTS)))
        longest = max(known) if len(known) == len(_TIMEOUTS) else math.inf
        deadline = started + self.policy.budget
        attempts: _Attempts | None = None
        while True:
            try:
                if attempts is not None or longest > self.policy.budget:
                    _cut_timeouts(request, given, deadline - self._clock())
                began = time.perf_counter()
                response = await self.inner.handle_async_request(request)
                if response.status_code not in self.policy.statuses:
                    if request.extensions.get(BUFFERED):
                        response.stream = _AsyncUntil(response, deadline, self._clock, request)
                        try:
                            await response.aread()
                        except BaseException:
                            await response.aclose()
                            raise
                        response.elapsed = timedelta(seconds=time.perf_counter() - began)
                    return response
            except httpx.TransportError as exc:
                attempts = attempts or _Attempts(
                    self.policy, request, started, self._clock, self._random
                )
                delay = attempts.wait_after(None, exc)
                if delay is None:
                    raise
            else:
                attempts = attempts or _Attempts(
                    self.policy, request, started, self._clock, self._random
                )
                delay = attempts.wait_after(response, None)
                if delay is None:
                    return response
                try:
                    await response.aread()
                except (httpx.HTTPError, WorkbenchError):
                    pass  # the retry is what matters
                finally:
                    await response.aclose()
            await self._sleep(delay)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _discard(response: httpx.Response) -> None:
    """Read (so the connection is reused) and close a response that will be retried."""
    try:
        response.read()
    except (httpx.HTTPError, WorkbenchError):
        pass  # the retry is what matters
    finally:
        response.close()


def _cut_timeouts(request: httpx.Request, given: dict[str, float | None], left: float) -> None:
    """Set the attempt's timeouts to the ones ``given``, none longer than ``left`` seconds."""
    if left <= 0:
        raise httpx.ReadTimeout("the retry budget is spent", request=request)
    request.extensions["timeout"] = {
        name: left if given.get(name) is None else min(given[name] or 0.0, left)
        for name in _TIMEOUTS
    }


class _Until(httpx.SyncByteStream):
    """A response's body stream that stops with a read timeout once ``deadline`` has passed."""

    def __init__(
        self,
        response: httpx.Response,
        deadline: float,
        clock: Callable[[], float],
        request: httpx.Request,
    ) -> None:
        self._inner: Any = response.stream
        self._deadline, self._clock, self._request = deadline, clock, request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout("the retry budget ran out", request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _AsyncUntil(httpx.AsyncByteStream):
    def __init__(
        self,
        response: httpx.Response,
        deadline: float,
        clock: Callable[[], float],
        request: httpx.Request,
    ) -> None:
        self._inner: Any = response.stream
        self._deadline, self._clock, self._request = deadline, clock, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout("the retry budget ran out", request=self._request)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
