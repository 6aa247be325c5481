"""The call history: one record per action call, shown by ``wb.history()``.

Each action call runs inside :class:`collect_requests` (opened by the Connector), so the
HTTP layer can attach the requests it sends to the call in progress with
:func:`record_request`. ``wb.history()`` shows one row per action call, with the method,
URL and status of its last request and the totals of requests, bytes and retries;
``wb.history(requests=True)`` (or :func:`requests`) gives one row per HTTP request.

Recording is cheap: URLs are masked and redacted, and totals summed, when they are read.

Example:
    >>> with collect_requests("api", "users"):
    ...     sent = record_request("GET", "https://api.example.com/users?token=t0k3n", status=200)
    ...     call = record_call("api", "users", status="ok", ms=5.0, rows=2)
    >>> call.url, call.http_status, call.requests, call.retries
    ('https://api.example.com/users?token=***', 200, 1, 0)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from workbench.redaction import redact
from workbench.sdk.http_records import (
    MAX_REQUESTS,
    RequestRecord,
    active_call,
    add_request,
    clear_requests,
    collect_requests,
    current_call,
    mask_query,
    record_request,
    requests,
    snapshot,
)

__all__ = [
    "CALL_COLUMNS",
    "MAX_CALLS",
    "MAX_REQUESTS",
    "ArgumentWatcher",
    "Call",
    "RequestRecord",
    "add_request",
    "arguments_watched",
    "calls",
    "clear_history",
    "collect_requests",
    "current_call",
    "history",
    "mask_query",
    "record_call",
    "record_request",
    "requests",
    "tell_arguments",
    "watching",
]

if TYPE_CHECKING:
    import pandas as pd

MAX_CALLS = 1000


class Call(NamedTuple):
    """One action call: where it went, how it ended, how long it took, what it sent.

    A named tuple (cheap to make: one is made per action call); the HTTP columns are
    derived from the requests it ``sent``.

    Example:
        >>> call = record_call("shop", "query", status="ok", ms=1.5, rows=3)
        >>> call.action, call.rows, call.requests
        ('query', 3, None)
    """

    time: datetime
    connection: str
    action: str
    status: str
    ms: float
    rows: int | None
    error: str | None = None
    sent: Sequence[RequestRecord] = ()

    @property
    def method(self) -> str | None:
        """The method of the last HTTP request (None when the call sent none)."""
        return self.sent[-1].method if self.sent else None

    @property
    def url(self) -> str | None:
        """The masked URL of the last HTTP request."""
        return self.sent[-1].url if self.sent else None

    @property
    def http_status(self) -> int | None:
        """The HTTP status of the last request (None if it got no answer)."""
        return self.sent[-1].http_status if self.sent else None

    @property
    def requests(self) -> int | None:
        """How many HTTP requests the call sent."""
        return len(self.sent) if self.sent else None

    @property
    def bytes(self) -> int | None:
        """The response body bytes of all its requests."""
        return sum(r.bytes for r in self.sent) if self.sent else None

    @property
    def retries(self) -> int | None:
        """The retries of all its requests."""
        return sum(r.retries for r in self.sent) if self.sent else None

    def row(self) -> dict[str, Any]:
        """The call as a history row."""
        return {name: getattr(self, name) for name in CALL_COLUMNS}

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in CALL_COLUMNS)
        return f"Call({shown})"


CALL_COLUMNS = ["time", "connection", "action", "status", "ms", "rows", "method", "url"]
CALL_COLUMNS += ["http_status", "requests", "bytes", "retries", "error"]


_calls: deque[Call] = deque(maxlen=MAX_CALLS)


def record_call(
    connection: str,
    action: str,
    *,
    status: str,
    ms: float,
    rows: int | None = None,
    error: str | None = None,
) -> Call:
    """Append a call to the history; error text is redacted first.

    Inside :class:`collect_requests`, the requests recorded so far belong to the call.
    """
    collector = active_call.get()
    sent = collector.requests if collector is not None else ()
    text = redact(error) if error else None
    call = Call(datetime.now(UTC), connection, action, status, round(ms, 3), rows, text, sent)
    _calls.append(call)  # atomic; readers copy with snapshot
    return call


ArgumentWatcher = Callable[[str, str, dict[str, Any]], None]
"""Told ``(connection, action, arguments)`` as each action call starts."""
_watchers: list[ArgumentWatcher] = []


@contextmanager
def arguments_watched(watcher: ArgumentWatcher) -> Iterator[None]:
    """Tell ``watcher`` the validated arguments of every action call made in the block.

    Arguments are never part of the history (they may hold a secret or a large frame): only
    a watcher sees them, while it watches.

    Example:
        >>> seen = []
        >>> with arguments_watched(lambda *call: seen.append(call)):
        ...     tell_arguments("crm", "find", {"name": "Ada"})
        >>> tell_arguments("crm", "find", {"name": "Bob"})
        >>> seen
        [('crm', 'find', {'name': 'Ada'})]
    """
    _watchers.append(watcher)
    try:
        yield
    finally:
        _watchers.remove(watcher)


def watching() -> bool:
    """True while a watcher of :func:`arguments_watched` watches."""
    return bool(_watchers)


def tell_arguments(connection: str, action: str, arguments: dict[str, Any]) -> None:
    """Tell the watchers that ``connection.action`` is called with ``arguments``."""
    for watcher in list(_watchers):
        watcher(connection, action, arguments)


def calls() -> list[Call]:
    """The recorded calls, oldest first.

    Example:
        >>> _ = record_call("c", "a", status="ok", ms=0)
        >>> calls()[-1].action
        'a'
    """
    return snapshot(_calls)


def clear_history() -> None:
    """Forget every recorded call and request.

    Example:
        >>> clear_history(); calls(), requests()
        ([], [])
    """
    _calls.clear()
    clear_requests()


_INTEGERS = ("rows", "http_status", "requests", "bytes", "retries")


def history(limit: int | None = None, *, requests: bool = False) -> pd.DataFrame:
    """Recent action calls, newest last; ``requests=True`` gives one row per HTTP request.

    Call columns: time, connection, action, status, ms, rows, then (for calls that sent
    HTTP requests) the method, URL and status of the last one and the totals of requests,
    bytes and retries, then error. Request columns: time, connection, action, method,
    url, http_status, ms, bytes, retries, error.

    Example:
        >>> import workbench as wb
        >>> list(wb.history().columns)  # doctest: +NORMALIZE_WHITESPACE
        ['time', 'connection', 'action', 'status', 'ms', 'rows', 'method', 'url',
         'http_status', 'requests', 'bytes', 'retries', 'error']
        >>> list(wb.history(requests=True).columns)  # doctest: +NORMALIZE_WHITESPACE
        ['time', 'connection', 'action', 'method', 'url', 'http_status', 'ms', 'bytes',
         'retries', 'error']
    """
    from workbench.results.views import HistoryFrame

    recorded: Sequence[Call | RequestRecord] = _requests_now() if requests else calls()
    columns = list(RequestRecord.COLUMNS) if requests else CALL_COLUMNS
    if limit is not None:
        recorded = recorded[-limit:] if limit > 0 else []
    frame = HistoryFrame([r.row() for r in recorded], columns=columns)
    for name in ("ms",):
        frame[name] = frame[name].astype(float).round(3)
    return frame.astype({c: "Int64" for c in _INTEGERS if c in columns})


def _requests_now() -> list[RequestRecord]:
    return requests()
