"""Row changes of SQL Server tables as events, through SQL Server change tracking:
``track_changes``, ``untrack_changes`` and the ``row_changed`` trigger.

``track_changes("dbo.orders")`` turns change tracking on for the database (when it is off:
then it also marks the database with the extended property ``workbench_change_tracking``,
so ``untrack_changes`` turns it off again only if it was the one that turned it on) and
for the table (``TRACK_COLUMNS_UPDATED = ON``). The table needs a primary key.

``row_changed`` reads ``CHANGETABLE(CHANGES table, version)`` from the last synchronised
version, kept in ``self.trigger_state["version"]`` (the reader saves it with each batch),
and joins the table for the rows' current values. Change tracking keeps *net* changes,
so the payload differs from PostgreSQL's and MySQL's where it must: several changes of a
row between two reads are one event; ``old`` is None; a deleted row holds only its key;
``changed`` comes from the column mask; the event time is when it was read; the event id
is ``version:key``. A batch ends on a version boundary, so it may hold more than
``batch`` changes. A reader that stayed away longer than the retention period (two days)
fails with the version it lost, rather than skip changes silently.

No SQL Server runs on the development machine: this module is tested for its argument
checks, the statements it builds and the payload of a change row, never against a server.

Example:
    >>> sql = changes_sql("[dbo].[orders]", ["id", "status"], ["id"], ("update",))
    >>> print(sql[:38], "...", sql[sql.index("FROM"):])
    SELECT TOP (:limit) WITH TIES ct.SYS_C ... FROM CHANGETABLE(CHANGES [dbo].[orders], \
:version) AS ct LEFT JOIN [dbo].[orders] AS t ON t.[id] = ct.[id] WHERE \
ct.SYS_CHANGE_OPERATION IN ('U') ORDER BY ct.SYS_CHANGE_VERSION
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from workbench.sdk import Event, action, redact
from workbench.sdk.errors import ActionArgumentError, ActionError, WorkbenchError
from workbench.sdk.sql import SqlConnector
from workbench.sdk.triggers.changes import (
    Change,
    ChangeFeed,
    RowChangedTrigger,
    json_ready,
)

MARK = "workbench_change_tracking"
_CODES = {"insert": "I", "update": "U", "delete": "D"}
_OPERATIONS = {code: name for name, code in _CODES.items()}

DATABASE_TRACKED = "SELECT COUNT(*) FROM sys.change_tracking_databases WHERE database_id = DB_ID()"
ENABLE_DATABASE = (
    "ALTER DATABASE CURRENT SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON)"
)
DISABLE_DATABASE = "ALTER DATABASE CURRENT SET CHANGE_TRACKING = OFF"
MARKED = f"SELECT COUNT(*) FROM sys.extended_properties WHERE class = 0 AND name = N'{MARK}'"
ADD_MARK = f"EXEC sys.sp_addextendedproperty @name = N'{MARK}', @value = N'track_changes'"
DROP_MARK = f"EXEC sys.sp_dropextendedproperty @name = N'{MARK}'"
RESOLVE = "SELECT SCHEMA_NAME(schema_id), name FROM sys.tables WHERE object_id = OBJECT_ID(:table)"
TABLE_TRACKED = (
    "SELECT COUNT(*) FROM sys.change_tracking_tables WHERE object_id = OBJECT_ID(:table)"
)
TRACKED_TABLES = "SELECT COUNT(*) FROM sys.change_tracking_tables"
MIN_VALID = "SELECT CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID(:table))"
COLUMNS = (
    "SELECT c.name, ic.key_ordinal FROM sys.columns c "
    "LEFT JOIN sys.indexes i ON i.object_id = c.object_id AND i.is_primary_key = 1 "
    "LEFT JOIN sys.index_columns ic ON ic.object_id = c.object_id "
    "AND ic.index_id = i.index_id AND ic.column_id = c.column_id "
    "WHERE c.object_id = OBJECT_ID(:table) ORDER BY c.column_id"
)


def bracket(name: str) -> str:
    """A SQL Server identifier in brackets, ``]`` doubled inside.

    Example:
        >>> bracket("we]ird")
        '[we]]ird]'
    """
    if not name or "\x00" in name:
        raise ActionArgumentError(f"not a valid table or column name: {name!r}")
    return "[" + name.replace("]", "]]") + "]"


def enable_table_sql(table: str) -> str:
    """Turn change tracking on for ``table`` (bracketed), with the updated-columns mask."""
    return f"ALTER TABLE {table} ENABLE CHANGE_TRACKING WITH (TRACK_COLUMNS_UPDATED = ON)"


def disable_table_sql(table: str) -> str:
    """Turn change tracking off for ``table`` (bracketed)."""
    return f"ALTER TABLE {table} DISABLE CHANGE_TRACKING"


def changes_sql(
    table: str, columns: Sequence[str], key: Sequence[str], operations: Sequence[str]
) -> str:
    """The read of the changes after ``:version``: up to ``:limit`` (whole versions).

    Each row holds the version, the operation, the key, one changed flag per column
    (bound by name, ``:column_N``) and the row's current values (NULL once deleted).
    """
    flags = [
        "CASE WHEN ct.SYS_CHANGE_COLUMNS IS NULL OR CHANGE_TRACKING_IS_COLUMN_IN_MASK("
        f"COLUMNPROPERTY(OBJECT_ID(:table), :column_{i}, 'ColumnId'), ct.SYS_CHANGE_COLUMNS)"
        " = 1 THEN 1 ELSE 0 END"
        for i in range(len(columns))
    ]
    select = [
        "ct.SYS_CHANGE_VERSION",
        "ct.SYS_CHANGE_OPERATION",
        *(f"ct.{bracket(k)}" for k in key),
        *flags,
        *(f"t.{bracket(c)}" for c in columns),
    ]
    join = " AND ".join(f"t.{bracket(k)} = ct.{bracket(k)}" for k in key)
    codes = ", ".join(f"'{_CODES[op]}'" for op in operations)
    return (
        f"SELECT TOP (:limit) WITH TIES {', '.join(select)} "
        f"FROM CHANGETABLE(CHANGES {table}, :version) AS ct "
        f"LEFT JOIN {table} AS t ON {join} "
        f"WHERE ct.SYS_CHANGE_OPERATION IN ({codes}) ORDER BY ct.SYS_CHANGE_VERSION"
    )


def change_of(row: Sequence[Any], columns: Sequence[str], key: Sequence[str]) -> Change:
    """The :class:`Change` of one row of :func:`changes_sql`.

    Example:
        >>> change = change_of([7, "U", 1, 0, 1, 1, "shipped"], ["id", "status"], ["id"])
        >>> change.id, change.operation, change.new, change.changed
        ('7:1', 'update', {'id': 1, 'status': 'shipped'}, ['status'])
    """
    version, code, *rest = row
    keys = dict(zip(key, rest[: len(key)], strict=True))
    flags = rest[len(key) : len(key) + len(columns)]
    values = rest[len(key) + len(columns) :]
    operation = _OPERATIONS[str(code).strip()]
    if operation == "delete":
        new = None
        old: dict[str, Any] | None = json_ready(keys)
    else:
        new = json_ready(dict(zip(columns, values, strict=True)))
        old = None
    changed = [c for c, flag in zip(columns, flags, strict=True) if flag or operation != "update"]
    key_text = "/".join(str(json_ready(v)) for v in keys.values())
    return Change(
        id=f"{version}:{key_text}",
        operation=operation,
        old=old,
        new=new,
        changed=changed,
        time=datetime.now(UTC),
    )


class MssqlChanges(RowChangedTrigger, SqlConnector):
    """The change tracking actions and the ``row_changed`` trigger of SQL Server."""

    @action
    def track_changes(self, table: str) -> dict[str, Any]:
        """Turn SQL Server change tracking on for a table (and its database if needed).

        Args:
            table: the table (``schema.table`` allowed); it needs a primary key
        """
        label = f"{self.connection}.track_changes"
        with _explained(label, table):
            schema, name = self._resolve(label, table)
            quoted = f"{bracket(schema)}.{bracket(name)}"
            if not any(place for _, place in self._rows(COLUMNS, table=quoted)):
                raise ActionArgumentError(
                    f"{label}: {table!r} has no primary key; SQL Server change tracking needs one"
                )
            database_on = bool(self._scalar(DATABASE_TRACKED))
            if not database_on:
                self._outside_transaction(ENABLE_DATABASE, ADD_MARK)
            was = bool(self._scalar(TABLE_TRACKED, table=quoted))
            if not was:
                self._outside_transaction(enable_table_sql(quoted))
        return {"table": table, "database_enabled": not database_on, "installed": not was}

    @action
    def untrack_changes(self, table: str) -> dict[str, Any]:
        """Turn change tracking off for a table (and for the database once it enabled it).

        Change tracking keeps no reader position, so ``discarded`` is None: the changes
        not read yet are gone with the tracking.

        Args:
            table: the table (``schema.table`` allowed)
        """
        label = f"{self.connection}.untrack_changes"
        with _explained(label, table):
            schema, name = self._resolve(label, table)
            quoted = f"{bracket(schema)}.{bracket(name)}"
            was = bool(self._scalar(TABLE_TRACKED, table=quoted))
            if was:
                self._outside_transaction(disable_table_sql(quoted))
            dropped = not self._scalar(TRACKED_TABLES) and bool(self._scalar(MARKED))
            if dropped:
                self._outside_transaction(DISABLE_DATABASE, DROP_MARK)
        return {"table": table, "was_tracked": was, "discarded": None, "dropped": dropped}

    def _change_feed(self, label: str, table: str, operations: tuple[str, ...]) -> ChangeFeed:
        return MssqlChangeFeed(self, label, table, operations)

    # -- statements ------------------------------------------------------------------------

    def _scalar(self, sql: str, **params: Any) -> Any:
        text, values = self._bind(sql, params)
        with self._cursor() as cursor:
            cursor.execute(text, values)
            row = cursor.fetchone()
        return None if row is None else row[0]

    def _rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        text, values = self._bind(sql, params)
        with self._cursor() as cursor:
            cursor.execute(text, values)
            return [tuple(row) for row in cursor.fetchall()]

    def _resolve(self, label: str, table: str) -> tuple[str, str]:
        schema, _, name = table.rpartition(".")
        quoted = f"{bracket(schema)}.{bracket(name)}" if schema else bracket(name)
        rows = self._rows(RESOLVE, table=quoted)
        if not rows:
            raise ActionArgumentError(f"{label}: no table named {table!r}")
        return str(rows[0][0]), str(rows[0][1])

    def _outside_transaction(self, *statements: str) -> None:
        """Run statements in autocommit (ALTER DATABASE refuses a transaction)."""
        db = self._connection()
        raw = getattr(db, "driver_connection", db)
        setting = raw.autocommit
        _set_autocommit(raw, setting, True)
        try:
            cursor = db.cursor()
            try:
                for statement in statements:
                    cursor.execute(statement)
            finally:
                cursor.close()
        finally:
            _set_autocommit(raw, setting, False)


@contextlib.contextmanager
def _explained(label: str, table: str) -> Iterator[None]:
    """Turn SQL Server's permission errors into messages that say what to grant."""
    try:
        yield
    except WorkbenchError:
        raise
    except Exception as exc:
        text = str(exc)
        if "permission" in text.lower():
            raise ActionError(
                redact(
                    f"{label}: no privilege to change the tracking of {table!r} ({text}); the "
                    "user needs ALTER on the table and, to turn tracking on for the database, "
                    "ALTER on the database"
                )
            ) from None
        raise


class MssqlChangeFeed:
    """A reader of one table's change tracking, from the version in ``trigger_state``."""

    def __init__(
        self, connector: MssqlChanges, label: str, table: str, operations: tuple[str, ...]
    ) -> None:
        self.connector, self.label, self.table = connector, label, table
        self.source = f"{connector.connection}.row_changed"
        schema, name = connector._resolve(label, table)
        self.quoted = f"{bracket(schema)}.{bracket(name)}"
        least = connector._scalar(MIN_VALID, table=self.quoted)
        if least is None:
            raise ActionError(
                f"{label}: table {table!r} is not tracked; turn change tracking on first with "
                f"the action track_changes: {connector.connection}.track_changes(table={table!r})"
            )
        described = connector._rows(COLUMNS, table=self.quoted)
        self.columns = [str(c) for c, _ in described]
        self.key = [str(c) for c, place in sorted(described, key=_place) if place]
        if not self.key:
            raise ActionError(f"{label}: table {table!r} has no primary key")
        version = connector.trigger_state.get("version")
        if version is None:
            connector.trigger_state["version"] = int(least)
        elif int(version) < int(least):
            raise ActionError(
                f"{label}: the changes of {table!r} after version {version} were removed by "
                f"change tracking's retention (the oldest kept is {least}); start afresh by "
                "clearing this source's marker"
            )
        self.sql = changes_sql(self.quoted, self.columns, self.key, operations)
        self.before: int | None = None

    def fetch(self, limit: int) -> list[Event]:
        state = self.connector.trigger_state
        params = {"limit": limit, "version": int(state["version"]), "table": self.quoted}
        params.update({f"column_{i}": c for i, c in enumerate(self.columns)})
        rows = self.connector._rows(self.sql, **params)
        if not rows:
            return []
        self.before = int(state["version"])
        state["version"] = max(int(row[0]) for row in rows)  # saved with the batch
        changes = [change_of(row, self.columns, self.key) for row in rows]
        return [c.event(self.source, self.table, self.key) for c in changes]

    def acknowledge(self, events: list[Event]) -> None:
        self.before = None

    def release(self) -> None:
        if self.before is not None:  # the batch was not stored: read it again next time
            self.connector.trigger_state["version"] = self.before
            self.before = None

    def wait(self, seconds: float) -> bool:
        time.sleep(seconds)
        return False

    def close(self) -> None:
        self.release()


def _place(row: tuple[Any, ...]) -> int:
    return int(row[1] or 0)


def _set_autocommit(raw: Any, setting: Any, on: bool) -> None:
    if callable(setting):  # pymssql: a method
        setting(on)
    else:  # pyodbc: an attribute
        raw.autocommit = on
