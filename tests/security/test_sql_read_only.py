"""A connection with ``read_only = true`` cannot be written through any statement: SQLite
and DuckDB files (ATTACH, VACUUM INTO, COPY and pragmas included) and PostgreSQL sessions,
on every driver path, each refusal one clear error naming the connection."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from workbench.connectors.duckdb import Duckdb, DuckdbConfig
from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
from workbench.connectors.sqlite import Sqlite, SqliteConfig
from workbench.errors import ActionArgumentError, WorkbenchError

ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"
REFUSED = r"^{name} is read-only \(read_only = true\): "


def _sqlite_file(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("create table t (id integer)")
        db.execute("insert into t values (1)")
    return path


def _rows(path: Path) -> list[tuple[int]]:
    with closing(sqlite3.connect(path)) as db:
        return list(db.execute("select id from t order by id"))


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Sqlite]:
    db = Sqlite(
        SqliteConfig(path=str(_sqlite_file(tmp_path / "main.db")), read_only=True),
        connection="lite",
    )
    yield db
    db.close()


@pytest.mark.parametrize("mode", ["?mode=rw", "?mode=rwc", ""])
def test_sqlite_attach_cannot_write_another_file(lite: Sqlite, tmp_path: Path, mode: str) -> None:
    other = _sqlite_file(tmp_path / "other.db")
    with pytest.raises(ActionArgumentError, match=REFUSED.format(name="lite") + "ATTACH") as err:
        lite.execute(f"attach '{other.as_uri()}{mode}' as other")
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no sqlite3 trace
    with pytest.raises(WorkbenchError):
        lite.execute("insert into other.t values (2)")
    assert _rows(other) == [(1,)]


@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        ("insert into t values (2)", "INSERT on t"),
        ("update t set id = 5", "UPDATE on t"),
        ("delete from t", "DELETE on t"),
        ("create table u (x)", "CREATE TABLE on u"),
        ("drop table t", "DROP TABLE on t"),
        ("alter table t add column y", "ALTER TABLE"),
        ("pragma user_version = 7", "PRAGMA user_version = 7"),
        ("pragma writable_schema = on", "PRAGMA writable_schema = on"),
        ("create temp table scratch (x)", "CREATE TEMP TABLE on scratch"),
        ("analyze", "CREATE TABLE on sqlite_stat1"),
    ],
)
def test_sqlite_writes_are_refused_by_the_engine(
    lite: Sqlite, tmp_path: Path, sql: str, refused: str
) -> None:
    with pytest.raises(ActionArgumentError, match=REFUSED.format(name="lite") + refused):
        lite.execute(sql)
    assert _rows(tmp_path / "main.db") == [(1,)]
    assert lite.query("select id from t").data == [{"id": 1}]  # the connection still reads


def test_sqlite_vacuum_into_writes_no_file(lite: Sqlite, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with pytest.raises(WorkbenchError):
        lite.execute(f"vacuum into '{copy}'")
    assert not copy.exists()


def test_sqlite_read_only_still_reads_everything(lite: Sqlite) -> None:
    assert lite.query("select id from t where id = :id", id=1).data == [{"id": 1}]
    assert lite.query("select id from t").raw["reader"] == "connectorx"
    assert lite.tables().data == [{"name": "t", "type": "table"}]
    assert lite.columns("t").data[0]["name"] == "id"
    assert lite.describe("t").data["columns"][0]["type"] == "INTEGER"
    assert lite.explain("select * from t where id = :id", id=1).data
    assert lite.query("pragma table_info(t)").data[0]["name"] == "id"
    with lite.transaction():
        assert lite.query("select count(*) as n from t").data == [{"n": 1}]


@pytest.fixture
def duck_file(tmp_path: Path) -> Path:
    path = tmp_path / "main.duckdb"
    writer = Duckdb(DuckdbConfig(path=str(path)))
    writer.execute("create table t (id integer)")
    writer.execute("insert into t values (1)")
    writer.close()
    return path


def test_duckdb_attach_read_write_cannot_write_another_file(
    duck_file: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.duckdb"
    writer = Duckdb(DuckdbConfig(path=str(other)))
    writer.execute("create table t (id integer)")
    writer.close()
    lake = Duckdb(DuckdbConfig(path=str(duck_file), read_only=True), connection="lake")
    with pytest.raises(ActionArgumentError, match=REFUSED.format(name="lake") + "ATTACH"):
        lake.execute(f"attach '{other}' as other (read_write)")
    with pytest.raises(ActionArgumentError, match="lake is read-only"):
        lake.execute("insert into t values (2)")
    lake.close()
    reader = Duckdb(DuckdbConfig(path=str(other), read_only=True))
    assert reader.query("select count(*) as n from t").data == [{"n": 0}]
    reader.close()


def test_duckdb_copy_to_writes_no_file(duck_file: Path, tmp_path: Path) -> None:
    lake = Duckdb(DuckdbConfig(path=str(duck_file), read_only=True), connection="lake")
    out = tmp_path / "out.csv"
    with pytest.raises(ActionArgumentError, match=REFUSED.format(name="lake") + "COPY"):
        lake.execute(f"copy t to '{out}'")
    assert not out.exists()
    assert lake.query("select id from t").data == [{"id": 1}]
    lake.close()


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    name = f"wb_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}") as db:
            db.execute("create table t (id int)")
            db.execute("insert into t values (1)")
            db.execute("create sequence s")
    yield name
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def _pg(database: str, **fields: object) -> Postgresql:
    config = PostgresqlConfig(host="127.0.0.1", user="postgres", database=database, **fields)
    return Postgresql(config, connection="report")


@pytest.mark.parametrize(
    "sql",
    ["insert into t values (2)", "update t set id = 3", "delete from t", "drop table t",
     "create table u (x int)"],
)  # fmt: skip
def test_postgresql_read_only_is_enforced_by_the_server(pg_database: str, sql: str) -> None:
    db = _pg(pg_database, read_only=True)
    with pytest.raises(
        ActionArgumentError,
        match=REFUSED.format(name="report") + r"cannot execute \w+( \w+)? in a read-only",
    ):
        db.execute(sql)
    with pytest.raises(ActionArgumentError, match="report is read-only"):
        db.query(sql + " returning *" if sql.startswith(("insert", "update", "delete")) else sql)
    db.close()
    writer = _pg(pg_database)
    assert writer.query("select id from t").data == [{"id": 1}]
    writer.close()


@pytest.mark.parametrize("fast_path", [True, False], ids=["adbc", "psycopg"])
def test_postgresql_read_only_holds_on_every_driver_path(pg_database: str, fast_path: bool) -> None:
    db = _pg(
        pg_database, read_only=True, fast_path=fast_path, options={"options": "-c work_mem=8MB"}
    )
    shown = db.query(
        "select current_setting('transaction_read_only') as ro, "
        "current_setting('work_mem') as work_mem"
    )
    assert shown.data == [{"ro": "on", "work_mem": "8MB"}]  # the user's options are kept
    assert shown.raw["reader"] == ("adbc" if fast_path else "psycopg")
    with pytest.raises(ActionArgumentError, match=r"cannot execute nextval\(\)"):
        db.query("select nextval('s')")
    db.close()
