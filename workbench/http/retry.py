"""Retries: exponential backoff with full jitter, ``Retry-After``, and an overall time budget.

:class:`RetryTransport` (and :class:`AsyncRetryTransport`) wrap an inner transport and
resend a request that failed with one of the policy's statuses (429, 502, 503, 504) or a
connection error. Only idempotent methods are resent, unless the request carries an
``Idempotency-Key`` header; a request that never reached the server (the connection could
not be opened) is resent whatever its method. Each retry is counted in the request
extension ``workbench.retries``, which the call history reads.
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

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


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before sending a failed request again.

    ``max_attempts`` counts the first try; the wait before retry *n* is a random fraction
    of ``backoff * 2**(n-1)`` (capped at ``max_backoff``) or the server's ``Retry-After``
    (capped at ``max_retry_after``); no retry starts once ``budget`` seconds would be spent.

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
        """The server's ``Retry-After`` in seconds (a number or an HTTP date), capped."""
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
        return min(max(seconds, 0.0), self.max_retry_after)

    def delay(
        self,
        attempt: int,
        response: httpx.Response | None,
        *,
        random: Callable[[], float],
    ) -> float:
        """How long to wait before the next attempt after ``attempt`` tries."""
        if response is not None:
            after = self.retry_after(response)
            if after is not None:
                return after
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
        if self.clock() - self.started + delay > policy.budget:
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
        attempts: _Attempts | None = None  # made on the first failure: success stays cheap
        while True:
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                attempts = attempts or _Attempts(
                    self.policy, request, started, self._clock, self._random
                )
                delay = attempts.wait_after(None, exc)
                if delay is None:
                    raise
            else:
                if response.status_code not in self.policy.statuses:
                    return response
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
        attempts: _Attempts | None = None
        while True:
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError as exc:
                attempts = attempts or _Attempts(
                    self.policy, request, started, self._clock, self._random
                )
                delay = attempts.wait_after(None, exc)
                if delay is None:
                    raise
            else:
                if response.status_code not in self.policy.statuses:
                    return response
                attempts = attempts or _Attempts(
                    self.policy, request, started, self._clock, self._random
                )
                delay = attempts.wait_after(response, None)
                if delay is None:
                    return response
                try:
                    await response.aread()
                except httpx.HTTPError:
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
    except httpx.HTTPError:
        pass  # the retry is what matters
    finally:
        response.close()
