"""The worker: reads the event sources, dispatches their events, runs the notebooks.

A :class:`Worker` is what ``wb worker`` (and a script's ``wb.on`` handlers) run, with no
Jupyter server:

* one thread per *source* that an active binding reads (a schedule's slots, a webhook
  route, a queue, a table's changes, a folder), each reading it into the inbox with
  :func:`~workbench.triggers.reader.read_source` and reconnecting after a failure with
  backoff; sources are started and stopped as bindings come and go;
* a dispatch thread ticking a :class:`~workbench.triggers.dispatch.Dispatcher` as soon as
  events are stored here, and every ``interval`` seconds anyway (events stored by another
  process, retries coming due, runs ending);
* the engine executing the runs (the local engine on its own threads; the celery engine
  runs a Celery worker in the main thread).

Any number of workers may run at once, on one machine or many, against the same run
store: each event is stored once and each delivery handled once.

It stops when:

* ``once``: each source has been read until it had nothing new, and the deliveries that
  caused have all ended (retries included);
* ``until``: that moment has passed (no source is read and no delivery claimed after it)
  and the deliveries it claimed have all ended;
* a signal (Ctrl-C, SIGTERM): at once; runs under way finish, then the worker records how
  they ended and hands its waiting deliveries to the other workers.

Example:
    >>> from datetime import datetime, UTC
    >>> parse_until("90s", now=datetime(2024, 1, 1, tzinfo=UTC)).isoformat()
    '2024-01-01T00:01:30+00:00'
    >>> parse_until("2024-01-01T06:00:00+01:00").isoformat()
    '2024-01-01T05:00:00+00:00'
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError, WorkbenchError
from workbench.jobs.run.execution import DEFAULT_TTL
from workbench.jobs.run.record import utc_now
from workbench.jobs.run.store import RunStore
from workbench.redaction import get_logger, redact
from workbench.triggers.bindings import Binding
from workbench.triggers.dispatch import Dispatcher, Handler
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source
from workbench.triggers.retention import Pruner, duration_seconds

if TYPE_CHECKING:
    from workbench.jobs.run.engines import Engine

log = get_logger(__name__)

RESCAN = 2.0  # seconds between two looks at the bindings, for sources to start or stop
MAX_BACKOFF = 30.0  # seconds, at most, before a failed source is read again
TICK_GAP = 0.01  # seconds between two dispatch ticks, at least: a burst is one tick


def parse_until(text: str, *, now: datetime | None = None) -> datetime:
    """``--until``: a duration from now (``30s``, ``5m``, ``2h``, ``1d``, ``90``: seconds)
    or an ISO 8601 time (local time when it names no offset); as UTC."""
    seconds = duration_seconds(text)
    if seconds is not None:
        return (now or utc_now()) + timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"--until {text!r}: expected a duration (30s, 5m, 2h, 1d) or an ISO 8601 time "
            "(2024-06-01T18:00)"
        ) from None
    return moment.astimezone(UTC)


class SourceThread:
    """One source read into the inbox on a thread of its own, reconnecting after failures."""

    def __init__(self, binding: Binding, inbox: Inbox, *, once: bool) -> None:
        self.key = binding.source
        self.connection, self.trigger, self.args = binding.connection, binding.trigger, binding.args
        self.inbox = inbox
        self.once = once
        self.stop = threading.Event()
        self.stored = 0
        self.failures = 0
        self.thread = threading.Thread(target=self._read, name=f"workbench-source-{self.key}")
        self.thread.daemon = True
        self.thread.start()

    def _read(self) -> None:
        from workbench.client import connect

        while not self.stop.is_set():
            try:
                with connect(self.connection) as connector:
                    self.stored += read_source(
                        connector,
                        self.trigger,
                        self.args,
                        self.inbox,
                        stop=self.stop,
                        until_idle=self.once,
                    )
                self.failures = 0
                if self.once:
                    return
            except Exception as exc:  # the service away for a while: read it again later
                self.failures += 1
                delay = min(MAX_BACKOFF, 0.5 * 2**self.failures)
                reason = redact(f"{type(exc).__name__}: {exc}")
                log.error("source %s: %s; reading it again in %g s", self.key, reason, delay)
                if self.once:
                    return
                self.stop.wait(delay)

    def close(self, timeout: float = 10.0) -> None:
        """Stop reading (at the source's next yield) and wait for the thread."""
        self.stop.set()
        self.thread.join(timeout)

    @property
    def alive(self) -> bool:
        """True while the thread reads."""
        return self.thread.is_alive()


class Worker:
    """Sources, a dispatcher and an engine working together until told to stop.

    ``engine`` runs notebook bindings (None: only ``handlers`` run, in this process);
    ``handlers`` are in-process handlers by binding name (``wb.on``); ``sources`` False
    reads no source (a Celery worker that only executes published runs).
    """

    def __init__(
        self,
        engine: Engine | None,
        *,
        store: RunStore | None = None,
        handlers: Mapping[str, Handler] | None = None,
        ttl: float = DEFAULT_TTL,
        interval: float = 0.5,
        sources: bool = True,
        worker: str | None = None,
    ) -> None:
        if engine is None and store is None:
            raise ValueError("a worker needs an engine or a run store")
        self.engine = engine
        self.store = store if store is not None else engine.store  # type: ignore[union-attr]
        self.interval = interval
        self.sources = sources
        self.inbox = Inbox(self.store)
        self.dispatcher = Dispatcher(
            self.store, engine, handlers=handlers, worker=worker, ttl=ttl, inbox=self.inbox
        )
        self.worker = self.dispatcher.worker
        self.pruner = Pruner(self.store)
        self._readers: dict[str, SourceThread] = {}
        self._read_once: set[str] = set()
        self._interrupted = threading.Event()

    def run(self, *, until: datetime | None = None, once: bool = False) -> int:
        """Work until what is due is done (``once``), ``until`` passes, or a signal."""
        done = threading.Event()
        thread = threading.Thread(
            target=self._work, args=(until, once, done), name="workbench-dispatch", daemon=True
        )
        thread.start()
        with _signals(self._interrupt(done)):
            code = self.engine.serve(done) if self.engine is not None else _wait(done)
        self._interrupted.set()
        thread.join()
        self._close_sources()
        if self.engine is not None:
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

    # ------------------------------------------------------------ the dispatch thread

    def _work(self, until: datetime | None, once: bool, done: threading.Event) -> None:
        reading_on = True  # sources are read (and new bindings' sources started)
        claiming = True
        rescanned = 0.0
        generation = self.inbox.generation
        try:
            while not self._interrupted.is_set():
                if until is not None and reading_on and utc_now() >= until:
                    reading_on = False
                    self._close_sources()
                if reading_on and self.sources and time.monotonic() - rescanned >= RESCAN:
                    self._rescan(once)
                    rescanned = time.monotonic()
                reading = any(r.alive for r in self._readers.values())
                try:
                    self.dispatcher.tick(claim=claiming, due_by=until)
                    self.pruner.maybe_prune()
                except WorkbenchError as exc:  # the store unreachable for a moment
                    log.error("worker %s: %s", self.worker, exc)
                except Exception:  # keep dispatching: the next tick may well succeed
                    log.exception("worker %s: dispatch failed", self.worker)
                if (once or not reading_on) and not reading and claiming:
                    claiming = self.dispatcher.claimable(due_by=until) > 0
                if not claiming and not reading and not self.dispatcher.owned():
                    break
                self._interrupted.wait(TICK_GAP)  # events stored meanwhile join the next tick
                generation = self.inbox.wait_for_events(generation, self.interval)
        finally:
            done.set()

    def _rescan(self, once: bool) -> None:
        """Start a reader for every source an active binding this worker serves reads."""
        wanted: dict[str, Binding] = {}
        for binding in self.dispatcher.bindings.list(active=True):
            serves = (binding.kind == "notebook" and self.engine is not None) or (
                binding.kind == "handler" and binding.name in self.dispatcher.handlers
            )
            if serves:
                wanted.setdefault(binding.source, binding)
        for key, binding in wanted.items():
            if key not in self._readers and not (once and key in self._read_once):
                log.info("worker %s: reading %s", self.worker, key)
                self._readers[key] = SourceThread(binding, self.inbox, once=once)
                if once:
                    self._read_once.add(key)
        for key in [k for k in self._readers if k not in wanted]:
            log.info("worker %s: no binding reads %s any more", self.worker, key)
            self._readers.pop(key).close()

    def _close_sources(self) -> None:
        readers = list(self._readers.values())
        for reader in readers:
            reader.stop.set()
        for reader in readers:
            reader.close()

    def _final_tick(self) -> None:
        """Record how the runs under way ended; hand the waiting deliveries to other workers."""
        try:
            self.dispatcher.tick(claim=False)
            self.dispatcher.release()
        except Exception as exc:  # their leases expire instead: other workers take them over
            log.error("worker %s: could not hand its deliveries over: %s", self.worker, exc)


def _wait(done: threading.Event) -> int:
    while not done.wait(0.5):
        pass
    return 0


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
