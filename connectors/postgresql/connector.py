"""The PostgreSQL connector."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from workbench.connectors.postgresql.changes import PostgresqlChanges
from workbench.sdk import require
from workbench.sdk.sql import (
    Mode,
    SqlConfig,
    Target,
    bind,
    column_list,
    csv_payload,
    row_tuples,
    update_assignments,
)

if TYPE_CHECKING:
    import pyarrow as pa

SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

_COLUMNS = """
select a.attname, format_type(a.atttypid, a.atttypmod), not a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), coalesce(a.attnum = any(i.indkey::int2[]), false)
from pg_attribute a
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
where a.attrelid = to_regclass(%(t)s) and a.attnum > 0 and not a.attisdropped
order by a.attnum
"""


class PostgresqlConfig(SqlConfig):
    """A PostgreSQL server: host, port, database, user, password (or ``url``), TLS mode."""

    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres")
    default_port: ClassVar[int | None] = 5432

    sslmode: SslMode | None = Field(None, description="libpq sslmode (prefer, require, ...)")
    application_name: str = Field("workbench", description="Shown in pg_stat_activity")
    read_only: bool = Field(
        False, description="Every transaction read-only: the server refuses writes"
    )

    def extra_options(self) -> dict[str, str]:
        options = {
            "application_name": self.application_name,
            "connect_timeout": str(self.connect_timeout),
        }
        if self.sslmode:
            options["sslmode"] = self.sslmode
        return options

    def target(self) -> Target:
        """The target; with ``read_only``, its sessions start read-only on every path
        (psycopg, ADBC, the change readers), whatever ``options`` the URL already has.

        Example:
            >>> PostgresqlConfig(host="db", read_only=True).target().options["options"]
            '-c default_transaction_read_only=on'
        """
        target = super().target()
        if not self.read_only:
            return target
        settings = target.options.get("options", "")
        read_only = "-c default_transaction_read_only=on"
        options = {**target.options, "options": f"{settings} {read_only}".strip()}
        return replace(target, options=options)


class Postgresql(PostgresqlChanges):
    """PostgreSQL: bound queries to DataFrames (through ADBC and Arrow), COPY-speed
    inserts, upserts, metadata, transactions, and row changes as events (``row_changed``,
    after ``track_changes``).

    Example:
        >>> from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
        >>> pg = Postgresql(PostgresqlConfig(host="127.0.0.1", user="postgres", database="test"))
        >>> pg.query("select :a::int + 1 as b", a=41).data
        [{'b': 42}]
        >>> pg.check().startswith("PostgreSQL ")
        True
        >>> pg.close()
    """

    name = "postgresql"
    auth_kinds = ("password",)
    title = "PostgreSQL"
    config_model = PostgresqlConfig
    config: PostgresqlConfig
    driver = "psycopg"
    fast_reader = "adbc"
    product = "PostgreSQL"

    def __init__(self, config: PostgresqlConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._adbc: Any = None

    def open_connection(self) -> Any:
        psycopg = require("psycopg", "postgres")
        return psycopg.connect(self.config.target().url())

    def close(self) -> None:
        if self._adbc is not None:
            adbc, self._adbc = self._adbc, None
            adbc.close()
        super().close()

    def failure_reason(self, exc: BaseException) -> str:
        text = str(exc).strip()
        lowered = text.lower()
        database = self.config.target().database
        if "does not exist" in lowered and "database" in lowered:
            return f"database {database!r} does not exist"
        if "password authentication failed" in lowered or "no password supplied" in lowered:
            return "authentication failed"
        if "connection refused" in lowered:
            return "host unreachable (connection refused)"
        if "timeout" in lowered or "timed out" in lowered:
            return "host unreachable (timed out)"
        if "could not translate host name" in lowered or "name or service" in lowered:
            return "host unreachable (unknown host name)"
        return text.splitlines()[-1] if text else type(exc).__name__

    def refusal(self, exc: BaseException) -> str | None:
        if getattr(exc, "sqlstate", None) != "25006":  # read_only_sql_transaction
            return None
        return str(exc).strip().splitlines()[0]

    def server_version(self, cursor: Any) -> str:
        cursor.execute("show server_version")
        return str(cursor.fetchone()[0]).split(" ")[0]

    def fast_read(self, sql: str, params: dict[str, Any]) -> pa.Table | None:
        text, values = bind(sql, params, "numeric")
        try:
            if self._adbc is None:
                dbapi = require("adbc_driver_postgresql.dbapi", "postgres")
                self._adbc = dbapi.connect(self.config.target().url(), autocommit=True)
            with self._adbc.cursor() as cursor:
                cursor.execute(text, values or None)
                table: pa.Table = cursor.fetch_arrow_table()
            return table
        except Exception:  # a parameter type or a column type ADBC cannot take
            return None

    def copy_rows(
        self, cursor: Any, table: str, data: pa.Table, mode: Mode, key: list[str]
    ) -> None:
        columns = column_list(data.column_names, self.quote)
        if mode != "upsert":
            self._copy(cursor, table, columns, data)
            return
        stage = f'"_wb_stage_{uuid.uuid4().hex}"'
        cursor.execute(f"CREATE TEMP TABLE {stage} (LIKE {table} INCLUDING DEFAULTS)")
        self._copy(cursor, stage, columns, data)
        updates = update_assignments(data.column_names, key, self.quote, "EXCLUDED.{}".format)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "
            f"ON CONFLICT ({column_list(key, self.quote)}) DO UPDATE SET {updates}"
        )
        cursor.execute(f"DROP TABLE {stage}")

    def _copy(self, cursor: Any, table: str, columns: str, data: pa.Table) -> None:
        payload = csv_payload(data)
        if payload is not None:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                view = memoryview(payload)
                for start in range(0, len(view), 1 << 20):
                    copy.write(view[start : start + (1 << 20)])
            return
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in row_tuples(data):
                copy.write_row(row)

    def column_type(self, kind: pa.DataType, is_json: bool, is_key: bool) -> str:
        import pyarrow as pa

        if is_json:
            return "jsonb"
        if pa.types.is_boolean(kind):
            return "boolean"
        if pa.types.is_int8(kind) or pa.types.is_int16(kind) or pa.types.is_uint8(kind):
            return "smallint"
        if pa.types.is_int32(kind) or pa.types.is_uint16(kind):
            return "integer"
        if pa.types.is_integer(kind):
            return "numeric(20, 0)" if pa.types.is_uint64(kind) else "bigint"
        if pa.types.is_float16(kind) or pa.types.is_float32(kind):
            return "real"
        if pa.types.is_floating(kind):
            return "double precision"
        if pa.types.is_decimal(kind):
            return f"numeric({kind.precision}, {kind.scale})"
        if pa.types.is_timestamp(kind):
            return "timestamptz" if kind.tz else "timestamp"
        if pa.types.is_date(kind):
            return "date"
        if pa.types.is_time(kind):
            return "time"
        if pa.types.is_duration(kind):
            return "interval"
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return "bytea"
        return "text"

    def _tables_sql(self) -> str:
        return (
            "select table_schema, table_name, "
            "case table_type when 'BASE TABLE' then 'table' when 'VIEW' then 'view' "
            "else lower(table_type) end "
            "from information_schema.tables "
            "where table_schema not in ('pg_catalog', 'information_schema') "
            "and table_schema not like 'pg_temp%%' order by 1, 2"
        )

    def _columns_rows(self, cursor: Any, table: str) -> list[dict[str, Any]]:
        from workbench.sdk.sql import quote_identifier

        cursor.execute(_COLUMNS, {"t": quote_identifier(table)})
        return [
            {"name": n, "type": t, "nullable": nullable, "default": d, "primary_key": pk}
            for n, t, nullable, d, pk in cursor.fetchall()
        ]

    def table_exists(self, cursor: Any, table: str) -> bool:
        from workbench.sdk.sql import quote_identifier

        cursor.execute("select to_regclass(%(t)s) is not null", {"t": quote_identifier(table)})
        return bool(cursor.fetchone()[0])

    def _row_estimate(self, cursor: Any, table: str) -> int | None:
        from workbench.sdk.sql import quote_identifier

        name = quote_identifier(table)
        cursor.execute(
            "select reltuples::bigint, relpages from pg_class where oid = to_regclass(%(t)s)",
            {"t": name},
        )
        row = cursor.fetchone()
        if row is None:
            return None
        estimate, pages = row
        if estimate >= 0:
            return int(estimate)
        if pages < 10_000:  # never analysed, and small enough to count
            cursor.execute(f"select count(*) from {name}")
            return int(cursor.fetchone()[0])
        return None
