"""What the database change triggers share: change rows as events, the rule that filters
them, and the loop that reads a change table.

A tracked table has row triggers that write one *change row* per inserted, updated or
deleted row into a change table (``wb_changes``): a UUID, the operation, the old and new
row as JSON, the changed columns and the time. A reader takes the rows of its table from
that table, yields them as a batch of events, and deletes exactly those rows when it is
resumed (the acknowledgment). There is no cursor: a change written while no reader runs,
or by a transaction that commits after later ones were read, is still in the table and
is read next time. Two readers of one table share its rows (or read some twice, where the
database cannot skip locked rows: the inbox drops the repeats). A reader that takes only
some operations leaves the others in the change table for a reader that takes them.

Each change becomes an :class:`~workbench.sdk.Event` whose id is the change's UUID, type
``row.inserted``, ``row.updated`` or ``row.deleted``, subject ``table/key`` and data
``{"table", "operation", "row", "old", "changed"}``: ``row`` is the new row (the old one
for a delete), ``old`` the row before (None for an insert), ``changed`` the columns an
update changed (every column for an insert or a delete).

Example:
    >>> from datetime import UTC, datetime
    >>> change = Change("0b7c", "update", old={"id": 7, "status": "paid"},
    ...                 new={"id": 7, "status": "shipped"}, changed=["status"],
    ...                 time=datetime(2024, 5, 1, tzinfo=UTC))
    >>> event = change.event("shop.row_changed", "orders", key=["id"])
    >>> event.type, event.subject, event.data["changed"]
    ('row.updated', 'orders/7', ['status'])
    >>> row_matches(event, {"status": "shipped"}), row_matches(event, {"status": "paid"})
    (True, False)
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from workbench.errors import ActionArgumentError
from workbench.sdk.event import Event
from workbench.sdk.trigger import MISSING, as_text, compare, path_value

OPERATIONS = ("insert", "update", "delete")
"""The row operations a change trigger reports."""

CHANGE_TABLE = "wb_changes"
"""The change table's name, in the connection's database (or schema)."""

IDLE_SECONDS = 1.0
"""The longest wait between two looks or idle yields (the contract asks for one a second)."""

_TYPES = {"insert": "row.inserted", "update": "row.updated", "delete": "row.deleted"}


def operations_of(label: str, operations: str | Sequence[str] | None) -> tuple[str, ...]:
    """The operations a reader asked for, checked: a list, or text separated by commas.

    Example:
        >>> operations_of("shop.row_changed", "insert, delete")
        ('insert', 'delete')
        >>> operations_of("shop.row_changed", None)
        ('insert', 'update', 'delete')
        >>> operations_of("shop.row_changed", ["upsert"])
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: shop.row_changed: operations: unknown \
operation 'upsert' (expected insert, update or delete)
    """
    if operations is None:
        return OPERATIONS
    items = operations.split(",") if isinstance(operations, str) else list(operations)
    chosen: list[str] = []
    for item in items:
        name = str(item).strip().lower()
        if not name:
            continue
        if name not in OPERATIONS:
            raise ActionArgumentError(
                f"{label}: operations: unknown operation {item!r} (expected insert, update "
                "or delete)"
            )
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise ActionArgumentError(
            f"{label}: operations: name at least one of insert, update, delete"
        )
    return tuple(chosen)


def check_reading(
    label: str, *, batch: int, poll: float, max_events: int | None, timeout: float | None
) -> None:
    """Refuse reading bounds that make no sense (a batch of 0, a negative poll).

    Example:
        >>> check_reading("shop.row_changed", batch=0, poll=1, max_events=None, timeout=None)
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: shop.row_changed: batch must be at least 1, not 0
    """
    if batch < 1:
        raise ActionArgumentError(f"{label}: batch must be at least 1, not {batch}")
    if poll <= 0:
        raise ActionArgumentError(f"{label}: poll must be a positive number of seconds")
    if max_events is not None and max_events < 1:
        raise ActionArgumentError(f"{label}: max_events must be at least 1 (or None)")
    if timeout is not None and timeout < 0:
        raise ActionArgumentError(f"{label}: timeout must not be negative (or None)")


@dataclass(frozen=True)
class Change:
    """One change row: its id, the operation, the rows before and after, what changed."""

    id: str
    operation: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    changed: list[str]
    time: dt.datetime

    def event(self, source: str, table: str, key: Sequence[str]) -> Event:
        """The event of this change; ``key`` names the primary key columns."""
        row = self.old if self.operation == "delete" else self.new
        return Event(
            source=source,
            id=self.id,
            type=_TYPES[self.operation],
            time=self.time if self.time.tzinfo else self.time.replace(tzinfo=dt.UTC),
            subject=subject(table, row or {}, key),
            data={
                "table": table,
                "operation": self.operation,
                "row": row,
                "old": self.old,
                "changed": list(self.changed),
            },
        )


def subject(table: str, row: Mapping[str, Any], key: Sequence[str]) -> str:
    """``table/key``: the primary key's values joined by ``/`` (the table alone without one).

    Example:
        >>> subject("order_items", {"order_id": 7, "line": 2, "sku": "x"}, ["order_id", "line"])
        'order_items/7/2'
        >>> subject("log", {"message": "hi"}, [])
        'log'
    """
    if not key:
        return table
    return "/".join([table, *(as_text(row.get(column)) for column in key)])


def load_row(text: str | bytes | None, exact: Collection[str] = ()) -> dict[str, Any] | None:
    """A row from its JSON text; the numbers of ``exact`` columns (decimals) stay as text.

    Other fractional numbers become floats, so the row is JSON-ready.

    Example:
        >>> load_row('{"price": 2.50, "weight": 1.25, "n": 3}', exact={"price"})
        {'price': '2.50', 'weight': 1.25, 'n': 3}
    """
    if text is None:
        return None
    row = json.loads(text, parse_float=Decimal)
    if not isinstance(row, dict):
        raise ValueError(f"a change row holds {type(row).__name__}, not a JSON object")
    return {
        name: str(value) if name in exact and _is_number(value) else _floats(value)
        for name, value in row.items()
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def _floats(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


def in_order(row: dict[str, Any] | None, columns: Sequence[str]) -> dict[str, Any] | None:
    """The row with its keys in the table's column order (unknown keys last).

    Example:
        >>> in_order({"b": 2, "a": 1, "z": 0}, ["a", "b"])
        {'a': 1, 'b': 2, 'z': 0}
    """
    if row is None:
        return None
    ordered = {name: row[name] for name in columns if name in row}
    ordered.update((name, value) for name, value in row.items() if name not in ordered)
    return ordered


def json_ready(value: Any) -> Any:
    """A database value as JSON holds it: dates, times, decimals, UUIDs and bytes as text.

    Example:
        >>> from decimal import Decimal
        >>> json_ready({"at": dt.date(2024, 5, 1), "price": Decimal("2.50"), "raw": b"\\x01"})
        {'at': '2024-05-01', 'price': '2.50', 'raw': '\\\\x01'}
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return str(value)


def row_matches(event: Event, filters: Mapping[str, str]) -> bool:
    """The filter rule of the row change triggers: every ``key=value`` filter passes.

    A filter naming a column matches when the row has that value and, for an update,
    did not have it before: ``status=shipped`` is "the order *became* shipped" (for a
    delete, the deleted row is compared). Where an update's old row is unknown, the
    column must be among the changed ones instead. ``operation``, ``type``, ``subject``
    and ``table`` compare with the change itself, ``changed=status`` holds when status
    changed, and ``row.NAME`` or ``old.NAME`` compare one side plainly (also for a
    column named like one of those keys). Values compare as text; ``*`` and ``?`` are
    wildcards.

    Example:
        >>> e = Event(source="shop.row_changed", id="1", type="row.updated",
        ...           subject="orders/7", data={"table": "orders", "operation": "update",
        ...           "row": {"id": 7, "status": "shipped"}, "old": {"id": 7, "status": "paid"},
        ...           "changed": ["status"]})
        >>> row_matches(e, {"status": "shipped", "operation": "update"})
        True
        >>> row_matches(e, {"id": "7"})          # id did not become 7 in this update
        False
        >>> row_matches(e, {"row.id": "7", "changed": "stat*", "old.status": "paid"})
        True
    """
    data = event.data if isinstance(event.data, Mapping) else {}
    for key, wanted in filters.items():
        if key in ("type", "subject"):
            found = getattr(event, key)
        elif key in ("operation", "table"):
            found = data.get(key)
        elif key == "changed":
            if not any(compare(name, wanted) for name in data.get("changed") or ()):
                return False
            continue
        elif key.startswith(("row.", "old.")):
            found = path_value(data, key)
        else:
            if not _became(data, key, wanted):
                return False
            continue
        if not compare(found, wanted):
            return False
    return True


def _became(data: Mapping[str, Any], column: str, wanted: str) -> bool:
    row, old = data.get("row"), data.get("old")
    if not isinstance(row, Mapping) or not compare(row.get(column, MISSING), wanted):
        return False
    if data.get("operation") != "update":
        return True
    if isinstance(old, Mapping):
        return not compare(old.get(column, MISSING), wanted)
    return column in (data.get("changed") or ())


class ChangeFeed(Protocol):
    """One reader's hold on a change table (its own database connections)."""

    def fetch(self, limit: int) -> list[Event]:
        """Up to ``limit`` unread changes of the table, oldest first, as events."""

    def acknowledge(self, events: list[Event]) -> None:
        """Delete the change rows of ``events`` (they are stored) and end the read."""

    def release(self) -> None:
        """End a read without deleting anything (the rows stay for the next read)."""

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for news of the table; True when something woke it."""

    def close(self) -> None:
        """Release what the feed holds; what it read and did not acknowledge stays."""


def follow(
    open_feed: Callable[[], ChangeFeed],
    *,
    batch: int,
    max_events: int | None,
    timeout: float | None,
    poll: float,
) -> Iterator[list[Event] | None]:
    """The yields of a change trigger: batches of changes, ``None`` when there is nothing new.

    The feed is opened on the first ``next()``. A batch is acknowledged when the generator
    is resumed after it, and released (read again later) when the generator is closed
    there. The table is read at once when the feed is woken, else every ``poll``
    seconds; ``None`` is yielded after each empty look and at least every second. Stops
    after ``max_events`` events or ``timeout`` quiet seconds (``None``: never).
    """
    feed = open_feed()
    try:
        delivered = 0
        quiet_since = time.monotonic()
        next_look = 0.0
        woken = True
        while max_events is None or delivered < max_events:
            if woken or time.monotonic() >= next_look:
                limit = batch if max_events is None else min(batch, max_events - delivered)
                events = feed.fetch(limit)
                if events:
                    try:
                        yield events
                    except GeneratorExit:
                        feed.release()
                        raise
                    feed.acknowledge(events)
                    delivered += len(events)
                    quiet_since = time.monotonic()
                    continue
                feed.release()
                next_look = time.monotonic() + poll
            waited = time.monotonic() - quiet_since
            if timeout is not None and waited >= timeout:
                return
            yield None
            left = IDLE_SECONDS if timeout is None else timeout - waited
            woken = feed.wait(max(0.0, min(IDLE_SECONDS, next_look - time.monotonic(), left)))
    finally:
        feed.close()
