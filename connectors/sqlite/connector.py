"""The SQLite connector."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from workbench.connectors.sqlite.shop import shop_path
from workbench.sdk.errors import ConnectionFailedError
from workbench.sdk.sql import (
    DatabaseConfig,
    Mode,
    SqlConnector,
    column_list,
    row_tuples,
    update_assignments,
)

if TYPE_CHECKING:
    import pyarrow as pa

# What a read-only connection may do: read, call functions, and run transactions.
_READS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
    sqlite3.SQLITE_TRANSACTION,
    sqlite3.SQLITE_SAVEPOINT,
}
# Pragmas that take an argument yet only read (``pragma_table_info('t')``).
_READ_PRAGMAS = {
    "foreign_key_check",
    "foreign_key_list",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "quick_check",
    "table_info",
    "table_list",
    "table_xinfo",
}
# SQLite asks about writes to its schema table before the CREATE or DROP they are part of
# (and when it reads a virtual table's schema); writing it directly needs writable_schema,
# a pragma that is refused.
_SCHEMA_TABLES = {"sqlite_master", "sqlite_temp_master"}
_ROW_WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_ACTIONS = {
    getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ")
    for name in (
        "ALTER_TABLE", "ANALYZE", "ATTACH", "CREATE_INDEX", "CREATE_TABLE", "CREATE_TEMP_INDEX",
        "CREATE_TEMP_TABLE", "CREATE_TEMP_TRIGGER", "CREATE_TEMP_VIEW", "CREATE_TRIGGER",
        "CREATE_VIEW", "CREATE_VTABLE", "DELETE", "DETACH", "DROP_INDEX", "DROP_TABLE",
        "DROP_TEMP_INDEX", "DROP_TEMP_TABLE", "DROP_TEMP_TRIGGER", "DROP_TEMP_VIEW",
        "DROP_TRIGGER", "DROP_VIEW", "DROP_VTABLE", "INSERT", "PRAGMA", "REINDEX", "UPDATE",
    )
}  # fmt: skip


class SqliteConfig(DatabaseConfig):
    """Where the database file is and how to open it.

    Results are read through ConnectorX whenever it can take the query.
    """

    fast_path: ClassVar[bool] = True

    path: str = Field(":memory:", description="Database file (':memory:' for a scratch database)")
    read_only: bool = Field(
        False, description="Open the file read-only; SQLite refuses every write and ATTACH"
    )
    timeout: float = Field(5.0, gt=0, description="Seconds to wait for a locked database")


class Sqlite(SqlConnector):
    """SQLite databases: SQL with bound parameters, results as DataFrames.

    The built-in connection ``shop`` is a sample store (customers, orders, order items),
    opened read-only.

    Example:
        >>> import workbench as wb
        >>> shop = wb.connect("shop")
        >>> shipped = shop.query("select count(*) as n from orders where status = :s", s="shipped")
        >>> shipped.df["n"].item() > 0
        True
        >>> shop.execute("delete from orders")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: shop is read-only (read_only = true): DELETE ...
    """

    name = "sqlite"
    title = "SQLite"
    config_model = SqliteConfig
    config: SqliteConfig
    paramstyle = "qmark"
    driver = "sqlite3"
    fast_reader = "connectorx"
    product = "SQLite"
    explain_prefix = "EXPLAIN QUERY PLAN "
    has_schemas = False

    def __init__(self, config: SqliteConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._denied: str | None = None

    @classmethod
    def presets(cls) -> dict[str, dict[str, Any]]:
        return {"shop": {"path": str(shop_path()), "read_only": True}}

    def open_connection(self) -> Any:
        path = self.config.path
        if path == ":memory:":
            target = path
        else:
            mode = "ro" if self.config.read_only else "rwc"
            target = f"{Path(path).expanduser().resolve().as_uri()}?mode={mode}"
        try:
            db = sqlite3.connect(
                target,
                uri=True,
                timeout=self.config.timeout,
                isolation_level=None,  # transactions are begun by begin(), as for every database
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise ConnectionFailedError(f"{self.connection}: cannot open {path}: {exc}") from None
        if self.config.read_only:
            db.set_authorizer(self._authorize)
        return db

    def _authorize(
        self, code: int, arg1: str | None, arg2: str | None, _db: str | None, _by: str | None
    ) -> int:
        """Let a read-only connection read; deny every write, ATTACH and DETACH."""
        if code in _READS:
            return sqlite3.SQLITE_OK
        if code == sqlite3.SQLITE_PRAGMA and (arg2 is None or arg1 in _READ_PRAGMAS):
            return sqlite3.SQLITE_OK
        if code in _ROW_WRITES and arg1 in _SCHEMA_TABLES:
            return sqlite3.SQLITE_OK  # SQLite's own schema rows: CREATE, DROP are asked next
        if self._denied is None:
            self._denied = _describe(code, arg1, arg2)
        return sqlite3.SQLITE_DENY

    def refusal(self, exc: BaseException) -> str | None:
        if isinstance(exc, sqlite3.DatabaseError) and self._denied and "not authorized" in str(exc):
            reason, self._denied = self._denied, None
            return f"{reason} is refused"
        if isinstance(exc, sqlite3.OperationalError) and "readonly database" in str(exc):
            return str(exc)
        return None

    def location(self) -> str:
        return self.config.path

    def begin(self, db: Any) -> None:
        db.execute("BEGIN")

    def server_version(self, cursor: Any) -> str:
        cursor.execute("select sqlite_version()")
        return str(cursor.fetchone()[0])

    def check(self) -> str:
        """Open the database; return SQLite's version and the file."""
        with self._cursor() as cursor:
            version = self.server_version(cursor)
        return f"SQLite {version} at {self.config.path}"

    def fast_read(self, sql: str, params: dict[str, Any]) -> pa.Table | None:
        """The rows as an Arrow table read by ConnectorX, when it is installed and can read
        this file and query (no parameters: ConnectorX takes none); None otherwise."""
        path = self.config.path
        if path == ":memory:" or params:
            return None
        try:
            import connectorx
        except ImportError:
            return None
        url = "sqlite://" + str(Path(path).expanduser().resolve())
        try:
            table: pa.Table = connectorx.read_sql(url, sql, return_type="arrow")
            return table
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # ConnectorX panics (a BaseException) on what it cannot read
            return None

    def _execute_result(self, cursor: Any) -> dict[str, int | None]:
        return {"rowcount": cursor.rowcount, "lastrowid": cursor.lastrowid}

    def copy_rows(
        self, cursor: Any, table: str, data: pa.Table, mode: Mode, key: list[str]
    ) -> None:
        columns = column_list(data.column_names, self.quote)
        marks = ", ".join(["?"] * data.num_columns)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        if mode == "upsert":
            updates = update_assignments(data.column_names, key, self.quote, "excluded.{}".format)
            sql += f" ON CONFLICT ({column_list(key, self.quote)}) DO UPDATE SET {updates}"
        cursor.executemany(sql, [tuple(map(_value, row)) for row in row_tuples(data)])

    def column_type(self, kind: pa.DataType, is_json: bool, is_key: bool) -> str:
        import pyarrow as pa

        if is_json:
            return "JSON"
        if pa.types.is_boolean(kind) or pa.types.is_integer(kind):
            return "INTEGER"
        if pa.types.is_floating(kind):
            return "REAL"
        if pa.types.is_decimal(kind):
            return "NUMERIC"
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return "BLOB"
        return "TEXT"

    def _tables_sql(self) -> str:
        return (
            "select name, type from sqlite_master "
            "where type in ('table', 'view') and name not like 'sqlite_%' order by name"
        )

    def _columns_rows(self, cursor: Any, table: str) -> list[dict[str, Any]]:
        cursor.execute(
            'select name, type, "notnull", dflt_value, pk from pragma_table_info(?)', [table]
        )
        return [
            {"name": n, "type": t, "nullable": not nn, "default": d, "primary_key": bool(pk)}
            for n, t, nn, d, pk in cursor.fetchall()
        ]


def _describe(code: int, arg1: str | None, arg2: str | None) -> str:
    """What a denied authorizer request does: ``DELETE on orders``, ``ATTACH``."""
    action = _ACTIONS.get(code, f"action {code}")
    if code == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {arg1} = {arg2}"
    if code in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) or not arg1:
        return action
    return f"{action} on {arg1}"


def _value(value: Any) -> Any:
    """A value as SQLite stores it: decimals as text, dates and times as ISO 8601 text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value
