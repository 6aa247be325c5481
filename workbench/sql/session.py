"""Connections and transactions of the SQL connectors: the one place a database
connection is opened, kept, and committed or rolled back.

Example:
    >>> from workbench.connectors.duckdb import Duckdb
    >>> db = Duckdb()
    >>> with db.transaction():
    ...     _ = db.execute("create table t (id integer)")
    ...     _ = db.execute("insert into t values (1)")
    >>> db.query("select count(*) as n from t").data
    [{'n': 1}]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Self

from workbench.errors import ActionArgumentError, ConnectionFailedError, WorkbenchError
from workbench.sdk import Connector
from workbench.sql.config import DatabaseConfig, SqlConfig
from workbench.sql.shutdown import closed_at_exit
from workbench.sql.urls import scrub


@closed_at_exit
class SqlSession(Connector):
    """A connector holding one DB-API connection (autocommit off) and its transactions.

    A subclass opens the driver's connection in :meth:`open_connection`; every statement
    runs through :meth:`_cursor`, inside :meth:`transaction`. A connection whose config has
    ``read_only = true`` is made read-only by the database itself (a subclass opens it so);
    a write it refuses is reported by :meth:`read_only_error`.
    """

    config: DatabaseConfig
    product: ClassVar[str] = ""

    def __init__(self, config: DatabaseConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._db: Any = None
        self._depth = 0

    def open_connection(self) -> Any:
        """A new DB-API connection with autocommit off (raise the driver's error)."""
        raise NotImplementedError

    def failure_reason(self, exc: BaseException) -> str:
        """A short reason for a failed connection (authentication, host, database)."""
        return f"{type(exc).__name__}: {exc}"

    def location(self) -> str:
        """Where the database is, for messages: ``host:port/database``."""
        if isinstance(self.config, SqlConfig):
            target = self.config.target()
            return f"{target.host}:{target.port}/{target.database or ''}"
        return self.connection

    @property
    def read_only(self) -> bool:
        """True when the connection's config asks for ``read_only``."""
        return bool(getattr(self.config, "read_only", False))

    def refusal(self, exc: BaseException) -> str | None:
        """The database's reason when ``exc`` is a write it refused as read-only, else None."""
        return None

    def read_only_error(self, reason: str) -> ActionArgumentError:
        """The error of a write refused on a read-only connection.

        Example:
            >>> from workbench.connectors.duckdb import Duckdb
            >>> str(Duckdb(connection="lake").read_only_error("INSERT is refused"))
            'lake is read-only (read_only = true): INSERT is refused'
        """
        return ActionArgumentError(f"{self.connection} is read-only (read_only = true): {reason}")

    def new_cursor(self, db: Any) -> Any:
        """A cursor of ``db`` that shares its transaction."""
        return db.cursor()

    def begin(self, db: Any) -> None:
        """Start a transaction on ``db`` (drivers with autocommit off start one implicitly)."""

    def server_version(self, cursor: Any) -> str:
        """The server's version number."""
        raise NotImplementedError

    def _connection(self) -> Any:
        if self._db is None:
            try:
                self._db = self.open_connection()
            except WorkbenchError:
                raise
            except Exception as exc:
                raise self._failed(exc) from None
        return self._db

    def _failed(self, exc: BaseException) -> ConnectionFailedError:
        reason = self.failure_reason(exc)
        where = self.location()
        return ConnectionFailedError(
            scrub(f"{self.connection}: cannot connect to {where}: {reason}")
        )

    def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            db.close()

    def check(self) -> str:
        """Open a connection; return the product, server version and where it answered."""
        with self._cursor() as cursor:
            version = self.server_version(cursor)
        label = f"{self.product} {version}" if self.product else version
        return f"{label} on {self.location()}"

    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """Everything inside commits together, or rolls back together on an error.

        Nested blocks join the outermost one. Reads inside use the plain driver, so they
        see the transaction's own uncommitted writes.
        """
        db = self._connection()
        if self._depth == 0:
            self.begin(db)
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                db.rollback()
            raise
        self._depth -= 1
        if self._depth == 0:
            db.commit()

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self.transaction():
            cursor = self.new_cursor(self._connection())
            try:
                yield cursor
            except WorkbenchError:
                raise
            except Exception as exc:
                reason = self.refusal(exc) if self.read_only else None
                if reason is None:
                    raise
                raise self.read_only_error(reason) from None
            finally:
                cursor.close()
