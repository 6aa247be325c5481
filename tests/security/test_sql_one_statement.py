"""``query`` and ``explain`` run exactly one statement on every SQL connector: a second one
after a ``;`` is refused before anything runs, while a ``;`` inside a literal, a quoted
identifier or a comment, or a trailing one, is part of the one statement."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scratch_databases import mariadb_database, postgres_database

from workbench.connectors.duckdb import Duckdb, DuckdbConfig
from workbench.connectors.mysql import Mysql, MysqlConfig
from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
from workbench.connectors.sqlite import Sqlite, SqliteConfig
from workbench.errors import ActionArgumentError
from workbench.sql.connector import SqlConnector

ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"
SECOND = [
    "select 1; drop table t",
    "select 1 as a;\ndrop table t;",
    "select ';' as a; drop table t",
    "select 1 /* ; */; drop table t",
]
ONE = [
    "select ';' as a",
    "select ';' as a;",
    "select 1 as a -- ; drop table t",
    "select 1 as a /* ; drop table t */ ;  ",
]


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    with postgres_database() as name:
        yield name


@pytest.fixture(scope="module")
def my_database() -> Iterator[str]:
    with mariadb_database() as name:
        yield name


Opener = Callable[..., SqlConnector]


@pytest.fixture(params=["postgresql", "duckdb", "sqlite", "mysql"])
def opener(
    request: pytest.FixtureRequest, tmp_path: Path, pg_database: str, my_database: str
) -> Iterator[Opener]:
    opened: list[SqlConnector] = []

    def open_(**fields: object) -> SqlConnector:
        db: SqlConnector
        if request.param == "postgresql":
            pg = PostgresqlConfig(host="127.0.0.1", user="postgres", database=pg_database)
            db = Postgresql(pg.model_copy(update=fields), connection="db")
        elif request.param == "mysql":
            my = MysqlConfig(host="127.0.0.1", user="root", database=my_database)
            db = Mysql(my.model_copy(update=fields), connection="db")
        elif request.param == "duckdb":
            db = Duckdb(DuckdbConfig(path=str(tmp_path / "t.duckdb"), **fields), connection="db")
        else:
            db = Sqlite(SqliteConfig(path=str(tmp_path / "t.db")), connection="db")
        opened.append(db)
        return db

    yield open_
    for db in opened:
        db.close()


@pytest.fixture
def db(opener: Opener) -> SqlConnector:
    connector = opener()
    connector.execute("drop table if exists t")
    connector.execute("create table t (id integer)")
    return connector


def _table_is_there(db: SqlConnector) -> bool:
    return db.query("select count(*) as n from t").data == [{"n": 0}]


@pytest.mark.parametrize("sql", SECOND)
def test_query_refuses_a_second_statement(db: SqlConnector, sql: str) -> None:
    with pytest.raises(
        ActionArgumentError, match=r"^db.query runs exactly one statement; this SQL holds 2$"
    ):
        db.query(sql)
    assert _table_is_there(db)


def test_the_driver_path_refuses_it_too(opener: Opener) -> None:
    fields = {} if isinstance(opener(), Sqlite) else {"fast_path": False}
    db = opener(**fields)
    db.execute("drop table if exists t")
    db.execute("create table t (id integer)")
    with pytest.raises(ActionArgumentError, match="exactly one statement"):
        db.query("select 1; drop table t")
    with pytest.raises(ActionArgumentError, match="exactly one statement"):
        db.query("select id from t where id = :id; drop table t", id=1)
    assert _table_is_there(db)


def test_explain_refuses_a_second_statement(db: SqlConnector) -> None:
    with pytest.raises(ActionArgumentError, match=r"^db.explain runs exactly one statement"):
        db.explain("select 1; drop table t")
    assert _table_is_there(db)


@pytest.mark.parametrize("sql", ONE)
def test_semicolons_inside_the_statement_are_fine(db: SqlConnector, sql: str) -> None:
    assert len(db.query(sql).data) == 1
    assert _table_is_there(db)


@pytest.mark.parametrize(
    "sql",
    [
        "select time '12:00' as a, time'12:00\\'; drop table t; --'",  # no E prefix: no escape
        "select 1 as a /* /* */ ; drop table t; */",  # nested: still one comment
    ],
)
def test_postgresql_reading_of_literals_and_comments(pg_database: str, sql: str) -> None:
    db = Postgresql(
        PostgresqlConfig(host="127.0.0.1", user="postgres", database=pg_database), connection="db"
    )
    db.execute("drop table if exists t")
    db.execute("create table t (id integer)")
    try:
        if "time'" in sql:
            with pytest.raises(ActionArgumentError, match="holds 2"):
                db.query(sql)
        else:
            assert db.query(sql).data == [{"a": 1}]
        assert _table_is_there(db)
    finally:
        db.close()


@pytest.mark.parametrize(
    ("sql", "count"),
    [
        ("select 1 as `a\\`; drop table t; -- `", 2),  # backticks have no escapes
        ("select 'it\\'s; drop table t' as a", 1),
        ("select 1 as a # ; drop table t", 1),
        ("select 1 as a /*! ; drop table t */", 2),  # MySQL runs what /*! */ holds
    ],
)
def test_mysql_reading_of_literals_and_comments(my_database: str, sql: str, count: int) -> None:
    db = Mysql(MysqlConfig(host="127.0.0.1", user="root", database=my_database), connection="db")
    db.execute("drop table if exists t")
    db.execute("create table t (id integer)")
    try:
        if count > 1:
            with pytest.raises(ActionArgumentError, match=f"holds {count}"):
                db.query(sql)
        else:
            assert len(db.query(sql).data) == 1
        assert _table_is_there(db)
    finally:
        db.close()
