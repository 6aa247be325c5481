"""A stream consumer group as a trigger source: XREADGROUP, XACK once stored, XAUTOCLAIM.

Each process reads as its own consumer of the group (``host-pid``, or a given name). An
entry is acknowledged (XACK) only when the reader resumes after storing its event; until
then it stays in the consumer's pending list. On opening, the consumer first reads its own
pending entries again (those a stopped reading left), then new ones (``>``). Entries left
pending by a consumer that died are claimed (XAUTOCLAIM) once idle for ``claim_idle``
seconds, and consumers with nothing pending and idle that long leave the group. The event
id is the entry id, the same on every delivery.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from workbench.connectors.redis.records import stream_event, text
from workbench.sdk import Event, require
from workbench.sdk.errors import ActionArgumentError, ActionError

if TYPE_CHECKING:
    from workbench.connectors.redis.connector import Redis

Entry = tuple[Any, dict[Any, Any]]


def process_consumer() -> str:
    """The consumer name of this process: ``host-pid``.

    Example:
        >>> process_consumer().endswith(f"-{os.getpid()}")
        True
    """
    return f"{socket.gethostname()}-{os.getpid()}"


class GroupReader:
    """One consumer of a stream's group, read by :func:`~workbench.messaging.follow`.

    Example:
        >>> from workbench.sdk.messaging import follow
        >>> from workbench.connectors.redis import Redis, RedisConfig
        >>> with Redis(RedisConfig(host="127.0.0.1"), connection="cache") as cache:
        ...     _ = cache.publish("wb:doctest:group", {"n": 1}, kind="stream")
        ...     reader = GroupReader(cache, "wb:doctest:group", group="g", start="0",
        ...                          consumer="c", claim_idle=60)
        ...     [e.data for e in follow(reader, max_events=1, timeout=2)]
        ...     cache.delete(["wb:doctest:group"]).data
        [{'n': 1}]
        1
    """

    def __init__(
        self,
        cache: Redis,
        key: str,
        *,
        group: str,
        start: str,
        consumer: str | None,
        claim_idle: float,
    ) -> None:
        self.cache, self.key, self.group, self.start = cache, key, group, start
        self.consumer = consumer or process_consumer()
        self.claim_idle = claim_idle
        self.source = f"{cache.connection}.stream"
        if claim_idle <= 0:
            raise ActionArgumentError(f"{self.source}: claim_idle must be more than 0 seconds")
        self._own: str | None = "0"  # where in our own pending entries to read next
        self._claim_from = "0-0"
        self._claim_at = 0.0

    def open(self) -> None:
        module = require("redis", "redis")
        try:
            self.cache.client().xgroup_create(self.key, self.group, id=self.start, mkstream=True)
        except module.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise ActionError(f"{self.source}: {self.key!r}: {exc}") from None

    def receive(self, wait: float, limit: int) -> list[Entry]:
        if self._own is not None:
            entries = self._read(self._own, limit, None)
            if entries:
                self._own = text(entries[-1][0])
                return entries
            self._own = None
        if time.monotonic() >= self._claim_at:
            entries = self._claim(limit)
            if entries:
                return entries
        block = max(1, int(wait * 1000)) if wait > 0 else None
        return self._read(">", limit, block)

    def _read(self, after: str, limit: int, block: int | None) -> list[Entry]:
        replies = self.cache.client().xreadgroup(
            self.group, self.consumer, {self.key: after}, count=limit, block=block
        )
        return self._present([e for _, entries in replies or [] for e in entries])

    def _claim(self, limit: int) -> list[Entry]:
        client = self.cache.client()
        idle = int(self.claim_idle * 1000)
        reply = client.xautoclaim(
            self.key, self.group, self.consumer, idle, start_id=self._claim_from, count=limit
        )
        self._claim_from = text(reply[0])
        if self._claim_from == "0-0":  # a full pass: look again later, and tidy up
            self._claim_at = time.monotonic() + max(1.0, self.claim_idle / 2)
            for gone in client.xinfo_consumers(self.key, self.group):
                name = text(gone["name"])
                if name != self.consumer and gone["pending"] == 0 and gone["idle"] > idle:
                    client.xgroup_delconsumer(self.key, self.group, name)
        return self._present(reply[1])

    def _present(self, entries: list[Entry]) -> list[Entry]:
        """The entries that still exist; deleted ones (no fields) are acknowledged away."""
        gone = [entry_id for entry_id, fields in entries if not fields]
        if gone:
            self.cache.client().xack(self.key, self.group, *gone)
        return [entry for entry in entries if entry[1]]

    def event(self, entry: Entry) -> Event:
        return stream_event(self.source, self.key, *entry)

    def acknowledge(self, entries: Sequence[Entry]) -> None:
        self.cache.client().xack(self.key, self.group, *[entry_id for entry_id, _ in entries])

    def close(self) -> None:
        """Nothing to release: what was not acknowledged stays pending for this consumer."""
