"""The base of the SQL connectors: bound queries to DataFrames (Arrow fast path first),
statements, DataFrame inserts, metadata, and transactions.

A subclass opens its driver's connection in :meth:`SqlConnector.open_connection` and fills
in the database's dialect (SQL for metadata, column types, upsert syntax). What every
database gets the same way is kept here: ``query`` runs exactly one statement, the driver's
connection (with its ``connect_timeout``) is opened before any Arrow reader is tried, and
a write a read-only connection refuses is one clear error (see :mod:`workbench.sql.session`).

Example:
    >>> from workbench.connectors.duckdb import Duckdb
    >>> db = Duckdb()
    >>> with db.transaction():
    ...     _ = db.execute("create table t (id integer, name text)")
    ...     _ = db.execute_many("insert into t values (:id, :name)", [{"id": 1, "name": "a"}])
    >>> db.query("select * from t where name = :n", n="a").data
    [{'id': 1, 'name': 'a'}]
    >>> db.query("select 1; drop table t")
    Traceback (most recent call last):
    ...
    workbench.errors.ActionArgumentError: duckdb.query runs exactly one statement; this SQL holds 2
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.errors import ActionArgumentError, ActionError
from workbench.sdk import Result, action
from workbench.sql.frames import arrow_to_frame, rows_to_frame
from workbench.sql.insert import Mode, check_mode, frame_to_arrow, quote_identifier
from workbench.sql.params import Style, bind, statements
from workbench.sql.session import SqlSession

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa  # type: ignore[import-untyped]

_READ_ONLY = re.compile(
    r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*(select|values|table|show)\b", re.I | re.S
)


class SqlConnector(SqlSession):
    """Shared actions of the SQL connectors (``postgresql``, ``mysql``, ``duckdb``, ``mssql``)."""

    category = "database"
    paramstyle: ClassVar[Style] = "pyformat"
    backslash_escapes: ClassVar[bool] = False
    quote: ClassVar[str] = '"'
    driver: ClassVar[str] = ""
    explain_prefix: ClassVar[str] = "EXPLAIN "
    fast_reader: ClassVar[str] = ""
    has_schemas: ClassVar[bool] = True

    # -- what a dialect provides -------------------------------------------------------

    def explain_sql(self, sql: str) -> str:
        """The statement that shows the plan of ``sql``."""
        return self.explain_prefix + sql

    def fast_read(self, sql: str, params: dict[str, Any]) -> pa.Table | None:
        """Read through an Arrow reader, or return None when it cannot take the query."""
        return None

    def copy_rows(
        self, cursor: Any, table: str, data: pa.Table, mode: Mode, key: list[str]
    ) -> None:
        """Write the rows of ``data`` into the existing ``table`` (quoted)."""
        raise NotImplementedError

    def column_type(self, kind: pa.DataType, is_json: bool, is_key: bool) -> str:
        """The SQL type of a new column holding ``kind``."""
        raise NotImplementedError

    def table_exists(self, cursor: Any, table: str) -> bool:
        """True when ``table`` (unquoted, maybe schema-qualified) exists."""
        return bool(self._columns_rows(cursor, table))

    def _bind(self, sql: str, params: dict[str, Any]) -> tuple[str, Any]:
        return bind(sql, params, self.paramstyle, backslash_escapes=self.backslash_escapes)

    def _one_statement(self, sql: str, action: str) -> None:
        count = statements(sql, backslash_escapes=self.backslash_escapes)
        if count > 1:
            raise ActionArgumentError(
                f"{self.connection}.{action} runs exactly one statement; this SQL holds {count}"
            )

    def _execute_result(self, cursor: Any) -> dict[str, int | None]:
        return {"rowcount": cursor.rowcount}

    def _tables_sql(self) -> str:
        raise NotImplementedError

    def _columns_rows(self, cursor: Any, table: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _row_estimate(self, cursor: Any, table: str) -> int | None:
        return None

    # -- actions -------------------------------------------------------------------------

    @action
    def query(self, sql: str, /, **params: Any) -> Result:
        """Run a query and return its rows as a DataFrame.

        Exactly one statement: SQL holding a second one after a ``;`` is refused before
        anything runs (a ``;`` inside a literal or a comment, or a trailing one, is fine).
        Parameters are bound, never formatted into the SQL: write ``:name`` in the SQL and
        pass ``name=value``. Results come through an Arrow reader where one can take the
        query, else through the driver; both give ArrowDtype columns where Arrow has a type.

        Args:
            sql: the query, with ``:name`` placeholders
            params: the values of the placeholders
        """
        self._one_statement(sql, "query")
        self._connection()  # fails within connect_timeout, before any Arrow reader tries
        if self.config.fast_path and self._depth == 0 and _READ_ONLY.match(sql):
            table = self.fast_read(sql, params)
            if table is not None:
                raw = {"columns": table.column_names, "reader": self.fast_reader}
                return Result(arrow_to_frame(table), raw=raw)
        text, values = self._bind(sql, params)
        with self._cursor() as cursor:
            cursor.execute(text, values)
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall() if cursor.description else []
        return Result(rows_to_frame(columns, rows), raw={"columns": columns, "reader": self.driver})

    @action
    def execute(self, sql: str, /, **params: Any) -> dict[str, int | None]:
        """Run one statement (INSERT, UPDATE, DELETE, DDL) in its own transaction.

        Inside ``with conn.transaction():`` it joins that transaction instead.

        Args:
            sql: the statement, with ``:name`` placeholders
            params: the values of the placeholders
        """
        text, values = self._bind(sql, params)
        with self._cursor() as cursor:
            cursor.execute(text, values)
            return self._execute_result(cursor)

    @action
    def execute_many(self, sql: str, rows: list[dict[str, Any]]) -> dict[str, int | None]:
        """Run one statement once per row of parameters, all in one transaction.

        Args:
            sql: the statement, with ``:name`` placeholders
            rows: one dict of placeholder values per execution
        """
        if not rows:
            return {"rowcount": 0}
        text, _ = self._bind(sql, rows[0])
        batch = [self._bind(sql, row)[1] for row in rows]
        with self._cursor() as cursor:
            cursor.executemany(text, batch)
            count = cursor.rowcount
        return {"rowcount": count if count is not None and count >= 0 else len(rows)}

    @action
    def insert_df(
        self, table: str, df: pd.DataFrame, mode: Mode = "append", key: list[str] | None = None
    ) -> dict[str, Any]:
        """Write a DataFrame's rows into a table, in one transaction.

        ``append`` adds rows (creating the table from the frame's types if it is missing);
        ``replace`` drops and recreates the table first; ``upsert`` inserts or updates the
        rows whose ``key`` columns match (the key must be unique in the table).

        Args:
            table: the table name (``schema.table`` allowed); it is quoted, never formatted
            df: the rows to write
            mode: append, replace or upsert
            key: the key columns of an upsert (and the primary key of a created table)
        """
        keys = list(key or [])
        check_mode(mode, keys, [str(c) for c in df.columns])
        data, json_columns = frame_to_arrow(df)
        qualified = quote_identifier(table, self.quote)
        with self._cursor() as cursor:
            if mode == "replace":
                cursor.execute(f"DROP TABLE IF EXISTS {qualified}")
            if mode == "replace" or not self.table_exists(cursor, table):
                from workbench.sql.insert import create_table_sql

                cursor.execute(
                    create_table_sql(
                        qualified, data, json_columns, self.column_type, self.quote, keys
                    )
                )
            if data.num_rows:
                self.copy_rows(cursor, qualified, data, mode, keys)
        return {"table": table, "rows": data.num_rows, "mode": mode}

    @action
    def tables(self) -> list[dict[str, str]]:
        """List the tables and views (schema, where the database has them; name; type)."""
        with self._cursor() as cursor:
            cursor.execute(self._tables_sql())
            keys = ("schema", "name", "type") if self.has_schemas else ("name", "type")
            return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    @action
    def columns(self, table: str) -> list[dict[str, Any]]:
        """Describe a table's columns: name, type, nullable, default, primary key.

        Args:
            table: the table or view name (``schema.table`` allowed)
        """
        with self._cursor() as cursor:
            rows = self._columns_rows(cursor, table)
        if not rows:
            raise ActionError(f"{self.connection}.columns: no table or view named {table!r}")
        return rows

    @action
    def describe(self, table: str) -> dict[str, Any]:
        """A table's columns (types, nullability) and its estimated row count.

        Args:
            table: the table or view name (``schema.table`` allowed)
        """
        with self._cursor() as cursor:
            rows = self._columns_rows(cursor, table)
            if not rows:
                raise ActionError(f"{self.connection}.describe: no table or view named {table!r}")
            estimate = self._row_estimate(cursor, table)
        return {"table": table, "columns": rows, "row_estimate": estimate}

    @action
    def explain(self, sql: str, /, **params: Any) -> Result:
        """The database's plan for a query (exactly one statement), as rows of text.

        Args:
            sql: the query, with ``:name`` placeholders
            params: the values of the placeholders
        """
        self._one_statement(sql, "explain")
        text, values = self._bind(self.explain_sql(sql), params)
        with self._cursor() as cursor:
            cursor.execute(text, values)
            lines = [" ".join(str(v) for v in row if v is not None) for row in cursor.fetchall()]
        return Result([{"plan": line} for line in lines], raw={"sql": sql})
