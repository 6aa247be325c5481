"""The reader of a PostgreSQL table's changes: ``SELECT ... FOR UPDATE SKIP LOCKED`` on a
reading connection, ``LISTEN`` on another (see :mod:`workbench.connectors.postgresql.changes`).

A feed read and released leaves the changes where they were:

Example:
    >>> import uuid
    >>> from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
    >>> pg = Postgresql(PostgresqlConfig(host="127.0.0.1", user="postgres", database="test"))
    >>> table = f"wb_doctest_{uuid.uuid4().hex[:8]}"
    >>> _ = pg.execute(f"create table {table} (id int primary key)")
    >>> _ = pg.track_changes(table)
    >>> _ = pg.execute(f"insert into {table} values (1)")
    >>> feed = PostgresqlChangeFeed(pg, "pg.row_changed", table, ("insert",))
    >>> [e.subject for e in feed.fetch(10)] == [f"{table}/1"]
    True
    >>> feed.release()
    >>> feed.close()
    >>> pg.untrack_changes(table).data["discarded"]
    1
    >>> _ = pg.execute(f"drop table {table}")
    >>> pg.close()
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from workbench.connectors.postgresql.change_sql import (
    CHANNEL,
    DELETE_SQL,
    FETCH_SQL,
    TABLE_INFO,
    name_sql,
    statement,
)
from workbench.sdk import Event, redact, require
from workbench.sdk.errors import ActionError
from workbench.sdk.triggers.changes import CHANGE_TABLE, Change, in_order, load_row

if TYPE_CHECKING:
    from workbench.connectors.postgresql.changes import PostgresqlChanges


class PostgresqlChangeFeed:
    """A reader of one table's changes: a reading connection and a listening one."""

    def __init__(
        self, connector: PostgresqlChanges, label: str, table: str, operations: tuple[str, ...]
    ) -> None:
        self.psycopg = require("psycopg", "postgres")
        self.label, self.table, self.operations = label, table, list(operations)
        self.source = f"{connector.connection}.row_changed"
        self.db: Any = None
        self.listener = connector._new_connection(autocommit=True)
        try:
            self.listener.execute(f"listen {CHANNEL}")
            self.db = connector._new_connection()
            with self.db.cursor() as cursor:
                schema = connector._schema(cursor)
                target = connector._resolve(cursor, label, table)
                if target is None or not connector._tracked(cursor, target, schema):
                    raise ActionError(
                        f"{label}: table {table!r} is not tracked; install its change trigger "
                        "first with the action track_changes: "
                        f"{connector.connection}.track_changes(table={table!r})"
                    )
                self.target, self.changes = target, name_sql(schema, CHANGE_TABLE)
                self._describe(cursor)
            self.db.rollback()
        except BaseException:
            self.close()
            raise

    def _describe(self, cursor: Any) -> None:
        """Column order, decimal columns and primary key of the table."""
        cursor.execute(TABLE_INFO, {"t": self.target.quoted})
        rows = cursor.fetchall()
        self.columns = [name for name, *_ in rows]
        self.exact = {name for name, _, numeric, _ in rows if numeric}
        self.key = [row[0] for row in sorted(rows, key=_key_place) if row[1]]

    def fetch(self, limit: int) -> list[Event]:
        params = {"table": self.target.canonical, "operations": self.operations, "limit": limit}
        try:
            with self.db.cursor() as cursor:
                cursor.execute(statement(FETCH_SQL, changes=self.changes), params)
                rows = cursor.fetchall()
                changes = [self._change(row) for row in rows]
                if any(set(c.new or c.old or ()) - set(self.columns) for c in changes):
                    self._describe(cursor)  # a column was added since the reader started
                    changes = [self._change(row) for row in rows]
        except self.psycopg.errors.UndefinedTable:
            self.db.rollback()
            raise ActionError(
                f"{self.label}: the change table of {self.table!r} is gone; track the table "
                f"again with track_changes(table={self.table!r})"
            ) from None
        except self.psycopg.Error as exc:
            raise ActionError(redact(f"{self.label}: reading changes failed: {exc}")) from None
        return [c.event(self.source, self.table, self.key) for c in changes]

    def _change(self, row: tuple[Any, ...]) -> Change:
        change_id, operation, old, new, changed, at = row
        order = {name: i for i, name in enumerate(self.columns)}
        return Change(
            id=change_id,
            operation=operation,
            old=in_order(load_row(old, self.exact), self.columns),
            new=in_order(load_row(new, self.exact), self.columns),
            changed=sorted(changed, key=lambda name: order.get(name, len(order))),
            time=at,
        )

    def acknowledge(self, events: list[Event]) -> None:
        try:
            with self.db.cursor() as cursor:
                delete = statement(DELETE_SQL, changes=self.changes)
                cursor.execute(delete, {"ids": [e.id for e in events]})
            self.db.commit()
        except self.psycopg.Error as exc:
            raise ActionError(
                redact(f"{self.label}: acknowledging changes failed: {exc}")
            ) from None

    def release(self) -> None:
        self.db.rollback()

    def wait(self, seconds: float) -> bool:
        """Wait for a notification about the table; once one came, take the queued ones."""
        deadline = time.monotonic() + seconds
        woken = False
        while True:
            left = 0.0 if woken else deadline - time.monotonic()
            if left <= 0 and not woken:
                return False
            try:
                notes = list(self.listener.notifies(timeout=left, stop_after=1))
            except self.psycopg.Error as exc:
                message = f"{self.label}: listening for changes failed: {exc}"
                raise ActionError(redact(message)) from None
            if not notes:
                return woken
            woken = woken or any(n.payload == self.target.canonical for n in notes)

    def close(self) -> None:
        for connection in (self.db, self.listener):
            if connection is not None and not connection.closed:
                with contextlib.suppress(self.psycopg.Error):
                    connection.rollback()
                connection.close()


def _key_place(row: tuple[Any, ...]) -> int:
    return int(row[3]) if row[3] is not None else 0
