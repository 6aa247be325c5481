"""The ``row_changed`` trigger, written once for every SQL connector that tracks changes.

A connector mixes :class:`RowChangedTrigger` in, provides ``track_changes`` and
``untrack_changes`` actions, and :meth:`~RowChangedTrigger._change_feed`, its
:class:`~workbench.triggers.changes.ChangeFeed` on one table; the trigger's inputs, checks,
filter rule and reading loop are the same everywhere (:mod:`workbench.triggers.changes`).

Example:
    >>> RowChangedTrigger.trigger_specs["row_changed"].setup
    'track_changes'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.sdk.connector import Connector
from workbench.sdk.event import Event
from workbench.sdk.trigger import trigger
from workbench.triggers.changes import (
    ChangeFeed,
    check_reading,
    follow,
    operations_of,
    row_matches,
)


class RowChangedTrigger(Connector):
    """Rows inserted, updated or deleted on a tracked table, as events."""

    change_poll: ClassVar[float] = 1.0
    """Seconds between two looks at the change table when nothing woke the reader."""

    def _change_feed(self, label: str, table: str, operations: tuple[str, ...]) -> ChangeFeed:
        """This connector's reader of ``table``'s changes."""
        raise NotImplementedError(f"{type(self).__name__}._change_feed")

    @trigger(setup="track_changes", teardown="untrack_changes", match=row_matches)
    def row_changed(
        self,
        table: str,
        operations: list[str] | str | None = None,
        batch: int = 500,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
        poll: float | None = None,
    ) -> Iterator[list[Event] | None]:
        """A row of a table was inserted, updated or deleted (after ``track_changes``).

        Bind it with column filters: ``status=shipped`` is an order that became shipped.

        Args:
            table: the tracked table (``schema.table`` allowed)
            operations: which of insert, update, delete (all by default; the others stay
                in the change table for a reader that takes them)
            batch: the most changes one read takes
            max_events: stop after this many events (None: never)
            timeout: stop when nothing changes for this many seconds (None: never)
            poll: seconds between looks when nothing woke the reader (the connector's
                own default when not given)
        """
        label = f"{self.connection}.row_changed"
        chosen = operations_of(label, operations)
        every = self.change_poll if poll is None else poll
        check_reading(label, batch=batch, poll=every, max_events=max_events, timeout=timeout)
        return follow(
            lambda: self._change_feed(label, table, chosen),
            batch=batch,
            max_events=max_events,
            timeout=timeout,
            poll=every,
        )
