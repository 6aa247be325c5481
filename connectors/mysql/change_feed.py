"""The reader of a MySQL / MariaDB table's changes, on a connection of its own, in READ
COMMITTED, with ``FOR UPDATE SKIP LOCKED`` where the server has it (see
:mod:`workbench.connectors.mysql.changes`).
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from workbench.connectors.mysql.change_sql import canonical, quote, skips_locked
from workbench.sdk import Event, redact, require
from workbench.sdk.errors import ActionError
from workbench.sdk.triggers.changes import CHANGE_TABLE, Change, load_row

if TYPE_CHECKING:
    from workbench.connectors.mysql.changes import MysqlChanges


class MysqlChangeFeed:
    """A reader of one table's changes, on a connection of its own."""

    def __init__(
        self, connector: MysqlChanges, label: str, table: str, operations: tuple[str, ...]
    ) -> None:
        self.pymysql = require("pymysql", "mysql")
        self.label, self.table, self.operations = label, table, operations
        self.source = f"{connector.connection}.row_changed"
        self.db = connector._new_connection()
        try:
            with self.db.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                home = connector._home(cursor, label)
                schema, name = connector._resolve(cursor, label, table)
                if not connector._ours(cursor, schema, name):
                    raise ActionError(
                        f"{label}: table {table!r} is not tracked; install its change triggers "
                        "first with the action track_changes: "
                        f"{connector.connection}.track_changes(table={table!r})"
                    )
                columns = connector._columns(cursor, schema, name)
                cursor.execute("SELECT VERSION()")
                locking = skips_locked(str(cursor.fetchone()[0]))
            self.db.rollback()
        except BaseException:
            self.close()
            raise
        self.canonical = canonical(schema, name)
        self.key = [c for c, _, k in sorted(columns, key=lambda c: c[2] or 0) if k is not None]
        self.changes = quote(home, CHANGE_TABLE)
        self.fetch_sql = (
            f"SELECT id, operation, old_row, new_row, changed, changed_at FROM {self.changes} "
            "WHERE table_name = %(t)s AND operation IN %(ops)s ORDER BY position LIMIT %(n)s"
            + (" FOR UPDATE SKIP LOCKED" if locking else "")
        )

    def fetch(self, limit: int) -> list[Event]:
        params = {"t": self.canonical, "ops": self.operations, "n": limit}
        try:
            with self.db.cursor() as cursor:
                cursor.execute(self.fetch_sql, params)
                rows = cursor.fetchall()
        except self.pymysql.err.MySQLError as exc:
            self.db.rollback()
            if exc.args and exc.args[0] == 1146:
                raise ActionError(
                    f"{self.label}: the change table of {self.table!r} is gone; track the "
                    f"table again with track_changes(table={self.table!r})"
                ) from None
            raise ActionError(redact(f"{self.label}: reading changes failed: {exc}")) from None
        return [self._change(row).event(self.source, self.table, self.key) for row in rows]

    def _change(self, row: tuple[Any, ...]) -> Change:
        change_id, operation, old, new, changed, at = row
        return Change(
            id=change_id,
            operation=operation,
            old=load_row(old),
            new=load_row(new),
            changed=list(json.loads(changed)),
            time=at,
        )

    def acknowledge(self, events: list[Event]) -> None:
        try:
            with self.db.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {self.changes} WHERE id IN %(ids)s",
                    {"ids": [e.id for e in events]},
                )
            self.db.commit()
        except self.pymysql.err.MySQLError as exc:
            message = f"{self.label}: acknowledging changes failed: {exc}"
            raise ActionError(redact(message)) from None

    def release(self) -> None:
        self.db.rollback()

    def wait(self, seconds: float) -> bool:
        time.sleep(seconds)
        return False

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None and db.open:
            with contextlib.suppress(self.pymysql.err.MySQLError):
                db.rollback()
            db.close()
