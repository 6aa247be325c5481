"""Slack's retry policy: a 429 is resent after ``Retry-After``, whatever the method.

Slack rejects a rate-limited call before doing anything (HTTP 429 with ``Retry-After`` in
seconds), so resending a ``chat.postMessage`` cannot post twice. Other failures are
retried only for idempotent methods, as :class:`~workbench.sdk.http.RetryPolicy` does.

Example:
    >>> import httpx
    >>> post = httpx.Request("POST", "https://slack.com/api/chat.postMessage", content=b"x=1")
    >>> SLACK_RETRY.may_retry(post)
    True
    >>> SLACK_RETRY.delay(1, httpx.Response(429, headers={"Retry-After": "3"}), random=lambda: 1.0)
    3.0
    >>> SLACK_RETRY.delay(1, httpx.Response(503), random=lambda: 1.0) is None
    True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from workbench.sdk.http import RetryPolicy

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_asked = threading.local()
"""The request the retry loop of this thread last asked about (it then asks for the delay)."""


@dataclass(frozen=True)
class SlackRetryPolicy(RetryPolicy):
    """:class:`RetryPolicy` that also resends a non-idempotent request refused with 429.

    The retry loop asks :meth:`may_retry` about a request, then :meth:`delay` about its
    answer, in the same thread: the request's method is kept between the two questions.
    """

    def may_retry(self, request: httpx.Request, error: Exception | None = None) -> bool:
        """A replayable request that was answered may be resent (its status decides)."""
        _asked.method = request.method
        _asked.keyed = "Idempotency-Key" in request.headers
        if error is not None:
            return super().may_retry(request, error)
        return isinstance(request.stream, httpx.ByteStream)

    def delay(
        self, attempt: int, response: httpx.Response | None, *, random: Callable[[], float]
    ) -> float | None:
        """None (no retry) for a non-idempotent request answered with anything but 429."""
        if response is not None and response.status_code != 429:
            safe = getattr(_asked, "method", "POST") in _IDEMPOTENT
            if not (safe or getattr(_asked, "keyed", False)):
                return None
        return super().delay(attempt, response, random=random)


SLACK_RETRY = SlackRetryPolicy()
