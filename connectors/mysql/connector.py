"""The MySQL / MariaDB connector."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from workbench.connectors.mysql.changes import MysqlChanges
from workbench.sdk import require
from workbench.sdk.sql import (
    Mode,
    SqlConfig,
    column_list,
    naive_utc,
    row_tuples,
    update_assignments,
)

if TYPE_CHECKING:
    import pyarrow as pa

_COLUMNS = (
    "select column_name, column_type, is_nullable = 'YES', column_default, column_key = 'PRI' "
    "from information_schema.columns "
    "where table_schema = coalesce(%(s)s, database()) and table_name = %(t)s "
    "order by ordinal_position"
)


class MysqlConfig(SqlConfig):
    """A MySQL or MariaDB server: host, port, database, user, password (or ``url``)."""

    schemes: ClassVar[tuple[str, ...]] = ("mysql", "mariadb")
    default_port: ClassVar[int | None] = 3306

    charset: str = Field("utf8mb4", description="Connection character set")


class Mysql(MysqlChanges):
    """MySQL and MariaDB: bound queries to DataFrames (through ConnectorX and Arrow),
    batched multi-row inserts, upserts (ON DUPLICATE KEY UPDATE), metadata, transactions,
    and row changes as events (``row_changed``, after ``track_changes``).

    Zoned timestamps are written as UTC (DATETIME has no zone); DDL statements commit
    implicitly in MySQL, so a ``replace`` cannot be rolled back.

    Example:
        >>> from workbench.connectors.mysql import Mysql, MysqlConfig
        >>> db = Mysql(MysqlConfig(host="127.0.0.1", user="root", database="test"))
        >>> db.query("select :a + 1 as b", a=41).data
        [{'b': 42}]
        >>> db.close()
    """

    name = "mysql"
    auth_kinds = ("password",)
    title = "MySQL / MariaDB"
    config_model = MysqlConfig
    config: MysqlConfig
    backslash_escapes = True
    quote = "`"
    driver = "pymysql"
    fast_reader = "connectorx"

    def open_connection(self) -> Any:
        pymysql = require("pymysql", "mysql")
        target = self.config.target()
        timeout = self.config.connect_timeout
        db = pymysql.connect(
            host=target.host,
            port=target.port or 3306,
            user=target.user or "root",
            password=target.password or "",
            database=target.database,
            charset=self.config.charset,
            connect_timeout=timeout,
            read_timeout=timeout,  # pymysql bounds only the TCP connect by connect_timeout,
            write_timeout=timeout,  # not the handshake and login that follow it
            autocommit=False,
        )
        db._read_timeout = db._write_timeout = None  # queries themselves take their time
        return db

    def failure_reason(self, exc: BaseException) -> str:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        if code == 1049:
            return f"database {self.config.target().database!r} does not exist"
        if code in (1044, 1045, 1698):
            return "authentication failed"
        if code in (2002, 2003, 2005, 2013):
            return "host unreachable"
        return str(exc.args[-1]) if exc.args else type(exc).__name__

    def server_version(self, cursor: Any) -> str:
        cursor.execute("select version()")
        version = str(cursor.fetchone()[0])
        product = "MariaDB" if "mariadb" in version.lower() else "MySQL"
        return f"{product} {version.split('-')[0]}"

    def fast_read(self, sql: str, params: dict[str, Any]) -> pa.Table | None:
        if params:  # ConnectorX takes no parameters, and values are never inlined
            return None
        target = self.config.target()
        url = target.with_scheme("mysql").url()
        try:
            connectorx = require("connectorx", "mysql")
            table: pa.Table = connectorx.read_sql(url, sql, return_type="arrow")
            return table
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # ConnectorX panics (a BaseException) on types it cannot read
            return None

    def copy_rows(
        self, cursor: Any, table: str, data: pa.Table, mode: Mode, key: list[str]
    ) -> None:
        columns = column_list(data.column_names, self.quote)
        marks = ", ".join(["%s"] * data.num_columns)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        if mode == "upsert":
            sql += " ON DUPLICATE KEY UPDATE " + update_assignments(
                data.column_names, key, self.quote, "VALUES({})".format
            )
        rows = row_tuples(naive_utc(data))
        for start in range(0, len(rows), 10_000):  # pymysql sends multi-row INSERTs
            cursor.executemany(sql, rows[start : start + 10_000])

    def column_type(self, kind: pa.DataType, is_json: bool, is_key: bool) -> str:
        import pyarrow as pa

        if is_json:
            return "JSON"
        if pa.types.is_boolean(kind):
            return "BOOLEAN"
        if pa.types.is_integer(kind):
            unsigned = " UNSIGNED" if pa.types.is_unsigned_integer(kind) else ""
            size = (
                "SMALLINT" if kind.bit_width <= 16 else "INT" if kind.bit_width <= 32 else "BIGINT"
            )
            return size + unsigned
        if pa.types.is_floating(kind):
            return "FLOAT" if kind.bit_width <= 32 else "DOUBLE"
        if pa.types.is_decimal(kind):
            return f"DECIMAL({min(kind.precision, 65)}, {kind.scale})"
        if pa.types.is_timestamp(kind):
            return "DATETIME(6)"
        if pa.types.is_date(kind):
            return "DATE"
        if pa.types.is_time(kind):
            return "TIME(6)"
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return "VARBINARY(255)" if is_key else "LONGBLOB"
        return "VARCHAR(255)" if is_key else "LONGTEXT"

    def _tables_sql(self) -> str:
        return (
            "select table_schema, table_name, "
            "case table_type when 'BASE TABLE' then 'table' when 'VIEW' then 'view' "
            "else lower(table_type) end "
            "from information_schema.tables where table_schema = database() order by 2"
        )

    def _columns_rows(self, cursor: Any, table: str) -> list[dict[str, Any]]:
        schema, _, name = table.rpartition(".")
        cursor.execute(_COLUMNS, {"s": schema or None, "t": name})
        return [
            {"name": n, "type": t, "nullable": bool(nl), "default": d, "primary_key": bool(pk)}
            for n, t, nl, d, pk in cursor.fetchall()
        ]

    def _row_estimate(self, cursor: Any, table: str) -> int | None:
        schema, _, name = table.rpartition(".")
        cursor.execute(
            "select table_rows from information_schema.tables "
            "where table_schema = coalesce(%(s)s, database()) and table_name = %(t)s",
            {"s": schema or None, "t": name},
        )
        row = cursor.fetchone()
        return None if row is None or row[0] is None else int(row[0])
