"""The worker: runs schedules with no Jupyter server, as ``wb worker`` does.

A :class:`Worker` ticks a :class:`~workbench.jobs.scheduler.Scheduler` every ``interval``
seconds on a background thread while its engine executes runs (the local engine on its
own threads; the celery engine runs a Celery worker in the main thread). Any number of
workers may run at once, on one machine or many, against the same run store: each slot
still fires once.

It stops when:

* ``once``: the slots due at start have all ended (retries included);
* ``until``: that moment has passed (no slot is claimed after it) and the slots it claimed
  have all ended;
* a signal (Ctrl-C, SIGTERM): at once; runs under way finish, then the worker records how
  they ended and hands its waiting slots to the other workers.

Example:
    >>> from datetime import datetime, UTC
    >>> parse_until("90s", now=datetime(2024, 1, 1, tzinfo=UTC)).isoformat()
    '2024-01-01T00:01:30+00:00'
    >>> parse_until("2024-01-01T06:00:00+01:00").isoformat()
    '2024-01-01T05:00:00+00:00'
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from workbench.errors import ConfigError, WorkbenchError
from workbench.jobs.engines import Engine
from workbench.jobs.execution import DEFAULT_TTL
from workbench.jobs.run import utc_now
from workbench.jobs.scheduler import GRACE, Scheduler
from workbench.redaction import get_logger

log = get_logger(__name__)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_until(text: str, *, now: datetime | None = None) -> datetime:
    """``--until``: a duration from now (``30s``, ``5m``, ``2h``, ``1d``, ``90``: seconds)
    or an ISO 8601 time (local time when it names no offset); as UTC."""
    match = _DURATION.match(text)
    if match:
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
        return (now or utc_now()) + timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"--until {text!r}: expected a duration (30s, 5m, 2h, 1d) or an ISO 8601 time "
            "(2024-06-01T18:00)"
        ) from None
    return moment.astimezone(UTC)


class Worker:
    """A scheduler and an engine working together until told to stop."""

    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float = DEFAULT_TTL,
        grace: float = GRACE,
        interval: float = 1.0,
        schedules: bool = True,
        worker: str | None = None,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.schedules = schedules
        self.scheduler = Scheduler(engine.store, engine, worker=worker, ttl=ttl, grace=grace)
        self.worker = self.scheduler.worker
        self._interrupted = threading.Event()

    def run(self, *, until: datetime | None = None, once: bool = False) -> int:
        """Work until the schedules due are done (``once``), ``until`` passes, or a signal."""
        done = threading.Event()
        thread = threading.Thread(
            target=self._schedule,
            args=(until, once, done),
            name="workbench-scheduler",
            daemon=True,
        )
        if self.schedules:
            thread.start()
        with _signals(self._interrupt(done)):
            code = self.engine.serve(done)
        self._interrupted.set()
        if self.schedules:
            thread.join()
            self.engine.wait()
            self._final_tick()
        return code

    def stop(self) -> None:
        """Stop now: as a signal does."""
        self._interrupted.set()

    def _interrupt(self, done: threading.Event) -> Callable[[int, FrameType | None], None]:
        def handler(signum: int, _frame: FrameType | None) -> None:
            log.warning("worker %s: stopping (signal %d)", self.worker, signum)
            self._interrupted.set()
            done.set()

        return handler

    def _schedule(self, until: datetime | None, once: bool, done: threading.Event) -> None:
        claiming = True
        try:
            while not self._interrupted.is_set():
                if until is not None and utc_now() >= until:
                    claiming = False
                try:
                    self.scheduler.tick(claim=claiming)
                except WorkbenchError as exc:  # the store unreachable for a moment
                    log.error("worker %s: %s", self.worker, exc)
                except Exception:  # keep scheduling: the next tick may well succeed
                    log.exception("worker %s: the scheduler failed", self.worker)
                if once:
                    claiming = False
                if not claiming and not self.scheduler.owned():
                    break
                self._interrupted.wait(self._pause(claiming))
        finally:
            done.set()

    def _pause(self, claiming: bool) -> float:
        """``interval``, or less when a slot falls sooner: wake just after it."""
        upcoming = self.scheduler.next_slot() if claiming else None
        if upcoming is None:
            return self.interval
        until_slot = (upcoming - utc_now()).total_seconds() + 0.005
        return max(0.005, min(self.interval, until_slot))

    def _final_tick(self) -> None:
        """Record how the runs under way ended; hand the waiting slots to other workers."""
        try:
            self.scheduler.tick(claim=False)
            self.scheduler.release()
        except Exception as exc:  # their leases expire instead: other workers take them over
            log.error("worker %s: could not hand its slots over: %s", self.worker, exc)


@contextlib.contextmanager
def _signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """``handler`` for SIGINT and SIGTERM while in the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
