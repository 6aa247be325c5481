"""The reading loop every broker trigger shares, keeping the contract of
:mod:`workbench.sdk.trigger`.

A broker source is a :class:`Subscription`: it opens, receives what the broker has
delivered, turns a message into an :class:`~workbench.sdk.Event`, acknowledges, and closes.
:func:`follow` drives it: it yields one event, or a ``list`` of what was already there
(up to ``batch``), or ``None`` at least every second while idle; it acknowledges what it
yielded only when the reader resumes it; it stops after ``max_events`` events or
``timeout`` quiet seconds (``None``: no limit); and however it ends it closes the
subscription, which leaves what was not acknowledged for the broker to deliver again.

Example:
    >>> import time
    >>> from workbench.sdk import Event
    >>> class Numbers:
    ...     "Three messages, then silence."
    ...     source = "demo.numbers"
    ...     def __init__(self):
    ...         self.waiting, self.acked = [1, 2, 3], []
    ...     def open(self):
    ...         pass
    ...     def receive(self, wait, limit):
    ...         if not self.waiting:
    ...             time.sleep(wait)
    ...         taken, self.waiting = self.waiting[:limit], self.waiting[limit:]
    ...         return taken
    ...     def event(self, n):
    ...         return Event(source=self.source, id=str(n), data=n)
    ...     def acknowledge(self, numbers):
    ...         self.acked.extend(numbers)
    ...     def close(self):
    ...         pass
    >>> numbers = Numbers()
    >>> reader = follow(numbers, max_events=None, timeout=0.2, batch=2)
    >>> [e.id for e in next(reader)], numbers.acked
    (['1', '2'], [])
    >>> next(reader).id, numbers.acked
    ('3', [1, 2])
    >>> list(reader), numbers.acked
    ([], [1, 2, 3])
"""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import Iterator, Sequence
from typing import Protocol, TypeVar

from workbench.errors import ActionArgumentError
from workbench.sdk.event import Event
from workbench.sdk.trigger import Yielded

M = TypeVar("M")
T = TypeVar("T")

IDLE = 1.0
"""The longest a source waits for messages before it yields ``None``."""

BATCH = 100
"""The most events one yield carries, unless a source says otherwise."""


class Subscription(Protocol[M]):
    """What a broker source does; :func:`follow` does the rest."""

    source: str
    """The trigger it serves, ``connection.trigger``: the events' source, named in errors."""

    def open(self) -> None:
        """Connect and subscribe (the first time the reader asks for an item)."""

    def receive(self, wait: float, limit: int) -> Sequence[M]:
        """Wait up to ``wait`` seconds for a message; return it with those already there.

        Return at most ``limit`` messages; an empty sequence when none came.
        """
        ...

    def event(self, message: M) -> Event:
        """The event a message becomes (its id stable across redeliveries)."""
        ...

    def acknowledge(self, messages: Sequence[M]) -> None:
        """Tell the broker these messages are handled (they are stored in the inbox)."""

    def close(self) -> None:
        """Release the subscription; what is not acknowledged is delivered again."""


def check_limits(where: str, max_events: int | None, timeout: float | None) -> None:
    """Refuse a ``max_events`` below 1 or a ``timeout`` that is not positive.

    Example:
        >>> check_limits("mq.messages", 0, None)
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: mq.messages: max_events must be 1 or more, or None
    """
    if max_events is not None and max_events < 1:
        raise ActionArgumentError(f"{where}: max_events must be 1 or more, or None")
    if timeout is not None and timeout <= 0:
        raise ActionArgumentError(f"{where}: timeout must be more than 0 seconds, or None")


def follow(
    subscription: Subscription[M],
    *,
    max_events: int | None,
    timeout: float | None,
    batch: int = BATCH,
) -> Iterator[Yielded]:
    """Read ``subscription`` as a trigger: events and batches, ``None`` while idle."""
    check_limits(subscription.source, max_events, timeout)
    delivered = 0
    quiet_until = None if timeout is None else time.monotonic() + timeout
    try:
        subscription.open()
        while max_events is None or delivered < max_events:
            left = time.monotonic() + IDLE if quiet_until is None else quiet_until
            wait = max(0.0, min(IDLE, left - time.monotonic()))
            limit = batch if max_events is None else min(batch, max_events - delivered)
            messages = subscription.receive(wait, limit)
            if not messages:
                if quiet_until is not None and time.monotonic() >= quiet_until:
                    return
                yield None
                continue
            events = [subscription.event(m) for m in messages]
            delivered += len(events)
            yield events[0] if len(events) == 1 else events
            subscription.acknowledge(messages)  # resumed: the events are stored
            if timeout is not None:
                quiet_until = time.monotonic() + timeout
    finally:
        subscription.close()


def take(inbox: queue.Queue[T], wait: float, limit: int) -> list[T]:
    """Wait up to ``wait`` seconds for an item of a thread queue, then take what is there.

    Example:
        >>> q = queue.Queue()
        >>> for n in range(3):
        ...     q.put(n)
        >>> take(q, 0.1, 2), take(q, 0.1, 2), take(q, 0.01, 2)
        ([0, 1], [2], [])
    """
    try:
        taken = [inbox.get(timeout=wait) if wait > 0 else inbox.get_nowait()]
    except queue.Empty:
        return []
    while len(taken) < limit:
        try:
            taken.append(inbox.get_nowait())
        except queue.Empty:
            break
    return taken


async def take_async(inbox: asyncio.Queue[T], wait: float, limit: int) -> list[T]:
    """:func:`take` for an asyncio queue (filled by a driver's delivery callback).

    Example:
        >>> async def demo():
        ...     q = asyncio.Queue()
        ...     q.put_nowait("a")
        ...     return await take_async(q, 0.1, 5), await take_async(q, 0.01, 5)
        >>> asyncio.run(demo())
        (['a'], [])
    """
    try:
        taken = [await asyncio.wait_for(inbox.get(), wait) if wait > 0 else inbox.get_nowait()]
    except (TimeoutError, asyncio.QueueEmpty):
        return []
    while len(taken) < limit and not inbox.empty():
        taken.append(inbox.get_nowait())
    return taken
