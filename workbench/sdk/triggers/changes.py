"""Database change triggers (see :mod:`workbench.triggers.changes`): change rows as events,
their filter rule, the reading loop of a change table, and :class:`RowChangedTrigger`, the
``row_changed`` trigger every SQL connector that tracks changes mixes in.

Example:
    >>> from datetime import UTC, datetime
    >>> from workbench.sdk.triggers.changes import Change, RowChangedTrigger
    >>> change = Change("0b7c", "insert", old=None, new={"id": 7}, changed=["id"],
    ...                 time=datetime(2024, 5, 1, tzinfo=UTC))
    >>> change.event("shop.row_changed", "orders", key=["id"]).subject
    'orders/7'
    >>> "row_changed" in RowChangedTrigger.trigger_specs
    True
"""

from workbench.triggers.changes import (
    CHANGE_TABLE,
    IDLE_SECONDS,
    OPERATIONS,
    Change,
    ChangeFeed,
    check_reading,
    follow,
    in_order,
    json_ready,
    load_row,
    operations_of,
    row_matches,
    subject,
)
from workbench.triggers.row_changes import RowChangedTrigger

__all__ = [
    "CHANGE_TABLE",
    "IDLE_SECONDS",
    "OPERATIONS",
    "Change",
    "ChangeFeed",
    "RowChangedTrigger",
    "check_reading",
    "follow",
    "in_order",
    "json_ready",
    "load_row",
    "operations_of",
    "row_matches",
    "subject",
]
