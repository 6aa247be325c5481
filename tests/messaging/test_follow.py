"""The reading loop of the broker triggers, on a source that holds its messages in memory.

The brokers themselves run the same loop in tests/connectors and tests/triggers; here the
loop's own rules are checked one by one: what it yields, when it acknowledges, when it
stops, and that it always closes.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Sequence

import pytest

from workbench.errors import ActionArgumentError
from workbench.messaging import follow, take, take_async
from workbench.sdk import Event


class Memory:
    """Messages (numbers) that arrive when ``send`` is called; it records what happens."""

    source = "m.messages"

    def __init__(self, *waiting: int) -> None:
        self.inbox: queue.Queue[int] = queue.Queue()
        for n in waiting:
            self.inbox.put(n)
        self.acked: list[list[int]] = []
        self.log: list[str] = []

    def send(self, *numbers: int) -> None:
        for n in numbers:
            self.inbox.put(n)

    def open(self) -> None:
        self.log.append("open")

    def receive(self, wait: float, limit: int) -> list[int]:
        return take(self.inbox, wait, limit)

    def event(self, n: int) -> Event:
        return Event(source=self.source, id=str(n), data={"n": n})

    def acknowledge(self, numbers: Sequence[int]) -> None:
        self.acked.append(list(numbers))

    def close(self) -> None:
        self.log.append("close")


def test_one_message_is_an_event_several_are_a_batch() -> None:
    source = Memory(1)
    reader = follow(source, max_events=None, timeout=1)
    single = next(reader)
    assert isinstance(single, Event)
    assert single.id == "1"
    source.send(2, 3, 4)
    batch = next(reader)
    assert isinstance(batch, list)
    assert [e.id for e in batch] == ["2", "3", "4"]
    reader.close()


def test_a_batch_holds_at_most_batch_events() -> None:
    source = Memory(*range(7))
    reader = follow(source, max_events=None, timeout=0.2, batch=3)
    sizes = [len(item) if isinstance(item, list) else 1 for item in reader if item is not None]
    assert sizes == [3, 3, 1]


def test_acknowledgment_comes_when_the_reader_resumes_never_before() -> None:
    source = Memory(1, 2)
    reader = follow(source, max_events=None, timeout=1)
    next(reader)
    assert source.acked == []  # yielded, maybe not stored yet
    source.send(3)
    next(reader)
    assert source.acked == [[1, 2]]
    reader.close()  # stopped at the yield: the last one is not acknowledged
    assert source.acked == [[1, 2]]
    assert source.log == ["open", "close"]


def test_max_events_counts_events_and_acknowledges_the_last() -> None:
    source = Memory(*range(5))
    reader = follow(source, max_events=3, timeout=1, batch=2)
    items = list(reader)
    assert [[e.id for e in item] if isinstance(item, list) else item.id for item in items] == [
        ["0", "1"],
        "2",
    ]
    assert source.acked == [[0, 1], [2]]
    assert source.log == ["open", "close"]
    assert source.inbox.qsize() == 2  # left for the next reading


def test_idle_yields_none_at_least_every_second() -> None:
    reader = follow(Memory(), max_events=None, timeout=None)
    started = time.monotonic()
    assert next(reader) is None
    assert next(reader) is None
    assert 1.5 < time.monotonic() - started < 3
    reader.close()


def test_timeout_ends_after_that_many_quiet_seconds() -> None:
    source = Memory()
    threading.Timer(0.3, source.send, args=(1,)).start()
    started = time.monotonic()
    items = list(follow(source, max_events=None, timeout=0.6))
    elapsed = time.monotonic() - started
    assert [i.id for i in items if isinstance(i, Event)] == ["1"]
    assert 0.85 < elapsed < 1.5  # the quiet time starts again after each event
    assert source.acked == [[1]]


def test_a_short_timeout_ends_without_an_idle_none() -> None:
    assert list(follow(Memory(), max_events=None, timeout=0.2)) == []


def test_the_subscription_is_closed_when_the_source_fails() -> None:
    class Broken(Memory):
        def event(self, n: int) -> Event:
            raise ValueError("undecodable")

    source = Broken(1)
    with pytest.raises(ValueError, match="undecodable"):
        next(follow(source, max_events=None, timeout=1))
    assert source.log == ["open", "close"]


def test_bad_limits_are_refused_before_anything_opens() -> None:
    source = Memory()
    with pytest.raises(ActionArgumentError, match=r"m\.messages: max_events must be 1 or more"):
        next(follow(source, max_events=0, timeout=1))
    with pytest.raises(ActionArgumentError, match="timeout must be more than 0 seconds"):
        next(follow(source, max_events=1, timeout=-1))
    assert source.log == []


def test_take_waits_for_the_first_item_then_takes_what_is_there() -> None:
    inbox: queue.Queue[int] = queue.Queue()
    for n in range(3):
        inbox.put(n)
    assert take(inbox, 2, 2) == [0, 1]
    assert take(inbox, 0, 5) == [2]
    threading.Timer(0.1, inbox.put, args=(3,)).start()
    started = time.monotonic()
    assert take(inbox, 2, 5) == [3]
    assert 0.05 < time.monotonic() - started < 1
    assert take(inbox, 0.05, 5) == []


def test_take_async_waits_then_takes_up_to_the_limit() -> None:
    async def run() -> tuple[list[int], list[int], list[int]]:
        inbox: asyncio.Queue[int] = asyncio.Queue()
        asyncio.get_running_loop().call_later(0.1, lambda: [inbox.put_nowait(n) for n in range(3)])
        first = await take_async(inbox, 2, 2)
        rest = await take_async(inbox, 0, 5)
        nothing = await take_async(inbox, 0.05, 5)
        return first, rest, nothing

    assert asyncio.run(run()) == ([0, 1], [2], [])
