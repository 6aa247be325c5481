"""The mysql connector against the machine's real MariaDB, in a scratch database."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pymysql
import pytest
from scratch_databases import mariadb_database

from workbench.connectors.mysql import Mysql, MysqlConfig
from workbench.errors import ActionError, ConnectionFailedError

INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE items; --",
    "x' UNION SELECT table_name, null, null FROM information_schema.tables -- ",
    "\\' OR 1=1 -- ",
    "'; DELETE FROM items; #",
    "{name}",
    "%s",
]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with mariadb_database() as name:
        yield name


@pytest.fixture
def my(database: str) -> Iterator[Mysql]:
    db = Mysql(MysqlConfig(host="127.0.0.1", user="root", database=database), connection="my")
    for table in db.tables().data:
        kind = "view" if table["type"] == "view" else "table"
        db.execute(f"drop {kind} `{table['name']}`")
    db.execute("create table items (id bigint primary key, name text, price decimal(12, 2))")
    db.execute("insert into items values (1, 'tea', 2.50), (2, 'café ☕', 3.10)")
    yield db
    db.close()


def test_query_binds_parameters_and_reads_through_connectorx(my: Mysql) -> None:
    bound = my.query("select id, name from items where price > :p order by id", p=3)
    assert bound.data == [{"id": 2, "name": "café ☕"}]
    assert bound.raw["reader"] == "pymysql"  # ConnectorX takes no parameters
    whole = my.query("select id, name from items order by id")
    assert whole.raw["reader"] == "connectorx"
    assert whole.df["name"].tolist() == ["tea", "café ☕"]


@pytest.mark.parametrize("fast_path", [True, False], ids=["connectorx", "pymysql"])
def test_awkward_types_round_trip(database: str, my: Mysql, fast_path: bool) -> None:
    my.execute(
        "create table awkward (id int auto_increment primary key, big bigint, small bigint, "
        "n decimal(20, 6), f double, t text, ts datetime(6), b boolean, j json, d date)"
    )
    row = {
        "big": 2**63 - 1,
        "small": -(2**63),
        "n": Decimal("12345678901234.123456"),
        "f": 1e-300,
        "t": "naïve 日本 🚀 '\"\\",
        "ts": dt.datetime(2024, 2, 29, 23, 59, 59, 999999),
        "b": True,
        "j": {"k": [1, "two", None]},
        "d": dt.date(1999, 12, 31),
    }
    my.execute_many(
        "insert into awkward (big, small, n, f, t, ts, b, j, d) "
        "values (:big, :small, :n, :f, :t, :ts, :b, :j, :d)",
        [row, dict.fromkeys(row)],
    )
    reader = Mysql(my.config.model_copy(update={"fast_path": fast_path}))
    result = reader.query("select * from awkward order by id")
    reader.close()
    assert result.raw["reader"] == ("connectorx" if fast_path else "pymysql")
    first, second = result.data
    assert first.pop("id") == 1 and second.pop("id") == 2
    assert first == {**row, "b": 1, "j": '{"k": [1, "two", null]}'}  # MariaDB: tinyint, text
    assert all(value is None for value in second.values())


def test_connectorx_failures_fall_back_to_the_driver(my: Mysql) -> None:
    my.execute("create table wide (n decimal(30, 10))")
    my.execute("insert into wide values (:n)", n=Decimal("12345678901234567890.0123456789"))
    result = my.query("select n from wide")  # more digits than ConnectorX's decimals hold
    assert result.raw["reader"] == "pymysql"
    assert result.data == [{"n": Decimal("12345678901234567890.0123456789")}]


def test_a_failing_transaction_leaves_nothing_behind(my: Mysql) -> None:
    def failing() -> None:
        with my.transaction():
            my.execute("insert into items values (3, 'juice', 1.0)")
            my.insert_df("items", pd.DataFrame({"id": [4], "name": ["x"], "price": [1.0]}))
            my.execute("insert into items values (1, 'duplicate', 0)")

    with pytest.raises(ActionError, match="IntegrityError"):
        failing()
    assert my.query("select count(*) as n from items").data == [{"n": 2}]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_are_only_ever_values(my: Mysql, payload: str) -> None:
    assert my.query("select * from items where name = :v", v=payload).df.empty
    assert my.execute("update items set price = 0 where name = :v", v=payload).data == {
        "rowcount": 0
    }
    assert my.query("select count(*) as n, sum(price) as s from items").data == [
        {"n": 2, "s": Decimal("5.60")}
    ]


def test_braces_and_percent_are_never_formatted(my: Mysql) -> None:
    my.execute("insert into items values (:id, '{name} 100%', 0)", id=3)
    rows = my.query("select name from items where name = '{name} 100%' and id = :id", id=3)
    assert rows.data == [{"name": "{name} 100%"}]


def test_insert_df_append_replace_upsert(my: Mysql) -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "label": ["a", "", None],
            "at": pd.to_datetime(
                ["2024-01-01T10:00:00+01:00", None, "2024-06-01T00:00:00Z"], utc=True
            ),
            "doc": [{"x": 1}, None, [1, 2]],
        }
    )
    my.insert_df("new_table", frame, key=["id"])
    back = my.query("select * from new_table order by id").data
    assert back[0] == {
        "id": 1,
        "label": "a",
        "at": pd.Timestamp("2024-01-01 09:00"),
        "doc": '{"x": 1}',
    }
    assert back[1]["label"] == "" and back[2]["label"] is None
    my.insert_df("new_table", frame.assign(label=["A", "B", "C"]), mode="upsert", key=["id"])
    assert my.query("select label from new_table order by id").df["label"].tolist() == [
        "A",
        "B",
        "C",
    ]
    big = pd.DataFrame({"id": range(10, 25_010), "label": "x"})
    assert my.insert_df("new_table", big).data["rows"] == 25_000
    my.insert_df("new_table", frame.iloc[:1], mode="replace")
    assert my.query("select count(*) as n from new_table").data == [{"n": 1}]


def test_tables_columns_describe_explain(database: str, my: Mysql) -> None:
    assert my.tables().data == [{"schema": database, "name": "items", "type": "table"}]
    assert my.columns("items").data[0] == {
        "name": "id",
        "type": "bigint(20)",
        "nullable": False,
        "default": None,
        "primary_key": True,
    }
    described = my.describe(f"{database}.items").data
    assert [c["name"] for c in described["columns"]] == ["id", "name", "price"]
    assert described["row_estimate"] == 2
    assert "items" in my.explain("select * from items where id = :id", id=1).data[0]["plan"]
    with pytest.raises(ActionError, match="no table or view named 'missing'"):
        my.describe("missing")


def test_check_reports_the_version_or_why_not(database: str) -> None:
    ok = Mysql(MysqlConfig(host="127.0.0.1", user="root", database=database))
    assert ok.check() == f"MariaDB {_server_version()} on 127.0.0.1:3306/{database}"
    ok.close()
    missing = Mysql(
        MysqlConfig(host="127.0.0.1", user="root", database="wb_no_such_db"), connection="m"
    )
    with pytest.raises(
        ConnectionFailedError, match=r"^m: .*database 'wb_no_such_db' does not exist$"
    ):
        missing.check()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    secret = "my-Secret-0451"
    down = Mysql(
        MysqlConfig(host="127.0.0.1", port=port, user="root", password=secret), connection="d"
    )
    with pytest.raises(ConnectionFailedError, match="host unreachable") as caught:
        down.check()
    assert secret not in str(caught.value)


def _server_version() -> str:
    admin = pymysql.connect(host="127.0.0.1", user="root", password="")
    with admin.cursor() as cursor:
        cursor.execute("select version()")
        version = str(cursor.fetchone()[0]).split("-")[0]
    admin.close()
    return version
