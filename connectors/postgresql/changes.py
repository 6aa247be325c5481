"""Row changes of PostgreSQL tables as events: ``track_changes``, ``untrack_changes`` and
the ``row_changed`` trigger (see :mod:`workbench.triggers.changes` for the model).

``track_changes("orders")`` installs, in one transaction (all of it or nothing):

* the change table ``wb_changes`` in the connection's current schema (once per schema),
  with an index on (table, position);
* the function ``wb_changes_record()`` next to it (``SECURITY DEFINER``, so the users who
  write the table need no rights on the change table), which writes one change row per
  row change, with ``to_jsonb`` of the old and new row (so a column added later is
  reported too), and sends ``pg_notify('wb_changes', table)`` to wake the readers;
* the row trigger ``wb_changes`` (AFTER INSERT OR UPDATE OR DELETE) on the table.

Installing again replaces the trigger and the function; ``untrack_changes`` drops the
trigger and the table's unread changes, and the change table and the function once no
table is tracked. The readers LISTEN on a connection of their own, yet always read the
change table itself, and look every ``poll`` seconds anyway: a notification only wakes
them sooner. ``SELECT ... FOR UPDATE SKIP LOCKED`` lets two readers of one table share
its changes. ``TRUNCATE`` fires no row triggers, so it is not reported.

Example:
    >>> import uuid
    >>> from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
    >>> pg = Postgresql(PostgresqlConfig(host="127.0.0.1", user="postgres", database="test"))
    >>> table = f"wb_doctest_{uuid.uuid4().hex[:8]}"
    >>> _ = pg.execute(f"create table {table} (id int primary key, status text)")
    >>> pg.track_changes(table).data["installed"]
    True
    >>> _ = pg.execute(f"insert into {table} values (1, 'paid')")
    >>> [(e.type, e.data["row"]) for e in next(pg.row_changed(table))]
    [('row.inserted', {'id': 1, 'status': 'paid'})]
    >>> _ = pg.execute(f"update {table} set status = 'shipped'")
    >>> pg.untrack_changes(table).data["discarded"]  # neither change was acknowledged
    2
    >>> _ = pg.execute(f"drop table {table}")
    >>> pg.close()
"""

from __future__ import annotations

from typing import Any

from workbench.connectors.postgresql.change_feed import PostgresqlChangeFeed
from workbench.connectors.postgresql.change_sql import (
    CANDIDATE,
    CHANGE_TABLE_SQL,
    DOLLAR_TAG,
    DROP_TRIGGER_SQL,
    FUNCTION,
    FUNCTION_SQL,
    INDEX_SQL,
    RESOLVE,
    STILL_USED,
    TRACKED,
    TRIGGER,
    TRIGGER_SQL,
    Tracked,
    name_sql,
    quoted,
    statement,
)
from workbench.sdk import action, redact, require
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.sql import SqlConfig, SqlConnector, quote_identifier
from workbench.sdk.triggers.changes import (
    CHANGE_TABLE,
    ChangeFeed,
    RowChangedTrigger,
)


class PostgresqlChanges(RowChangedTrigger, SqlConnector):
    """The change tracking actions and the ``row_changed`` trigger of PostgreSQL."""

    config: SqlConfig
    change_poll = 5.0  # NOTIFY wakes the readers; the look every 5 s is a safety net

    @action
    def track_changes(self, table: str) -> dict[str, Any]:
        """Install what ``row_changed`` reads on a table: the change table, the row trigger.

        Installing twice is fine (the trigger and its function are replaced).

        Args:
            table: the table (``schema.table`` allowed)
        """
        psycopg = require("psycopg", "postgres")
        label = f"{self.connection}.track_changes"
        try:
            with self._cursor() as cursor:
                schema = self._schema(cursor, lock=True)
                target = self._resolve(cursor, label, table)
                changes, function = name_sql(schema, CHANGE_TABLE), name_sql(schema, FUNCTION)
                was = self._tracked(cursor, target, schema)
                cursor.execute(statement(CHANGE_TABLE_SQL, changes=changes))
                cursor.execute(statement(INDEX_SQL, changes=changes))
                cursor.execute(statement(FUNCTION_SQL, function=function, changes=changes))
                cursor.execute(statement(DROP_TRIGGER_SQL, **target.sql))
                cursor.execute(statement(TRIGGER_SQL, function=function, **target.sql))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise _no_privilege(label, table, exc) from None
        return {
            "table": table,
            "change_table": f"{schema}.{CHANGE_TABLE}",
            "trigger": TRIGGER,
            "installed": not was,
        }

    @action
    def untrack_changes(self, table: str) -> dict[str, Any]:
        """Remove what ``track_changes`` installed on a table, with its unread changes.

        The change table and its function go too once no table is tracked.

        Args:
            table: the table (``schema.table`` allowed)
        """
        psycopg = require("psycopg", "postgres")
        label = f"{self.connection}.untrack_changes"
        try:
            with self._cursor() as cursor:
                schema = self._schema(cursor, lock=True)
                target = self._resolve(cursor, label, table, missing_ok=True)
                was = target is not None and self._tracked(cursor, target, schema)
                if was and target is not None:
                    cursor.execute(statement(DROP_TRIGGER_SQL, **target.sql))
                canonical = target.canonical if target else self._candidate(cursor, table)
                discarded, dropped = self._discard(cursor, schema, canonical)
                if target is None and not discarded:
                    raise ActionArgumentError(f"{label}: no table named {table!r}")
        except psycopg.errors.InsufficientPrivilege as exc:
            raise _no_privilege(label, table, exc) from None
        return {"table": table, "was_tracked": was, "discarded": discarded, "dropped": dropped}

    def _change_feed(self, label: str, table: str, operations: tuple[str, ...]) -> ChangeFeed:
        return PostgresqlChangeFeed(self, label, table, operations)

    # -- catalog -----------------------------------------------------------------------

    def _schema(self, cursor: Any, *, lock: bool = False) -> str:
        """The change table's schema (the current one); ``lock`` serialises installs."""
        cursor.execute("select current_schema()")
        schema = cursor.fetchone()[0]
        if schema is None:
            raise ActionError(f"{self.connection}: no current schema (check search_path)")
        if DOLLAR_TAG in schema:
            raise ActionArgumentError(f"{self.connection}: unusable schema name {schema!r}")
        if lock:
            cursor.execute("select pg_advisory_xact_lock(hashtext(%(k)s))", {"k": CHANGE_TABLE})
        return str(schema)

    def _resolve(
        self, cursor: Any, label: str, table: str, *, missing_ok: bool = False
    ) -> Tracked | None:
        cursor.execute(RESOLVE, {"t": quote_identifier(table)})
        row = cursor.fetchone()
        if row is None:
            if missing_ok:
                return None
            raise ActionArgumentError(f"{label}: no table named {table!r}")
        schema, name, kind, canonical = row
        if kind not in ("r", "p"):
            what = {"v": "a view", "m": "a materialized view", "f": "a foreign table"}
            raise ActionArgumentError(
                f"{label}: {table!r} is {what.get(kind, 'not a table')}; only tables can be tracked"
            )
        return Tracked(schema, name, canonical)

    def _candidate(self, cursor: Any, table: str) -> str:
        """The change rows' name of a table that no longer exists."""
        quoted = quote_identifier(table)[1:-1].split('"."')
        parts = [p.replace('""', '"') for p in quoted]
        cursor.execute(CANDIDATE, {"s": parts[0] if len(parts) > 1 else None, "n": parts[-1]})
        return str(cursor.fetchone()[0])

    def _tracked(self, cursor: Any, target: Tracked | None, schema: str) -> bool:
        if target is None:
            return False
        function = f"{quoted(schema, FUNCTION)}()"
        cursor.execute(TRACKED, {"trigger": TRIGGER, "t": target.quoted, "f": function})
        return bool(cursor.fetchone()[0])

    def _discard(self, cursor: Any, schema: str, canonical: str) -> tuple[int, bool]:
        """Delete a table's unread changes; drop the change table once nothing uses it."""
        changes = name_sql(schema, CHANGE_TABLE)
        cursor.execute("select to_regclass(%(t)s) is not null", {"t": quoted(schema, CHANGE_TABLE)})
        if not cursor.fetchone()[0]:
            return 0, False
        delete = statement("delete from {changes} where table_name = %(n)s", changes=changes)
        cursor.execute(delete, {"n": canonical})
        discarded = max(cursor.rowcount, 0)
        cursor.execute(STILL_USED, {"f": f"{quoted(schema, FUNCTION)}()"})
        if cursor.fetchone()[0]:
            return discarded, False
        cursor.execute(statement("drop table {changes}", changes=changes))
        cursor.execute(statement("drop function if exists {f}()", f=name_sql(schema, FUNCTION)))
        return discarded, True

    def _new_connection(self, **options: Any) -> Any:
        """A connection of its own (a reader's), failing as the connector's would."""
        psycopg = require("psycopg", "postgres")
        target = self.config.target()
        try:
            return psycopg.connect(
                target.url(), connect_timeout=self.config.connect_timeout, **options
            )
        except Exception as exc:
            raise self._failed(exc) from None


def _no_privilege(label: str, table: str, exc: BaseException) -> ActionError:
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    return ActionError(
        redact(
            f"{label}: no privilege to install change tracking on {table!r} ({reason}); the "
            "user must own the table (or hold TRIGGER on it) and may CREATE in the current "
            "schema"
        )
    )
