"""The postgresql connector against the machine's real PostgreSQL, in a scratch database."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from scratch_databases import postgres_database

import workbench as wb
from workbench import registry
from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
from workbench.errors import ActionError, ConnectionFailedError

ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"
INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE items; --",
    "x' UNION SELECT tablename, null, null FROM pg_tables --",
    "'; DELETE FROM items; --",
    "1 OR 1=1",
    "{name}",
    "%(name)s",
    "$1",
]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with postgres_database() as name:
        yield name


@pytest.fixture
def pg(database: str) -> Iterator[Postgresql]:
    db = Postgresql(
        PostgresqlConfig(host="127.0.0.1", user="postgres", database=database), connection="pg"
    )
    db.execute("drop schema public cascade")
    db.execute("create schema public")
    db.execute("create table items (id bigint primary key, name text, price numeric(12, 2))")
    db.execute("insert into items values (1, 'tea', 2.50), (2, 'café ☕', 3.10)")
    yield db
    db.close()


def test_query_binds_parameters_and_reads_through_arrow(pg: Postgresql) -> None:
    result = pg.query("select id, name from items where price > :p order by id", p=3)
    assert result.data == [{"id": 2, "name": "café ☕"}]
    assert result.raw == {"columns": ["id", "name"], "reader": "adbc"}
    assert str(result.df["id"].dtype) == "int64[pyarrow]"
    assert (result.connection, result.action) == ("pg", "query")


def test_the_driver_takes_over_when_adbc_cannot(pg: Postgresql) -> None:
    result = pg.query("select name from items where id = :id", id="2")  # bigint = text
    assert result.data == [{"name": "café ☕"}]
    assert result.raw["reader"] == "psycopg"


AWKWARD = """
create table awkward (
    id serial primary key, big bigint, small bigint, n numeric(30, 10), f double precision,
    t text, ts timestamptz, b boolean, j jsonb, d date
)
"""


@pytest.mark.parametrize("inside_transaction", [False, True], ids=["adbc", "psycopg"])
def test_awkward_types_round_trip(pg: Postgresql, inside_transaction: bool) -> None:
    pg.execute(AWKWARD)
    zone = dt.timezone(dt.timedelta(hours=-5, minutes=-30))
    row = {
        "big": 2**63 - 1,
        "small": -(2**63),
        "n": Decimal("12345678901234567890.0123456789"),
        "f": 1e-300,
        "t": "naïve 日本 🚀 '\"\\",
        "ts": dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=zone),
        "b": False,
        "j": {"k": [1, "two", None, {"x": True}]},
        "d": dt.date(1999, 12, 31),
    }
    nulls = dict.fromkeys(row)
    pg.execute_many(
        "insert into awkward (big, small, n, f, t, ts, b, j, d) "
        "values (:big, :small, :n, :f, :t, :ts, :b, :j, :d)",
        [row, nulls],
    )
    if inside_transaction:
        with pg.transaction():
            result = pg.query("select * from awkward order by id")
    else:
        result = pg.query("select * from awkward order by id")
    assert result.raw["reader"] == ("psycopg" if inside_transaction else "adbc")
    first, second = result.data
    assert first.pop("id") == 1 and second.pop("id") == 2
    assert first == row
    assert first["ts"].utcoffset() == dt.timedelta(0)  # the same instant, told in UTC
    assert all(value is None for value in second.values())
    assert result.df["b"].dtype == pd.ArrowDtype(__import__("pyarrow").bool_())


def test_a_failing_transaction_leaves_nothing_behind(pg: Postgresql) -> None:
    def failing() -> None:
        with pg.transaction():
            pg.execute("create table audit (id int)")
            pg.execute("insert into items values (3, 'juice', 1.0)")
            pg.insert_df("items", pd.DataFrame({"id": [4], "name": ["x"], "price": [1.0]}))
            pg.execute("insert into items values (1, 'duplicate', 0)")

    with pytest.raises(ActionError, match="UniqueViolation"):
        failing()
    assert pg.query("select count(*) as n from items").data == [{"n": 2}]
    assert "audit" not in {t["name"] for t in pg.tables().data}


def test_a_successful_transaction_commits_everything(pg: Postgresql) -> None:
    with pg.transaction():
        pg.execute("insert into items values (3, 'juice', 1.0)")
        with pg.transaction():  # nested blocks join the outer one
            pg.execute("update items set price = 0 where id = :id", id=1)
        assert pg.query("select count(*) as n from items").data == [{"n": 3}]
    assert pg.query("select price from items where id = 1").data == [{"price": Decimal("0.00")}]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_are_only_ever_values(pg: Postgresql, payload: str) -> None:
    assert pg.query("select * from items where name = :v", v=payload).df.empty
    assert pg.query("select * from items where name like :v", v=payload).df.empty
    changed = pg.execute("update items set price = 0 where name = :v", v=payload).data
    assert changed == {"rowcount": 0}
    assert pg.query("select count(*) as n, sum(price) as s from items").data == [
        {"n": 2, "s": Decimal("5.60")}
    ]


def test_braces_and_percent_are_never_formatted(pg: Postgresql) -> None:
    pg.execute("insert into items values (:id, '{name} 100%', 0)", id=3)
    plain = Postgresql(pg.config.model_copy(update={"fast_path": False}), connection="pg")
    for db, reader in ((pg, "adbc"), (plain, "psycopg")):
        rows = db.query(
            "select name, '%' as pct from items where name = '{name} 100%' and id = :id",
            id=3,
            name="ignored",
        )
        assert rows.data == [{"name": "{name} 100%", "pct": "%"}]
        assert rows.raw["reader"] == reader
    plain.close()


def test_insert_df_append_replace_upsert(pg: Postgresql) -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "label": ["a", "", None],
            "at": pd.to_datetime(
                ["2024-01-01T10:00:00+01:00", None, "2024-06-01T00:00:00Z"], utc=True
            ),
            "ok": [True, False, None],
            "doc": [{"x": 1}, None, [1, 2]],
            "amount": [Decimal("1.10"), None, Decimal("-3.25")],
        }
    )
    assert pg.insert_df("new_table", frame, key=["id"]).data == {
        "table": "new_table",
        "rows": 3,
        "mode": "append",
    }
    back = pg.query("select * from new_table order by id").df
    assert back["label"].tolist()[:2] == ["a", ""] and pd.isna(back["label"].iloc[2])
    assert back["doc"].tolist() == [{"x": 1}, None, [1, 2]]
    assert back["at"].iloc[0] == pd.Timestamp("2024-01-01T09:00:00Z")
    assert back["amount"].tolist()[0] == Decimal("1.10")
    pg.insert_df("new_table", frame.iloc[:1].assign(id=[9]))
    assert pg.query("select count(*) as n from new_table").data == [{"n": 4}]
    pg.insert_df("new_table", frame.assign(label=["A", "B", "C"]), mode="upsert", key=["id"])
    assert pg.query("select id, label from new_table order by id").df["label"].tolist() == [
        "A",
        "B",
        "C",
        "a",
    ]
    pg.insert_df("new_table", frame.iloc[:1], mode="replace")
    assert pg.query("select count(*) as n from new_table").data == [{"n": 1}]


def test_insert_df_with_binary_columns_uses_rows(pg: Postgresql) -> None:
    pg.insert_df("blobs", pd.DataFrame({"id": [1, 2], "data": [b"\x00\xff", None]}))
    assert pg.query("select data from blobs order by id").data == [
        {"data": b"\x00\xff"},
        {"data": None},
    ]


def test_tables_columns_describe_explain(pg: Postgresql) -> None:
    pg.execute("create view cheap as select * from items where price < 3")
    assert pg.tables().data == [
        {"schema": "public", "name": "cheap", "type": "view"},
        {"schema": "public", "name": "items", "type": "table"},
    ]
    assert pg.columns("items").data[0] == {
        "name": "id",
        "type": "bigint",
        "nullable": False,
        "default": None,
        "primary_key": True,
    }
    described = pg.describe("public.items").data
    assert [c["type"] for c in described["columns"]] == ["bigint", "text", "numeric(12,2)"]
    assert described["row_estimate"] == 2
    plan = pg.explain("select * from items where id = :id", id=1).df["plan"]
    assert "items" in plan.iloc[0]
    with pytest.raises(ActionError, match="no table or view named 'missing'"):
        pg.columns("missing")


def test_check_reports_the_version_or_why_not(database: str) -> None:
    ok = Postgresql(PostgresqlConfig(host="127.0.0.1", user="postgres", database=database))
    assert ok.check().startswith("PostgreSQL 15.")
    assert ok.check().endswith(f" on 127.0.0.1:5432/{database}")
    ok.close()
    missing = Postgresql(
        PostgresqlConfig(host="127.0.0.1", user="postgres", database="wb_no_such_db"),
        connection="m",
    )
    with pytest.raises(ConnectionFailedError, match=r"database 'wb_no_such_db' does not exist"):
        missing.check()


def test_unreachable_host_is_clear_and_leaks_no_secret() -> None:
    port = _closed_port()
    secret = "pg-Secret-0451"
    db = Postgresql(
        PostgresqlConfig(host="127.0.0.1", port=port, user="u", password=secret, database="d"),
        connection="down",
    )
    with pytest.raises(ConnectionFailedError) as caught:
        db.query("select 1")
    message = str(caught.value)
    assert (
        message
        == f"down: cannot connect to 127.0.0.1:{port}/d: host unreachable (connection refused)"
    )
    assert secret not in message and secret not in repr(db.config)
    url_db = Postgresql(PostgresqlConfig(url=f"postgresql://u:{secret}@127.0.0.1:{port}/d"))
    with pytest.raises(ConnectionFailedError) as caught:
        url_db.check()
    assert secret not in str(caught.value)


def test_connect_by_name(database: str, project: Path) -> None:
    registry.register(Postgresql)
    (project / "workbench.toml").write_text(
        f'[connections.shop]\nconnector = "postgresql"\nhost = "127.0.0.1"\n'
        f'user = "postgres"\ndatabase = "{database}"\n'
    )
    shop = wb.connect("shop")
    assert shop.query("select :s as status", s="shipped").df["status"].tolist() == ["shipped"]
    shop.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
