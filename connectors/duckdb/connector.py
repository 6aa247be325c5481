"""The DuckDB connector."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import Field

from workbench.sdk import require
from workbench.sdk.sql import DatabaseConfig, Mode, SqlConnector, column_list, update_assignments

if TYPE_CHECKING:
    import pyarrow as pa

_CHANGES = re.compile(r"^\s*(insert|update|delete)\b", re.I)
# Statements a read-only connection refuses beyond the writes DuckDB itself refuses: they
# attach a database read-write, or write files and extensions.
_REFUSED = {"ATTACH", "DETACH", "COPY", "COPY_DATABASE", "EXPORT", "LOAD", "EXTENSION"}


class DuckdbConfig(DatabaseConfig):
    """Which DuckDB database file to open (``:memory:`` for a scratch database)."""

    path: str = Field(":memory:", description="Database file (':memory:' for a scratch one)")
    read_only: bool = Field(
        False, description="Open the file read-only; writes, ATTACH, COPY, EXPORT are refused"
    )


class Duckdb(SqlConnector):
    """DuckDB, in process: bound queries to Arrow-backed DataFrames, DataFrame inserts
    straight from Arrow, upserts, metadata and transactions.

    Example:
        >>> from workbench.connectors.duckdb import Duckdb
        >>> db = Duckdb()
        >>> db.query("select :a + 1 as b, '{name}' as braces", a=41).data
        [{'b': 42, 'braces': '{name}'}]
        >>> db.check().startswith("DuckDB v")
        True
    """

    name = "duckdb"
    title = "DuckDB"
    config_model = DuckdbConfig
    config: DuckdbConfig
    paramstyle = "qmark"
    driver = "duckdb"
    fast_reader = "duckdb-arrow"
    product = "DuckDB"

    def open_connection(self) -> Any:
        duckdb = require("duckdb", "duckdb")
        return duckdb.connect(self.config.path, read_only=self.config.read_only)

    def location(self) -> str:
        return self.config.path

    def begin(self, db: Any) -> None:
        db.begin()

    def new_cursor(self, db: Any) -> Any:
        return _Cursor(db, self._guard)  # duckdb's cursor() has a transaction of its own

    def _guard(self, sql: str) -> None:
        """Refuse, on a read-only connection, what would lift read-only or write files."""
        if not self.config.read_only:
            return
        duckdb = require("duckdb", "duckdb")
        for statement in duckdb.extract_statements(sql):
            if (kind := statement.type.name) in _REFUSED:
                raise self.read_only_error(f"{kind.replace('_', ' ')} is refused")

    def refusal(self, exc: BaseException) -> str | None:
        text = str(exc)
        if "read-only mode" not in text:
            return None
        return text.splitlines()[0].removeprefix("Invalid Input Error: ")

    def server_version(self, cursor: Any) -> str:
        cursor.execute("select version()")
        return str(cursor.fetchone()[0])

    def fast_read(self, sql: str, params: dict[str, Any]) -> pa.Table | None:
        text, values = self._bind(sql, params)
        self._guard(text)
        relation = self._connection().sql(text, params=values or None)
        if relation is None:
            return None
        table: pa.Table = relation.to_arrow_table()
        return table

    def copy_rows(
        self, cursor: Any, table: str, data: pa.Table, mode: Mode, key: list[str]
    ) -> None:
        view = f"_wb_frame_{uuid.uuid4().hex}"
        db = self._connection()
        db.register(view, data)
        try:
            columns = column_list(data.column_names, self.quote)
            sql = f'INSERT INTO {table} ({columns}) SELECT {columns} FROM "{view}"'
            if mode == "upsert":
                updates = update_assignments(
                    data.column_names, key, self.quote, "EXCLUDED.{}".format
                )
                sql += f" ON CONFLICT ({column_list(key, self.quote)}) DO UPDATE SET {updates}"
            db.execute(sql)
        finally:
            db.unregister(view)

    def column_type(self, kind: pa.DataType, is_json: bool, is_key: bool) -> str:
        import pyarrow as pa

        if is_json:
            return "JSON"
        if pa.types.is_timestamp(kind):
            return "TIMESTAMPTZ" if kind.tz else "TIMESTAMP"
        if pa.types.is_large_string(kind) or pa.types.is_string(kind):
            return "VARCHAR"
        if pa.types.is_decimal(kind):
            return f"DECIMAL({kind.precision}, {kind.scale})"
        names = {
            pa.bool_(): "BOOLEAN", pa.int8(): "TINYINT", pa.int16(): "SMALLINT",
            pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.uint64(): "UBIGINT",
            pa.float32(): "REAL", pa.float64(): "DOUBLE", pa.date32(): "DATE",
            pa.binary(): "BLOB", pa.large_binary(): "BLOB",
        }  # fmt: skip
        return names.get(kind, "VARCHAR")

    def _tables_sql(self) -> str:
        return (
            "select schema_name, table_name, 'table' from duckdb_tables() where not internal "
            "union all select schema_name, view_name, 'view' from duckdb_views() "
            "where not internal order by 1, 2"
        )

    def _columns_rows(self, cursor: Any, table: str) -> list[dict[str, Any]]:
        schema, _, name = table.rpartition(".")
        cursor.execute(
            "select c.column_name, c.data_type, c.is_nullable, c.column_default, "
            "coalesce(list_contains(k.constraint_column_names, c.column_name), false) "
            "from duckdb_columns() c left join duckdb_constraints() k "
            "on k.table_oid = c.table_oid and k.constraint_type = 'PRIMARY KEY' "
            "where c.table_name = ? and c.schema_name = coalesce(?, current_schema()) "
            "order by c.column_index",
            [name, schema or None],
        )
        return [
            {"name": n, "type": t, "nullable": bool(nl), "default": d, "primary_key": bool(pk)}
            for n, t, nl, d, pk in cursor.fetchall()
        ]

    def _row_estimate(self, cursor: Any, table: str) -> int | None:
        schema, _, name = table.rpartition(".")
        cursor.execute(
            "select estimated_size from duckdb_tables() "
            "where table_name = ? and schema_name = coalesce(?, current_schema())",
            [name, schema or None],
        )
        row = cursor.fetchone()
        return None if row is None else int(row[0])


class _Cursor:
    """A DB-API-style cursor over the DuckDB connection itself (same transaction)."""

    def __init__(self, db: Any, guard: Callable[[str], None]) -> None:
        self._db = db
        self._guard = guard
        self.rowcount = -1

    @property
    def description(self) -> Any:
        return self._db.description

    def execute(self, sql: str, params: Any = None) -> None:
        self._guard(sql)
        self._db.execute(sql, params)
        if _CHANGES.match(sql):
            row = self._db.fetchone()
            self.rowcount = int(row[0]) if row else -1

    def executemany(self, sql: str, rows: Any) -> None:
        self._guard(sql)
        self._db.executemany(sql, rows)
        self.rowcount = len(rows)

    def fetchall(self) -> list[Any]:
        return list(self._db.fetchall())

    def fetchone(self) -> Any:
        return self._db.fetchone()

    def close(self) -> None:
        """Nothing to release: the connection stays open."""
