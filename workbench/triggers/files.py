"""What the file and object trigger sources share: the marker of what was seen, and delivery.

A folder or a bucket prefix has no queue to acknowledge: a source that watches one keeps,
in its marker (``trigger_state``), a *fingerprint* of every file it has reported (a
modification time and size, an ETag). :class:`Seen` holds that marker: it tells new and
changed items from seen ones, and forgets the items that no longer exist, so the marker
stays as large as the folder's content. :func:`deliver` turns what a source finds into
the batches a trigger yields: it marks a batch as seen *before* yielding it (the reader
saves the marker in the same transaction as the batch's events), counts ``max_events``,
ends after ``timeout`` quiet seconds, and passes on the source's idle ``None``.

Example:
    >>> from workbench.sdk import Event
    >>> state = {}
    >>> seen = Seen(state)
    >>> seen.change("a.csv", [1, 10]), seen.change("a.csv", [1, 10])
    ('created', 'created')
    >>> found = [Sighting("a.csv", [1, 10], Event(source="s", id="a.csv:1:10"))]
    >>> batches = deliver(iter([found, None]), seen, max_events=None, timeout=None)
    >>> [e.id for e in next(batches)], state
    (['a.csv:1:10'], {'seen': {'a.csv': [1, 10]}})
    >>> seen.change("a.csv", [1, 10]), seen.change("a.csv", [2, 12])
    (None, 'changed')
    >>> next(batches) is None
    True
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Collection, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from workbench.sdk.event import Event

BATCH_SIZE = 500
"""The most events one yield carries."""

IDLE_SECONDS = 0.5
"""How often an idle source yields ``None`` (the contract asks for at least every second)."""

MARKER_FIELD = "seen"

Change = Literal["created", "changed"]


@dataclass(frozen=True)
class Sighting:
    """An item a source found that its marker does not hold: key, fingerprint, its event."""

    key: str
    fingerprint: Any
    event: Event


class Seen:
    """The marker of what a source has reported: key -> fingerprint, kept in ``state``.

    Fingerprints are JSON values (a list of numbers, a string), compared as JSON gives
    them back. A marker that is not a mapping of keys to fingerprints is started afresh.

    Example:
        >>> state = {"seen": {"gone.csv": [1, 2], "kept.csv": [3, 4]}}
        >>> seen = Seen(state)
        >>> seen.keep_only({"kept.csv"})
        1
        >>> state
        {'seen': {'kept.csv': [3, 4]}}
    """

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        entries = state.get(MARKER_FIELD)
        if not isinstance(entries, dict):
            entries = {}
            state[MARKER_FIELD] = entries
        self._entries: dict[str, Any] = entries

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def change(self, key: str, fingerprint: Any) -> Change | None:
        """``created`` for a key not seen, ``changed`` for a new fingerprint, else None."""
        if key not in self._entries:
            return "created"
        return None if self._entries[key] == fingerprint else "changed"

    def mark(self, sightings: Iterable[Sighting]) -> list[tuple[str, Any]]:
        """Record ``sightings`` as seen; return what :meth:`restore` needs to undo it."""
        undo = []
        for sighting in sightings:
            undo.append((sighting.key, self._entries.get(sighting.key)))
            self._entries[sighting.key] = sighting.fingerprint
        return undo

    def restore(self, undo: list[tuple[str, Any]]) -> None:
        """Undo a :meth:`mark`: the keys get back the fingerprints they had (or none)."""
        for key, before in reversed(undo):
            if before is None:
                self._entries.pop(key, None)
            else:
                self._entries[key] = before

    def forget(self, key: str) -> None:
        """Drop ``key`` and every key below it (``key/...``): the item is gone.

        Example:
            >>> state = {"seen": {"in/a": [1, 1], "in/b": [1, 1], "index": [1, 1]}}
            >>> Seen(state).forget("in")
            >>> state
            {'seen': {'index': [1, 1]}}
        """
        self._entries.pop(key, None)
        below = key.rstrip("/") + "/"
        for name in [name for name in self._entries if name.startswith(below)]:
            del self._entries[name]

    def keep_only(self, existing: Collection[str]) -> int:
        """Drop every key not in ``existing`` (a complete listing); return how many went."""
        gone = [key for key in self._entries if key not in existing]
        for key in gone:
            del self._entries[key]
        return len(gone)


def deliver(
    found: Iterator[list[Sighting] | None],
    seen: Seen,
    *,
    max_events: int | None,
    timeout: float | None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[list[Event] | None]:
    """The yields of a trigger reading ``found``: batches of events, or ``None`` when idle.

    Each batch is marked in ``seen`` before it is yielded; when the reader closes the
    generator at that yield (the batch was not stored), the marks are undone. Stops after
    ``max_events`` events, or when ``timeout`` seconds pass with none; ``None`` for
    either means never. ``found`` is closed at the end.
    """
    delivered = 0
    quiet_since = time.monotonic()
    try:
        for sightings in found:
            if not sightings:
                if timeout is not None and time.monotonic() - quiet_since >= timeout:
                    return
                yield None
                continue
            for chunk in _chunks(sightings, batch_size):
                if max_events is not None:
                    chunk = chunk[: max_events - delivered]
                undo = seen.mark(chunk)
                try:
                    yield [s.event for s in chunk]
                except GeneratorExit:
                    seen.restore(undo)
                    raise
                delivered += len(chunk)
                quiet_since = time.monotonic()
                if max_events is not None and delivered >= max_events:
                    return
    finally:
        close = getattr(found, "close", None)
        if close is not None:
            close()


def _chunks(items: list[Sighting], size: int) -> Iterator[list[Sighting]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
