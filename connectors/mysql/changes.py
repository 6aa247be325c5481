"""Row changes of MySQL and MariaDB tables as events: ``track_changes``,
``untrack_changes`` and the ``row_changed`` trigger (see :mod:`workbench.triggers.changes`).

``track_changes("orders")`` creates the change table ``wb_changes`` in the connection's
database (once) and three row triggers on the table (AFTER INSERT, UPDATE and DELETE,
named ``wb_changes_<operation>_<table>``) that write one change row per row change.

A MySQL trigger cannot turn a row into JSON generically, so the triggers name the
table's columns, read when they are installed: **a column added later is not reported
until ``track_changes`` runs again**, which refreshes the triggers of a tracked table
(with the table locked for writes meanwhile, so no change slips between the old triggers
and the new ones). Decimals are written as text, binary values as ``\\x`` and hex, BIT
values as numbers. The triggers run with the rights of the user who installed them.

There is no notification: readers look at the change table every ``poll`` seconds. Each
reader reads in READ COMMITTED with ``FOR UPDATE SKIP LOCKED`` where the server has it
(MariaDB 10.6, MySQL 8.0), so two readers of one table share its changes and a
transaction that is still open holds nobody up; on older servers two readers may read
the same changes (the inbox drops the repeats).

Example:
    >>> import uuid
    >>> from workbench.connectors.mysql import Mysql, MysqlConfig
    >>> db = Mysql(MysqlConfig(host="127.0.0.1", user="root", database="test"))
    >>> table = f"wb_doctest_{uuid.uuid4().hex[:8]}"
    >>> _ = db.execute(f"create table {table} (id int primary key, status varchar(20))")
    >>> db.track_changes(table).data["installed"]
    True
    >>> _ = db.execute(f"insert into {table} values (1, 'paid')")
    >>> [(e.type, e.data["row"]) for e in next(db.row_changed(table))]
    [('row.inserted', {'id': 1, 'status': 'paid'})]
    >>> db.untrack_changes(table).data["discarded"]  # never acknowledged
    1
    >>> _ = db.execute(f"drop table {table}")
    >>> db.close()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from workbench.connectors.mysql.change_feed import MysqlChangeFeed
from workbench.connectors.mysql.change_sql import (
    CHANGE_TABLE_SQL,
    COLUMNS,
    OURS,
    TABLE,
    USERS,
    canonical,
    quote,
    trigger_name_for,
    trigger_sql,
)
from workbench.sdk import action, redact, require
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.sql import SqlConfig, SqlConnector
from workbench.sdk.triggers.changes import (
    CHANGE_TABLE,
    OPERATIONS,
    ChangeFeed,
    RowChangedTrigger,
)

_NO_PRIVILEGE = {1044, 1142, 1227, 1419}


class MysqlChanges(RowChangedTrigger, SqlConnector):
    """The change tracking actions and the ``row_changed`` trigger of MySQL / MariaDB."""

    config: SqlConfig

    @action
    def track_changes(self, table: str) -> dict[str, Any]:
        """Install what ``row_changed`` reads on a table: the change table, row triggers.

        On a tracked table it refreshes the triggers (run it after adding a column).

        Args:
            table: the table (``database.table`` allowed)
        """
        label = f"{self.connection}.track_changes"
        with self._installing(label, table) as cursor:
            home = self._home(cursor, label)
            schema, name = self._resolve(cursor, label, table)
            changes = quote(home, CHANGE_TABLE)
            cursor.execute(CHANGE_TABLE_SQL.format(changes=changes))
            old = self._ours(cursor, schema, name)
            target = quote(schema, name)
            tracked_as = canonical(schema, name)
            literal = self._connection().escape
            cursor.execute(f"LOCK TABLES {target} WRITE")  # no write slips between triggers
            try:
                columns = self._columns(cursor, schema, name)
                for trigger_name in old:
                    cursor.execute(f"DROP TRIGGER {quote(schema, trigger_name)}")
                for operation in OPERATIONS:
                    cursor.execute(
                        trigger_sql(operation, schema, name, tracked_as, changes, columns, literal)
                    )
            finally:
                cursor.execute("UNLOCK TABLES")
        return {
            "table": table,
            "change_table": f"{home}.{CHANGE_TABLE}",
            "triggers": [trigger_name_for(op, name, tracked_as) for op in OPERATIONS],
            "columns": [c for c, _, _ in columns],
            "installed": not old,
        }

    @action
    def untrack_changes(self, table: str) -> dict[str, Any]:
        """Remove the row triggers ``track_changes`` installed, with the unread changes.

        The change table goes too once no table is tracked.

        Args:
            table: the table (``database.table`` allowed)
        """
        label = f"{self.connection}.untrack_changes"
        with self._installing(label, table) as cursor:
            home = self._home(cursor, label)
            schema, name = self._split(cursor, label, table)
            old = self._ours(cursor, schema, name)
            for trigger_name in old:
                cursor.execute(f"DROP TRIGGER {quote(schema, trigger_name)}")
            changes = quote(home, CHANGE_TABLE)
            discarded, dropped = 0, False
            cursor.execute(TABLE, {"s": home, "t": CHANGE_TABLE})
            if cursor.fetchone() is not None:
                cursor.execute(
                    f"DELETE FROM {changes} WHERE table_name = %(n)s",
                    {"n": canonical(schema, name)},
                )
                discarded = max(cursor.rowcount, 0)
                cursor.execute(USERS, {"c": changes})
                if not cursor.fetchone()[0]:
                    cursor.execute(f"DROP TABLE {changes}")
                    dropped = True
            if not old and not discarded:
                cursor.execute(TABLE, {"s": schema, "t": name})
                if cursor.fetchone() is None:
                    raise ActionArgumentError(f"{label}: no table named {table!r}")
        was = bool(old)
        return {"table": table, "was_tracked": was, "discarded": discarded, "dropped": dropped}

    def _change_feed(self, label: str, table: str, operations: tuple[str, ...]) -> ChangeFeed:
        return MysqlChangeFeed(self, label, table, operations)

    # -- catalog and statements ------------------------------------------------------------

    @contextlib.contextmanager
    def _installing(self, label: str, table: str) -> Iterator[Any]:
        """A cursor holding the install lock of the server; privilege errors explained."""
        pymysql = require("pymysql", "mysql")
        try:
            with self._cursor() as cursor:
                cursor.execute("SELECT GET_LOCK(%(k)s, 30)", {"k": CHANGE_TABLE})
                if not cursor.fetchone()[0]:
                    raise ActionError(f"{label}: another install holds the lock; try again")
                try:
                    yield cursor
                finally:
                    cursor.execute("SELECT RELEASE_LOCK(%(k)s)", {"k": CHANGE_TABLE})
        except pymysql.err.MySQLError as exc:
            code = exc.args[0] if exc.args else None
            if code in _NO_PRIVILEGE:
                raise ActionError(
                    redact(
                        f"{label}: no privilege to install change tracking on {table!r} "
                        f"({exc.args[-1]}); the user needs the TRIGGER and LOCK TABLES "
                        "privileges on the table, CREATE, INSERT and DELETE in the change "
                        "table's database and, with binary logging on, SUPER or "
                        "log_bin_trust_function_creators"
                    )
                ) from None
            raise

    def _home(self, cursor: Any, label: str) -> str:
        cursor.execute("SELECT DATABASE()")
        home = cursor.fetchone()[0]
        if not home:
            raise ActionArgumentError(
                f"{label}: the connection names no database; the change table lives in it"
            )
        return str(home)

    def _split(self, cursor: Any, label: str, table: str) -> tuple[str, str]:
        """``database.table`` (or a table of the connection's database) as its two names."""
        schema, _, name = table.rpartition(".")
        if not name or "\x00" in table:
            raise ActionArgumentError(f"{label}: not a valid table name: {table!r}")
        return (schema or self._home(cursor, label)), name

    def _resolve(self, cursor: Any, label: str, table: str) -> tuple[str, str]:
        schema, name = self._split(cursor, label, table)
        cursor.execute(TABLE, {"s": schema, "t": name})
        row = cursor.fetchone()
        if row is None:
            raise ActionArgumentError(f"{label}: no table named {table!r}")
        if row[0] != "BASE TABLE":
            raise ActionArgumentError(
                f"{label}: {table!r} is a {str(row[0]).lower()}; only tables can be tracked"
            )
        return schema, name

    def _columns(self, cursor: Any, schema: str, name: str) -> list[tuple[str, str, int | None]]:
        cursor.execute(COLUMNS, {"s": schema, "t": name})
        return [(str(c), str(t).lower(), k) for c, t, k in cursor.fetchall()]

    def _ours(self, cursor: Any, schema: str, name: str) -> list[str]:
        cursor.execute(OURS, {"s": schema, "t": name})
        return [str(row[0]) for row in cursor.fetchall()]

    def _new_connection(self) -> Any:
        """A connection of its own (a reader's), failing as the connector's would."""
        try:
            return self.open_connection()
        except Exception as exc:
            raise self._failed(exc) from None
