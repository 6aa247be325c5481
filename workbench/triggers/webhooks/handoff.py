"""The hand-off between waiting requests and the trigger's reader.

Each verified request puts its event and an answer slot (a future of the server's event
loop) in the :class:`Handoff` of its route and waits. The reader takes what has gathered
(waiting only for the first one: a lone request is never held back to fill a batch, and
under load the requests that arrived while the last batch was being stored become the next
batch), yields it, and answers every request of the batch 2xx when it is resumed, that is,
once the batch is in the inbox. Closing the reader answers what it holds and everything
still waiting 503, so the senders retry.

Given the reader's sink (``Connector.trigger_sink``), the hand-over stores instead, on the
server's loop a few turns later, and answers at once: no thread is woken for a
request to be answered, and the reader is only told what was stored
(:meth:`Handoff.stored_batches`).

Example:
    >>> import asyncio
    >>> from workbench.sdk import Event
    >>> async def one_delivery():
    ...     loop = asyncio.get_running_loop()
    ...     handoff = Handoff(loop)
    ...     slot = loop.create_future()
    ...     handoff.submit(Event(source="hooks.received", id="1"), slot)
    ...     await asyncio.sleep(0.01)      # a few turns of the loop: the request is handed over
    ...     reading = handoff.batches(max_events=1, timeout=1.0)
    ...     print([e.id for e in next(reading)])
    ...     next(reading, None)            # resumed: the batch is stored, the request is answered
    ...     return await slot
    >>> asyncio.run(one_delivery())
    ['1']
    200
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from workbench.redaction import get_logger, redact
from workbench.sdk.event import Event
from workbench.sdk.trigger import Sink, Stored

log = get_logger("workbench.webhooks")

IDLE_TICK = 0.5  # seconds: an idle reader yields None at least this often
NOTICE_TICK = 0.05  # seconds: stored batches gathered into one notice to the reader
GATHER_TURNS = 2  # turns of the loop a batch gathers for: requests whose bytes have
# arrived are parsed in the next turn and submitted in the one after (a turn with nothing
# to wait for takes microseconds), so under load a batch holds about one request per
# connection, not the one or two that were ready in the first turn
BATCH_LIMIT = 500  # events in one batch (one inbox transaction)
STORED, RETRY = 200, 503

Waiting = tuple[Event, "asyncio.Future[int]"]


class Handoff:
    """The requests of one route waiting for one reader.

    Requests are submitted on the server's event loop and handed over together, all that
    arrived within :data:`GATHER_TURNS` turns of the loop: one inbox transaction and one
    wake-up of the reader for a burst of requests, not one for each (every wake-up costs
    both threads a round of the GIL).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, sink: Sink | None = None) -> None:
        self.loop = loop
        self.sink = sink
        self._gathering: list[Waiting] = []  # the loop's, until the end of its turn
        self._handing = False
        self._ready: queue.SimpleQueue[Any] = queue.SimpleQueue()  # Waiting lists, or
        # with a sink, what was stored (Stored) or why not (an exception)
        self._carried: list[Waiting] = []  # the reader's: taken, past the last batch's room
        self._lock = threading.Lock()
        self._open = True

    @property
    def open(self) -> bool:
        """Whether the reader still takes deliveries."""
        return self._open

    def submit(self, event: Event, slot: asyncio.Future[int]) -> bool:
        """Queue ``event`` (on the loop); ``slot`` gets the status to answer. False once closed."""
        if not self._open:
            return False
        self._gathering.append((event, slot))
        if not self._handing:
            self._handing = True
            self.loop.call_soon(self._hand_over, GATHER_TURNS)
        return True

    def _hand_over(self, turns_left: int) -> None:
        if turns_left > 0:  # let the requests already read join this batch
            self.loop.call_soon(self._hand_over, turns_left - 1)
            return
        self._handing = False
        gathered, self._gathering = self._gathering, []
        with self._lock:
            if self._open and self.sink is None:
                self._ready.put(gathered)
                return
            storing = self._open
        if storing:
            self._store(gathered)
        else:
            _settle([slot for _, slot in gathered], RETRY)  # the reader closed meanwhile

    def _store(self, gathered: list[Waiting]) -> None:
        """Store ``gathered`` through the sink (on the loop) and answer it: 2xx once stored,
        503 if the sink failed, whose error then ends the reader."""
        assert self.sink is not None
        for start in range(0, len(gathered), BATCH_LIMIT):
            chunk = gathered[start : start + BATCH_LIMIT]
            events = _unique(chunk)
            try:
                new = self.sink(events)
            except Exception as exc:
                log.error("storing %d deliveries failed: %s", len(events), redact(str(exc)))
                _settle([slot for _, slot in gathered[start:]], RETRY)
                self._ready.put(exc)
                return
            _settle([slot for _, slot in chunk], STORED)
            self._ready.put(Stored(events, new=new))

    def take(self, limit: int, wait: float) -> list[Waiting]:
        """What has gathered, up to ``limit``; waits up to ``wait`` seconds for the first."""
        taken, self._carried = self._carried, []
        ready = self._ready
        if not taken:
            try:
                taken = ready.get(timeout=wait) if wait > 0 else ready.get_nowait()
            except queue.Empty:
                return []
        while len(taken) < limit:
            try:
                taken += ready.get_nowait()
            except queue.Empty:
                break
        if len(taken) > limit:
            taken, self._carried = taken[:limit], taken[limit:]
        return taken

    def answer(self, taken: list[Waiting], status: int) -> None:
        """Answer the requests of ``taken`` with ``status`` (from any thread)."""
        if taken:
            slots = [slot for _, slot in taken]
            with contextlib.suppress(RuntimeError):  # a loop that is gone has nobody waiting
                self.loop.call_soon_threadsafe(_settle, slots, status)

    def close(self) -> None:
        """Take no more deliveries; answer the waiting ones 503."""
        with self._lock:
            self._open = False
        if self.sink is None:
            self.answer(self.take(2**31, 0), RETRY)

    def stored_batches(self, timeout: float | None) -> Iterator[Stored | None]:
        """With a sink: the batches stored on the loop as they are (None when idle), until
        ``timeout`` quiet seconds (None: never); a failed store raises its error here."""
        quiet_since = time.monotonic()
        try:
            while True:
                wait = IDLE_TICK
                if timeout is not None:
                    wait = min(wait, quiet_since + timeout - time.monotonic())
                try:
                    item = self._ready.get(timeout=wait) if wait > 0 else self._ready.get_nowait()
                except queue.Empty:
                    if timeout is not None and time.monotonic() - quiet_since >= timeout:
                        return
                    yield None
                    continue
                if isinstance(item, Exception):
                    raise item
                yield self._gathered(item)
                quiet_since = time.monotonic()
        finally:
            self.close()

    def _gathered(self, first: Stored) -> Stored:
        """``first`` and the batches stored in the next :data:`NOTICE_TICK` seconds, as one:
        the reader is woken about a few times a second under load, not once for each batch
        (a wake-up takes the GIL from the server's loop); a failure stays in the queue."""
        time.sleep(NOTICE_TICK)
        events, new = list(first), first.new
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Exception):
                self._ready.put(item)  # raised on the next round, after what was stored
                break
            events += item
            new += item.new
        return Stored(events, new=new)

    def batches(
        self, max_events: int | None, timeout: float | None
    ) -> Iterator[list[Event] | None]:
        """Yield batches of events (None when idle), keeping the trigger contract.

        Stops after ``max_events`` events or ``timeout`` quiet seconds (None: never). A
        batch is answered 2xx when the generator is resumed after it, 503 if the generator
        is closed instead.
        """
        delivered = 0
        quiet_since = time.monotonic()
        held: list[Waiting] = []
        try:
            while max_events is None or delivered < max_events:
                wait = IDLE_TICK
                if timeout is not None:
                    wait = min(wait, quiet_since + timeout - time.monotonic())
                room = (
                    BATCH_LIMIT if max_events is None else min(BATCH_LIMIT, max_events - delivered)
                )
                held = self.take(room, wait)
                if not held:
                    if timeout is not None and time.monotonic() - quiet_since >= timeout:
                        return
                    yield None
                    continue
                events = _unique(held)
                yield events
                self.answer(held, STORED)
                held = []
                delivered += len(events)
                quiet_since = time.monotonic()
        finally:
            self.answer(held, RETRY)
            self.close()


def _unique(taken: list[Waiting]) -> list[Event]:
    """The events of a batch, a repeated id (a redelivery racing its first) only once."""
    if len(taken) == 1:
        return [taken[0][0]]
    events: dict[str, Event] = {}
    for event, _ in taken:
        events.setdefault(event.id, event)
    return list(events.values())


def _settle(slots: list[asyncio.Future[int]], status: int) -> None:
    for slot in slots:
        if not slot.done():
            slot.set_result(status)
