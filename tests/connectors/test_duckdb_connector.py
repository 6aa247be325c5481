"""The duckdb connector, in process, on files in the test's folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from workbench.connectors.duckdb import Duckdb, DuckdbConfig
from workbench.errors import ActionError

INJECTIONS = ["' OR '1'='1", "1; DROP TABLE items; --", "x' UNION SELECT 1, 'x', 1 --", "{name}"]


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Duckdb]:
    db = Duckdb(DuckdbConfig(path=str(tmp_path / "t.duckdb")), connection="duck")
    db.execute("create table items (id bigint primary key, name text, price decimal(12, 2))")
    db.execute("insert into items values (1, 'tea', 2.50), (2, 'café ☕', 3.10)")
    yield db
    db.close()


def test_awkward_types_round_trip(duck: Duckdb) -> None:
    duck.execute(
        "create table awkward (id integer, big bigint, n decimal(30, 10), t text, "
        "ts timestamptz, b boolean, j json)"
    )
    row = {
        "id": 1,
        "big": 2**63 - 1,
        "n": Decimal("12345678901234567890.0123456789"),
        "t": "naïve 日本 🚀",
        "ts": dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC),
        "b": False,
        "j": {"k": [1]},
    }
    duck.execute_many(
        "insert into awkward values (:id, :big, :n, :t, :ts, :b, :j)",
        [row, {**dict.fromkeys(row), "id": 2}],
    )
    first, second = duck.query("select * from awkward order by id").data
    assert first == {**row, "j": '{"k": [1]}'}  # JSON text, as written
    assert all(v is None for k, v in second.items() if k != "id")


def test_transactions_commit_or_roll_back_together(duck: Duckdb) -> None:
    def failing() -> None:
        with duck.transaction():
            duck.execute("create table audit (id int)")
            duck.insert_df("items", pd.DataFrame({"id": [3], "name": ["x"], "price": [1.0]}))
            duck.execute("insert into items values (1, 'duplicate', 0)")

    with pytest.raises(ActionError, match="Constraint"):
        failing()
    assert duck.query("select count(*) as n from items").data == [{"n": 2}]
    assert [t["name"] for t in duck.tables().data] == ["items"]
    with duck.transaction():
        duck.execute("insert into items values (3, 'juice', 1)")
    assert duck.query("select count(*) as n from items").data == [{"n": 3}]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_are_only_ever_values(duck: Duckdb, payload: str) -> None:
    assert duck.query("select * from items where name = :v", v=payload).df.empty
    duck.execute("update items set price = 0 where name = :v", v=payload)
    assert duck.query("select count(*) as n, sum(price) as s from items").data == [
        {"n": 2, "s": Decimal("5.60")}
    ]


def test_insert_df_and_metadata(duck: Duckdb) -> None:
    frame = pd.DataFrame({"id": [1, 2], "label": ["a", None], "doc": [{"x": 1}, None]})
    duck.insert_df("new_table", frame, key=["id"])
    duck.insert_df("new_table", frame.assign(label=["A", "B"]), mode="upsert", key=["id"])
    assert duck.query("select label from new_table order by id").df["label"].tolist() == ["A", "B"]
    duck.insert_df("new_table", frame.iloc[:1], mode="replace")
    assert duck.describe("new_table").data["row_estimate"] == 1
    assert duck.columns("items").data[0]["primary_key"] is True
    assert duck.execute("delete from items where id = :id", id=1).data == {"rowcount": 1}
    assert "Seq Scan" in duck.explain("select * from items where id = :id", id=2).data[0]["plan"]
    assert duck.check().endswith("t.duckdb")
