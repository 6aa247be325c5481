"""HTTP request records, and the action call they belong to (a context variable).

:class:`collect_requests` marks the action call in progress; :func:`record_request` (or
:func:`add_request`, the positional hot path the HTTP layer uses) records one request and
attaches it to that call. URLs are masked and redacted when a record is read.
"""

from __future__ import annotations

import re
import time as _time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote_plus

from workbench.redaction import MASK, looks_secret, redact

T = TypeVar("T")
MAX_REQUESTS = 5000
_PARAM = re.compile(r"([?&])([^=&#]*)=([^&#]*)")


def mask_query(url: str) -> str:
    """``url`` with the values of secret-looking query parameters masked, then redacted.

    Which names are secret is :func:`workbench.redaction.looks_secret`'s rule.

    Example:
        >>> mask_query("https://x.example/a?page=2&api_key=abc&sig=def&X-Amz-Signature=f")
        'https://x.example/a?page=2&api_key=***&sig=***&X-Amz-Signature=***'
    """
    return redact(_PARAM.sub(_masked_param, url))


def _masked_param(match: re.Match[str]) -> str:
    mark, name, value = match.groups()
    return f"{mark}{name}={MASK if looks_secret(unquote_plus(name)) else value}"


class RequestRecord:
    """One HTTP request: where it went, its status, time, body bytes and retries.

    ``url`` is masked when read (``mask``, by default secret-looking query values) and
    redacted of every known secret; ``bytes`` grows as the response body is read.

    Example:
        >>> record_request("POST", "https://x.example/send?api_key=k1", status=201, ms=2.5)
        <request POST https://x.example/send?api_key=*** -> 201 in 2.5 ms>
    """

    __slots__ = (
        "_mask",
        "_raw_url",
        "action",
        "bytes",
        "connection",
        "error",
        "http_status",
        "method",
        "ms",
        "retries",
        "timestamp",
    )
    COLUMNS: tuple[str, ...] = ("time", "connection", "action", "method", "url")
    COLUMNS += ("http_status", "ms", "bytes", "retries", "error")

    def __init__(
        self,
        method: str,
        url: object,
        mask: Callable[[Any], str],
        connection: str,
        action: str | None,
        http_status: int | None,
        ms: float,
        bytes: int,
        retries: int,
        error: str | None,
    ) -> None:
        self.timestamp = _time.time()
        self.method, self._raw_url, self._mask = method, url, mask
        self.connection, self.action = connection, action
        self.http_status, self.ms, self.bytes, self.retries = http_status, ms, bytes, retries
        self.error = error

    @property
    def time(self) -> datetime:
        """When the request was recorded (UTC)."""
        return datetime.fromtimestamp(self.timestamp, UTC)

    @property
    def url(self) -> str:
        """The URL with secrets masked."""
        return redact(self._mask(self._raw_url))

    def row(self) -> dict[str, Any]:
        """The record as a history row."""
        return {name: getattr(self, name) for name in self.COLUMNS}

    def __repr__(self) -> str:
        return f"<request {self.method} {self.url} -> {self.http_status} in {self.ms:.1f} ms>"


_requests: deque[RequestRecord] = deque(maxlen=MAX_REQUESTS)


class collect_requests:
    """Attach the HTTP requests sent inside the block to the action call ``connection.action``.

    Example:
        >>> with collect_requests("crm", "contacts") as sent:
        ...     _ = record_request("GET", "https://crm.example/contacts", status=200)
        >>> [(r.connection, r.action) for r in sent]
        [('crm', 'contacts')]
    """

    __slots__ = ("_token", "action", "connection", "requests")

    def __init__(self, connection: str, action: str) -> None:
        self.connection, self.action = connection, action
        self.requests: list[RequestRecord] = []
        self._token: Token[collect_requests | None] | None = None

    def __enter__(self) -> list[RequestRecord]:
        self._token = active_call.set(self)
        return self.requests

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            active_call.reset(self._token)


active_call: ContextVar[collect_requests | None] = ContextVar("workbench_action_call", default=None)
"""The action call in progress in this context (set by :class:`collect_requests`)."""


def current_call() -> tuple[str, str] | None:
    """``(connection, action)`` of the action call in progress in this context, if any.

    Example:
        >>> with collect_requests("crm", "contacts"):
        ...     current_call()
        ('crm', 'contacts')
    """
    collector = active_call.get()
    return None if collector is None else (collector.connection, collector.action)


def record_request(
    method: str,
    url: object,
    *,
    status: int | None,
    ms: float = 0.0,
    bytes: int = 0,
    retries: int = 0,
    connection: str | None = None,
    error: str | None = None,
    mask: Callable[[Any], str] = lambda url: mask_query(str(url)),
) -> RequestRecord:
    """Record one HTTP request; it joins the action call in progress, if any.

    ``url`` may be any object ``mask`` turns into a masked URL when the record is read.
    The connection and action default to those of the call in progress.
    """
    text = redact(error) if error else None
    return add_request(method, url, mask, connection, status, ms, bytes, retries, text)


def add_request(
    method: str,
    url: object,
    mask: Callable[[Any], str],
    connection: str | None,
    status: int | None,
    ms: float,
    bytes: int,
    retries: int,
    error: str | None,
    /,
) -> RequestRecord:
    """:func:`record_request` with positional arguments and no redaction: the HTTP hot path."""
    collector = active_call.get()
    if collector is None:
        action = None
        connection = connection or ""
    else:
        action = collector.action
        connection = connection or collector.connection
    record = RequestRecord(method, url, mask, connection, action, status, ms, bytes, retries, error)
    if collector is not None:
        collector.requests.append(record)
    _requests.append(record)  # atomic; readers copy with snapshot
    return record


def requests() -> list[RequestRecord]:
    """The recorded HTTP requests, oldest first (also ``wb.history(requests=True)``).

    Example:
        >>> _ = record_request("GET", "https://x.example/a", status=200)
        >>> requests()[-1].http_status
        200
    """
    return snapshot(_requests)


def clear_requests() -> None:
    """Forget every recorded request."""
    _requests.clear()


def snapshot(records: deque[T]) -> list[T]:
    """A copy of ``records``; writers append without a lock, so a copy that races one is redone."""
    while True:
        try:
            return list(records)
        except RuntimeError:  # deque mutated during iteration
            continue
