"""The Microsoft SQL Server connector.

There is no SQL Server on the development machine: this connector uses the standard
clients (SQLAlchemy with ``pymssql`` or ``pyodbc``) and is tested only for what needs no
server (URL building, config validation, the install hint of a missing driver, the
statements of its change trigger).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from workbench.connectors.mssql.changes import MssqlChanges
from workbench.sdk import require
from workbench.sdk.errors import ActionError
from workbench.sdk.sql import Mode, SqlConfig, bind, column_list, row_tuples

if TYPE_CHECKING:
    import pyarrow as pa


class MssqlConfig(SqlConfig):
    """A SQL Server: host, port, database, user, password (or ``url``), driver and TLS.

    Example:
        >>> cfg = MssqlConfig(host="sql.local", database="erp", user="sa", password="Str0ng!pw")
        >>> cfg.sqlalchemy_url(hide_password=True)
        'mssql+pymssql://sa:***@sql.local:1433/erp'
    """

    schemes: ClassVar[tuple[str, ...]] = ("mssql",)
    default_port: ClassVar[int | None] = 1433

    driver: Literal["pymssql", "pyodbc"] = Field("pymssql", description="DB-API driver")
    odbc_driver: str = Field("ODBC Driver 18 for SQL Server", description="pyodbc only")
    encrypt: bool = Field(True, description="Encrypt the connection (pyodbc)")
    trust_server_certificate: bool = Field(False, description="Skip certificate checks (pyodbc)")

    def extra_options(self) -> dict[str, str]:
        if self.driver != "pyodbc":
            return {}
        return {
            "driver": self.odbc_driver,
            "Encrypt": "yes" if self.encrypt else "no",
            "TrustServerCertificate": "yes" if self.trust_server_certificate else "no",
        }

    def sqlalchemy_url(self, *, hide_password: bool = False) -> str:
        """The SQLAlchemy URL (``mssql+pymssql://`` or ``mssql+pyodbc://``)."""
        return self.target().with_scheme(f"mssql+{self.driver}").url(hide_password=hide_password)


class Mssql(MssqlChanges):
    """Microsoft SQL Server through SQLAlchemy (pymssql or pyodbc): bound queries to
    DataFrames, statements, batched inserts, metadata, transactions, and row changes as
    events through SQL Server change tracking (``row_changed``, after ``track_changes``).

    No SQL Server runs on the development machine, so this connector is exercised only
    where no server is needed; ``upsert`` and ``explain`` are not offered for it.

    Example:
        >>> from workbench.connectors.mssql import Mssql, MssqlConfig
        >>> Mssql(MssqlConfig(host="sql.local", user="sa")).location()
        'sql.local:1433/'
    """

    name = "mssql"
    auth_kinds = ("password",)
    title = "Microsoft SQL Server"
    config_model = MssqlConfig
    config: MssqlConfig
    driver = "pymssql"
    product = "SQL Server"

    def open_connection(self) -> Any:
        require(self.config.driver, "mssql")
        sqlalchemy = require("sqlalchemy", "mssql")
        engine = sqlalchemy.create_engine(
            self.config.sqlalchemy_url(), poolclass=sqlalchemy.pool.NullPool
        )
        return engine.raw_connection()

    def _bind(self, sql: str, params: dict[str, Any]) -> tuple[str, Any]:
        style = "qmark" if self.config.driver == "pyodbc" else "pyformat"
        return bind(sql, params, style)

    def server_version(self, cursor: Any) -> str:
        cursor.execute("select cast(serverproperty('ProductVersion') as nvarchar(128))")
        return str(cursor.fetchone()[0])

    def explain_sql(self, sql: str) -> str:
        raise ActionError("explain is not available for SQL Server (use SET SHOWPLAN_XML ON)")

    def copy_rows(
        self, cursor: Any, table: str, data: pa.Table, mode: Mode, key: list[str]
    ) -> None:
        if mode == "upsert":
            raise ActionError("insert_df: upsert is not available for SQL Server (use MERGE)")
        marks = ", ".join(["%s" if self.config.driver == "pymssql" else "?"] * data.num_columns)
        columns = column_list(data.column_names, self.quote)
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row_tuples(data))

    def column_type(self, kind: pa.DataType, is_json: bool, is_key: bool) -> str:
        import pyarrow as pa

        if pa.types.is_boolean(kind):
            return "BIT"
        if pa.types.is_integer(kind):
            return (
                "SMALLINT" if kind.bit_width <= 16 else "INT" if kind.bit_width <= 32 else "BIGINT"
            )
        if pa.types.is_floating(kind):
            return "REAL" if kind.bit_width <= 32 else "FLOAT"
        if pa.types.is_decimal(kind):
            return f"DECIMAL({kind.precision}, {kind.scale})"
        if pa.types.is_timestamp(kind):
            return "DATETIMEOFFSET" if kind.tz else "DATETIME2"
        if pa.types.is_date(kind):
            return "DATE"
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return "VARBINARY(MAX)"
        return "NVARCHAR(450)" if is_key else "NVARCHAR(MAX)"

    def _tables_sql(self) -> str:
        return (
            "select table_schema, table_name, "
            "case table_type when 'BASE TABLE' then 'table' else 'view' end "
            "from information_schema.tables order by 1, 2"
        )

    def _columns_rows(self, cursor: Any, table: str) -> list[dict[str, Any]]:
        schema, _, name = table.rpartition(".")
        text, values = self._bind(
            "select c.column_name, c.data_type, case c.is_nullable when 'YES' then 1 else 0 end, "
            "c.column_default, case when k.column_name is null then 0 else 1 end "
            "from information_schema.columns c left join ("
            "select u.table_schema, u.table_name, u.column_name "
            "from information_schema.table_constraints t "
            "join information_schema.key_column_usage u on u.constraint_name = t.constraint_name "
            "where t.constraint_type = 'PRIMARY KEY') k on k.table_schema = c.table_schema "
            "and k.table_name = c.table_name and k.column_name = c.column_name "
            "where c.table_name = :t and c.table_schema = coalesce(:s, schema_name()) "
            "order by c.ordinal_position",
            {"t": name, "s": schema or None},
        )
        cursor.execute(text, values)
        return [
            {"name": n, "type": t, "nullable": bool(nl), "default": d, "primary_key": bool(pk)}
            for n, t, nl, d, pk in cursor.fetchall()
        ]
