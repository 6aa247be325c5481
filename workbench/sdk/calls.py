"""The call history: one record per action call, shown by ``wb.history()``."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from workbench.redaction import redact

if TYPE_CHECKING:
    import pandas as pd

MAX_CALLS = 1000


@dataclass(frozen=True)
class Call:
    """One action call: where it went, how it ended, how long it took."""

    time: datetime
    connection: str
    action: str
    status: str
    ms: float
    rows: int | None
    error: str | None = None


_calls: deque[Call] = deque(maxlen=MAX_CALLS)
_lock = threading.Lock()


def record_call(
    connection: str,
    action: str,
    *,
    status: str,
    ms: float,
    rows: int | None = None,
    error: str | None = None,
) -> Call:
    """Append a call to the history; error text is redacted first."""
    call = Call(
        time=datetime.now(UTC),
        connection=connection,
        action=action,
        status=status,
        ms=round(ms, 3),
        rows=rows,
        error=redact(error) if error else None,
    )
    with _lock:
        _calls.append(call)
    return call


def calls() -> list[Call]:
    """The recorded calls, oldest first."""
    with _lock:
        return list(_calls)


def clear_history() -> None:
    """Forget every recorded call."""
    with _lock:
        _calls.clear()


def history(limit: int | None = None) -> pd.DataFrame:
    """Recent action calls, newest last: time, connection, action, status, ms, rows, error.

    Example:
        >>> import workbench as wb
        >>> list(wb.history().columns)
        ['time', 'connection', 'action', 'status', 'ms', 'rows', 'error']
    """
    import pandas as pd

    recorded = calls()
    if limit is not None:
        recorded = recorded[-limit:]
    columns = list(Call.__dataclass_fields__)
    frame = pd.DataFrame([asdict(c) for c in recorded], columns=columns)
    return frame.astype({"rows": "Int64"})
