"""The SQLite connector."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from pydantic import Field

from connectors.sqlite.shop import shop_path
from workbench.errors import ActionError, ConnectionFailedError
from workbench.sdk import ConnectionConfig, Connector, Result, action

_SELECT = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


class SqliteConfig(ConnectionConfig):
    """Where the database file is and how to open it."""

    path: str = Field(":memory:", description="Database file (':memory:' for a scratch database)")
    read_only: bool = Field(False, description="Open the file read-only")
    timeout: float = Field(5.0, gt=0, description="Seconds to wait for a locked database")


class Sqlite(Connector):
    """SQLite databases: SQL with bound parameters, results as DataFrames.

    The built-in connection ``shop`` is a sample store (customers, orders, order items).

    Example:
        >>> import workbench as wb
        >>> shop = wb.connect("shop")
        >>> shipped = shop.query("select count(*) as n from orders where status = :s", s="shipped")
        >>> shipped.df["n"].item() > 0
        True
    """

    name = "sqlite"
    title = "SQLite"
    category = "database"
    config_model = SqliteConfig
    config: SqliteConfig

    def __init__(self, config: SqliteConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._db: sqlite3.Connection | None = None

    @classmethod
    def presets(cls) -> dict[str, dict[str, Any]]:
        return {"shop": {"path": str(shop_path()), "read_only": True}}

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            path = self.config.path
            if path == ":memory:":
                target, uri = path, False
            else:
                mode = "ro" if self.config.read_only else "rwc"
                target, uri = f"{Path(path).expanduser().resolve().as_uri()}?mode={mode}", True
            try:
                self._db = sqlite3.connect(
                    target, uri=uri, timeout=self.config.timeout, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise ConnectionFailedError(
                    f"{self.connection}: cannot open {path}: {exc}"
                ) from None
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def check(self) -> str:
        version = self._connection().execute("select sqlite_version()").fetchone()[0]
        return f"SQLite {version} at {self.config.path}"

    @action
    def query(self, sql: str, /, **params: Any) -> Result:
        """Run a SELECT and return its rows as a DataFrame.

        Parameters are bound, never formatted into the SQL: write ``:name`` in the SQL and
        pass ``name=value``.

        Args:
            sql: the query, with ``:name`` placeholders
            params: the values of the placeholders
        """
        import pandas as pd

        table = None if params else self._fast_read(sql)
        if table is not None:
            from workbench.sql.frames import arrow_to_frame

            return Result(
                arrow_to_frame(table), raw={"columns": table.column_names, "reader": "connectorx"}
            )
        cursor = self._connection().execute(sql, params)
        columns = [d[0] for d in cursor.description or ()]
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
        return Result(frame, raw={"columns": columns, "reader": "sqlite3"})

    def _fast_read(self, sql: str) -> Any:
        """The rows as an Arrow table read by ConnectorX, when it is installed and can read
        this file and query (a SELECT with no parameters); None otherwise."""
        path = self.config.path
        if path == ":memory:" or not _SELECT.match(sql):
            return None
        try:
            import connectorx
        except ImportError:
            return None
        url = "sqlite://" + str(Path(path).expanduser().resolve())
        try:
            return connectorx.read_sql(url, sql, return_type="arrow")
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # ConnectorX panics (a BaseException) on what it cannot read
            return None

    @action
    def execute(self, sql: str, /, **params: Any) -> dict[str, int | None]:
        """Run one INSERT, UPDATE, DELETE or DDL statement in its own transaction.

        Args:
            sql: the statement, with ``:name`` placeholders
            params: the values of the placeholders
        """
        db = self._connection()
        with db:  # commits, or rolls back on error
            cursor = db.execute(sql, params)
        return {"rowcount": cursor.rowcount, "lastrowid": cursor.lastrowid}

    @action
    def tables(self) -> list[dict[str, str]]:
        """List the tables and views."""
        rows = self._connection().execute(
            "select name, type from sqlite_master "
            "where type in ('table', 'view') and name not like 'sqlite_%' order by name"
        )
        return [{"name": name, "type": kind} for name, kind in rows]

    @action
    def columns(self, table: str) -> list[dict[str, Any]]:
        """Describe a table's columns: name, type, nullable, default, primary key.

        Args:
            table: the table or view name
        """
        rows = (
            self._connection()
            .execute(
                'select name, type, "notnull", dflt_value, pk from pragma_table_info(:table)',
                {"table": table},
            )
            .fetchall()
        )
        if not rows:
            raise ActionError(f"{self.connection}.columns: no table or view named {table!r}")
        return [
            {"name": n, "type": t, "nullable": not nn, "default": d, "primary_key": bool(pk)}
            for n, t, nn, d, pk in rows
        ]
