"""One run of a notebook job: what ran, with which parameters, how it ended.

A :class:`Run` is the record the run store keeps. Its ``id`` is a UUID version 7 (the time
comes first), so ids sort in the order runs were created. Times are UTC.

Example:
    >>> run = Run.new("etl.ipynb", job="etl", parameters={"day": "2024-01-01"})
    >>> run.status, run.job
    (<Status.QUEUED: 'queued'>, 'etl')
    >>> run.finish(Status.FAILED, exit_code=12, error_class="ZeroDivisionError",
    ...            error_message="division by zero", failed_cell=2, failed_source="1 / 0")
    >>> print(run.error())  # doctest: +ELLIPSIS
    run ... of etl.ipynb failed at cell 2 (1 / 0): ZeroDivisionError: division by zero
    >>> run.error().exit_code
    12
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from workbench.errors import (
    JobError,
    JobFailedError,
    JobTimeoutError,
    KernelDiedError,
    ParameterError,
)


class Status(StrEnum):
    """Where a run is: ``queued`` and ``running``, then one of the four endings."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    KILLED = "killed"

    @property
    def finished(self) -> bool:
        """True once the run has ended, well or not."""
        return self not in (Status.QUEUED, Status.RUNNING)


ERRORS: dict[int, type[JobError]] = {
    cls.exit_code: cls
    for cls in (JobError, ParameterError, JobFailedError, JobTimeoutError, KernelDiedError)
}


def new_run_id() -> str:
    """A UUID version 7: 48 bits of milliseconds, a 12-bit counter, then random bits.

    Ids sort by creation time; within one process they strictly increase, even in the
    same millisecond (the counter, RFC 9562 method 1).

    Example:
        >>> first, second = new_run_id(), new_run_id()
        >>> len(first), first[14], first < second
        (36, '7', True)
    """
    return new_run_ids(1)[0]


def new_run_ids(count: int) -> list[str]:
    """``count`` new ids, in increasing order: what as many calls of :func:`new_run_id`
    give, at a fraction of the cost for a batch (one clock reading, one lock, one draw).

    Example:
        >>> ids = new_run_ids(3)
        >>> len(set(ids)), ids == sorted(ids), ids[-1] < new_run_id()
        (3, True, True)
    """
    global _last_ms, _counter
    values: list[int] = []
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        randoms = secrets.randbits(62 * count)
        for _ in range(count):
            if ms > _last_ms:
                _last_ms, _counter = ms, secrets.randbits(11)  # room to count up in this ms
            elif _counter < 0xFFF:
                _counter += 1
            else:
                _last_ms, _counter = _last_ms + 1, 0
            random, randoms = randoms & _RANDOM, randoms >> 62
            values.append(_last_ms << 80 | 0x7 << 76 | _counter << 64 | 0x2 << 62 | random)
    texts = [f"{value:032x}" for value in values]
    return [f"{t[:8]}-{t[8:12]}-{t[12:16]}-{t[16:20]}-{t[20:]}" for t in texts]


_RANDOM = (1 << 62) - 1
_id_lock = threading.Lock()
_last_ms = 0
_counter = 0


def worker_name() -> str:
    """``host:pid`` of this process, recorded as the run's worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A time read from the database as an aware UTC time (SQLite gives naive ones).

    Example:
        >>> as_utc(datetime(2024, 1, 1, 12, 0)).isoformat()
        '2024-01-01T12:00:00+00:00'
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class Run:
    """A run record. ``failed_cell`` counts the notebook's cells from 0, as written."""

    id: str
    job: str
    notebook: str
    parameters: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.QUEUED
    queued_at: datetime = field(default_factory=utc_now)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration: float | None = None
    output: str | None = None
    exit_code: int | None = None
    error_class: str | None = None
    error_message: str | None = None
    failed_cell: int | None = None
    failed_source: str | None = None
    worker: str | None = None

    @classmethod
    def new(cls, notebook: str, *, job: str, parameters: dict[str, Any] | None = None) -> Run:
        """A queued run with a fresh id."""
        return cls(new_run_id(), job, notebook, dict(parameters or {}))

    def start(self, *, worker: str | None = None) -> None:
        """Mark the run running, now, on ``worker`` (this process by default)."""
        self.status = Status.RUNNING
        self.started_at = utc_now()
        self.worker = worker or worker_name()

    def finish(self, status: Status, *, exit_code: int = 0, **details: Any) -> None:
        """Mark the run ended with ``status``; ``details`` set the error fields."""
        self.status = status
        self.ended_at = utc_now()
        if self.started_at is not None:
            self.duration = (self.ended_at - self.started_at).total_seconds()
        self.exit_code = exit_code
        for name, value in details.items():
            if name not in _ERROR_FIELDS:
                raise TypeError(f"Run.finish() got an unexpected detail {name!r}")
            setattr(self, name, value)

    def timed_out(self, seconds: float | None) -> None:
        """Mark the run ended past its timeout of ``seconds``."""
        self.finish(
            Status.TIMED_OUT,
            exit_code=JobTimeoutError.exit_code,
            error_class=JobTimeoutError.__name__,
            error_message=f"the run took longer than {seconds} s",
        )

    def killed(self, message: str, error_class: str = KernelDiedError.__name__) -> None:
        """Mark the run ended by its kernel's (or worker's) death, ``message`` saying how.

        Example:
            >>> run = Run.new("etl.ipynb", job="etl")
            >>> run.killed("the kernel died"); run.status.value, run.exit_code
            ('killed', 14)
        """
        self.finish(
            Status.KILLED,
            exit_code=KernelDiedError.exit_code,
            error_class=error_class,
            error_message=message,
        )

    def error(self) -> JobError | None:
        """The error this run ended with (None while running or after success)."""
        if not self.status.finished or self.status is Status.SUCCEEDED:
            return None
        cls = ERRORS.get(self.exit_code or JobError.exit_code, JobError)
        return cls(self.describe(), run_id=self.id)

    def raise_for_status(self) -> None:
        """Raise :meth:`error` if the run did not succeed."""
        error = self.error()
        if error is not None:
            raise error

    def describe(self) -> str:
        """One line on how the run stands or ended."""
        head = f"run {self.id} of {self.notebook}"
        took = f" in {self.duration:.2f} s" if self.duration is not None else ""
        reason = ": ".join(p for p in (self.error_class, self.error_message) if p)
        if self.status is Status.FAILED and self.failed_cell is not None:
            source = f" ({self.failed_source})" if self.failed_source else ""
            return f"{head} failed at cell {self.failed_cell}{source}: {reason}"
        if self.status is Status.TIMED_OUT:
            return f"{head} timed out{took}; its kernel was killed"
        if self.status in (Status.FAILED, Status.KILLED):
            return f"{head} {self.status.value}{took}" + (f": {reason}" if reason else "")
        return f"{head} {self.status.value}{took}"

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (times in ISO 8601)."""
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        for name in ("queued_at", "started_at", "ended_at"):
            value = data[name]
            data[name] = value.isoformat() if value is not None else None
        return data


_ERROR_FIELDS = frozenset(
    {"error_class", "error_message", "failed_cell", "failed_source", "output"}
)
