"""Query to pandas DataFrame: Workbench ``query(...).df`` against the fastest readers.

PostgreSQL: 1,000,000 rows x 6 columns (bigint, double, text, timestamptz, boolean,
numeric(18,4)) in a scratch table of the local ``test`` database. Same run, same data:
Workbench (ADBC + Arrow-backed frame) vs ConnectorX (``read_sql``, pandas output) and ADBC
(``fetch_df``); vs ``pandas.read_sql`` over SQLAlchemy + psycopg; JupySQL (``%sql`` with
autopandas, in an IPython InteractiveShell) as a peer. The fast readers are run in turns,
three rounds; the medians are compared. Goals: Workbench <= 1.15x the faster of
ConnectorX and ADBC, and >= 3x faster than ``pandas.read_sql``.

Then 200,000 rows from MariaDB (``test`` database) and from SQLite (a temporary file)
against the best reader for each (ratios printed, no goal). Scratch tables are dropped.

    python benchmarks/sql_to_dataframe.py
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import connectorx as cx
import pandas as pd
import psycopg
import pymysql
import sqlalchemy

from workbench.connectors.mysql import Mysql, MysqlConfig
from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
from workbench.connectors.sqlite import Sqlite, SqliteConfig

ROWS = 1_000_000
SMALL = 200_000
ROUNDS = 3
FAST_GOAL = 1.15
PANDAS_GOAL = 3.0
PG_URI = "postgresql://postgres@127.0.0.1:5432/test"
MY_URI = "mysql://root:@127.0.0.1:3306/test"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def in_turns(readers: dict[str, Callable[[], pd.DataFrame]], rounds: int) -> dict[str, float]:
    """Median seconds of each reader, run in turns; each must return all rows."""
    times: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(rounds):
        for name, read in readers.items():
            seconds, frame = timed(read)
            assert len(frame) in (ROWS, SMALL), (name, len(frame))
            times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def report(title: str, figures: dict[str, float], reference: str) -> None:
    print(f"\n{title}")
    for name, seconds in sorted(figures.items(), key=lambda kv: kv[1]):
        ratio = seconds / figures[reference]
        print(f"  {name:<34} {seconds:7.3f} s   {ratio:5.2f}x {reference}")


def postgresql() -> bool:
    table = f"wb_bench_{uuid.uuid4().hex[:8]}"
    sql = f"select * from {table}"
    with psycopg.connect(PG_URI, autocommit=True) as admin:
        admin.execute(
            f"create table {table} as select i::bigint as id, random() * 1000 as amount, "
            f"md5(i::text) as label, now() - i * interval '1 second' as at, "
            f"i % 3 = 0 as flag, (i / 7.0)::numeric(18, 4) as price "
            f"from generate_series(1, {ROWS}) i"
        )
        admin.execute(f"analyze {table}")
    wb = Postgresql(PostgresqlConfig(url=PG_URI))
    conn = adbc.connect(PG_URI, autocommit=True)
    engine = sqlalchemy.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:

        def adbc_df() -> pd.DataFrame:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetch_df()

        fast = in_turns(
            {
                "workbench query().df": lambda: wb.query(sql).df,
                "connectorx read_sql": lambda: cx.read_sql(PG_URI, sql),
                "adbc fetch_df": adbc_df,
            },
            ROUNDS,
        )
        assert wb.query(sql + " limit 1").raw["reader"] == "adbc"
        with engine.connect() as connection:
            fast["pandas.read_sql (SQLAlchemy)"], _ = timed(
                lambda: pd.read_sql(sqlalchemy.text(sql), connection)
            )
        fast["jupysql %sql autopandas"] = jupysql(sql)
    finally:
        conn.close()
        wb.close()
        engine.dispose()
        with psycopg.connect(PG_URI, autocommit=True) as admin:
            admin.execute(f"drop table if exists {table}")
    report(f"PostgreSQL: {ROWS:,} rows x 6 columns", fast, "workbench query().df")
    best = min(fast["connectorx read_sql"], fast["adbc fetch_df"])
    vs_fast = fast["workbench query().df"] / best
    vs_pandas = fast["pandas.read_sql (SQLAlchemy)"] / fast["workbench query().df"]
    print(f"  workbench / fastest of ConnectorX, ADBC = {vs_fast:.2f}x (goal <= {FAST_GOAL})")
    print(f"  pandas.read_sql / workbench = {vs_pandas:.1f}x faster (goal >= {PANDAS_GOAL})")
    return vs_fast <= FAST_GOAL and vs_pandas >= PANDAS_GOAL


def jupysql(sql: str) -> float:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "sql")
    shell.run_line_magic("config", "SqlMagic.autopandas = True")
    shell.run_line_magic("config", "SqlMagic.displaylimit = 0")
    shell.run_line_magic("sql", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    seconds, frame = timed(lambda: shell.run_line_magic("sql", sql))
    assert len(frame) == ROWS
    shell.run_line_magic("sql", "--close postgresql+psycopg://postgres@127.0.0.1:5432/test")
    InteractiveShell.clear_instance()
    return seconds


def mariadb() -> None:
    table = f"wb_bench_{uuid.uuid4().hex[:8]}"
    sql = f"select * from {table}"
    admin = pymysql.connect(host="127.0.0.1", user="root", password="", database="test")
    with admin.cursor() as cursor:
        cursor.execute(
            f"create table {table} as select seq as id, rand() * 1000 as amount, "
            f"md5(seq) as label, now(6) - interval seq second as at, seq % 3 = 0 as flag, "
            f"cast(seq / 7 as decimal(18, 4)) as price from seq_1_to_{SMALL}"
        )
    admin.commit()
    wb = Mysql(MysqlConfig(url=MY_URI))
    engine = sqlalchemy.create_engine("mysql+pymysql://root:@127.0.0.1:3306/test")
    try:
        with engine.connect() as connection:
            figures = in_turns(
                {
                    "workbench query().df": lambda: wb.query(sql).df,
                    "connectorx read_sql": lambda: cx.read_sql(MY_URI, sql),
                    "pandas.read_sql (pymysql)": lambda: pd.read_sql(
                        sqlalchemy.text(sql), connection
                    ),
                },
                2,
            )
    finally:
        wb.close()
        engine.dispose()
        with admin.cursor() as cursor:
            cursor.execute(f"drop table if exists {table}")
        admin.close()
    report(f"MariaDB: {SMALL:,} rows x 6 columns", figures, "workbench query().df")
    best = min(v for k, v in figures.items() if not k.startswith("workbench"))
    print(f"  workbench / best other reader = {figures['workbench query().df'] / best:.2f}x")


def sqlite() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        with sqlite3.connect(path) as db:
            db.execute(
                "create table t (id integer, amount real, label text, at text, flag integer, "
                "price real)"
            )
            db.executemany(
                "insert into t values (?, ?, ?, ?, ?, ?)",
                (
                    (i, i * 0.5, f"label {i}", "2024-01-01T00:00:00Z", i % 2, i / 7)
                    for i in range(SMALL)
                ),
            )
        db.close()
        sql = "select * from t"
        wb = Sqlite(SqliteConfig(path=str(path), read_only=True))
        plain = sqlite3.connect(path)
        figures = in_turns(
            {
                "workbench query().df": lambda: wb.query(sql).df,
                "connectorx read_sql": lambda: cx.read_sql(f"sqlite://{path}", sql),
                "pandas.read_sql (sqlite3)": lambda: pd.read_sql(sql, plain),
            },
            2,
        )
        plain.close()
        wb.close()
    report(f"SQLite: {SMALL:,} rows x 6 columns", figures, "workbench query().df")
    best = min(v for k, v in figures.items() if not k.startswith("workbench"))
    print(f"  workbench / best other reader = {figures['workbench query().df'] / best:.2f}x")


def main() -> int:
    ok = postgresql()
    mariadb()
    sqlite()
    print("\nPASS" if ok else "\nFAIL: a PostgreSQL goal was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
