"""The sqlite connector and the sample shop database, on real SQLite files."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

import workbench as wb
from workbench.connectors.sqlite import Sqlite, SqliteConfig
from workbench.connectors.sqlite.shop import generate, shop_path
from workbench.errors import ActionArgumentError, ActionError, ConnectionFailedError

INJECTIONS = [
    "' OR '1'='1",
    "shipped'; DROP TABLE orders; --",
    "x' UNION SELECT name, sql, 1, 1, 1, 1 FROM sqlite_master --",
    "1; DELETE FROM customers",
    "{status}",
]


@pytest.fixture
def db(tmp_path: Path) -> Sqlite:
    connector = Sqlite(SqliteConfig(path=str(tmp_path / "t.db")), connection="t")
    connector.execute(
        "create table items (id integer primary key, name text, price real, note text)"
    )
    return connector


def test_query_returns_a_dataframe_with_bound_parameters(db: Sqlite) -> None:
    db.execute(
        "insert into items (name, price, note) values (:n, :p, :note)",
        n="café ☕",
        p=2.5,
        note=None,
    )
    db.execute(
        "insert into items (name, price, note) values (:n, :p, :note)", n="tea", p=1.0, note="x"
    )
    result = db.query("select name, price, note from items where price > :min order by id", min=0)
    assert result.data == [
        {"name": "café ☕", "price": 2.5, "note": None},
        {"name": "tea", "price": 1.0, "note": "x"},
    ]
    assert result.df["note"].isna().tolist() == [True, False]
    assert result.raw == {"columns": ["name", "price", "note"], "reader": "sqlite3"}
    assert (result.connection, result.action) == ("t", "query")


def test_reads_without_parameters_take_the_arrow_path_and_keep_values(db: Sqlite) -> None:
    db.execute("insert into items (id, name, price, note) values (1, 'café', 2.5, null)")
    db.execute("insert into items (id, name, price, note) values (:id, 'big', null, 'x')", id=2**62)
    result = db.query("select id, name, price, note from items order by id")
    assert result.raw["reader"] == "connectorx"
    assert result.data == [
        {"id": 1, "name": "café", "price": 2.5, "note": None},
        {"id": 2**62, "name": "big", "price": None, "note": "x"},
    ]
    assert db.query("select count(*) as n from items where id > :n", n=0).raw["reader"] == "sqlite3"


def test_large_integers_survive(db: Sqlite) -> None:
    db.execute("insert into items (id, name) values (:id, 'big')", id=2**62 + 1)
    assert db.query("select id from items").df["id"].tolist() == [2**62 + 1]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_are_only_ever_values(payload: str) -> None:
    shop = wb.connect("shop", read_only=False, path=str(_copy_of_shop()))
    before = shop.query("select count(*) as n from orders").df["n"].item()
    rows = shop.query("select * from orders where status = :status", status=payload)
    assert rows.df.empty
    shop.execute("update orders set status = status where status = :s", s=payload)
    assert shop.query("select count(*) as n from orders").df["n"].item() == before
    assert {t["name"] for t in shop.tables().data} == {"customers", "orders", "order_items"}


def test_braces_in_sql_are_never_formatted(db: Sqlite) -> None:
    db.execute("insert into items (name) values ('{name}')")
    result = db.query("select name from items where name = '{name}'", name="ignored")
    assert result.df["name"].tolist() == ["{name}"]


def test_execute_reports_rowcount_and_rolls_back_on_error(db: Sqlite) -> None:
    assert db.execute("insert into items (name) values ('a')").data["rowcount"] == 1
    with pytest.raises(ActionError, match=r"t.execute failed: IntegrityError"):
        db.execute("insert into items (id, name) values (1, 'dup')")
    assert db.query("select count(*) as n from items").df["n"].item() == 1


def test_sql_errors_are_action_errors_naming_the_call(db: Sqlite) -> None:
    with pytest.raises(
        ActionError, match=r"^t.query failed: OperationalError: no such table: nope$"
    ):
        db.query("select * from nope")


def test_sql_must_be_text(db: Sqlite) -> None:
    with pytest.raises(
        ActionArgumentError, match=r"t.query: argument 'sql': expected a valid string, got 42"
    ):
        db.query(42)


def test_tables_and_columns(db: Sqlite) -> None:
    db.execute("create view cheap as select * from items where price < 1")
    assert db.tables().data == [
        {"name": "cheap", "type": "view"},
        {"name": "items", "type": "table"},
    ]
    first = db.columns("items").data[0]
    assert first == {
        "name": "id",
        "type": "INTEGER",
        "nullable": True,
        "default": None,
        "primary_key": True,
    }
    with pytest.raises(ActionError, match="no table or view named 'missing'"):
        db.columns("missing")


def test_check_reports_the_version_or_a_clear_failure(tmp_path: Path) -> None:
    ok = Sqlite(SqliteConfig(path=str(tmp_path / "c.db")), connection="c").check()
    assert ok == f"SQLite {sqlite3.sqlite_version} at {tmp_path / 'c.db'}"
    missing = Sqlite(
        SqliteConfig(path=str(tmp_path / "no" / "dir.db"), read_only=True), connection="m"
    )
    with pytest.raises(
        ConnectionFailedError, match=r"^m: cannot open .*dir.db: unable to open database file$"
    ):
        missing.check()


def test_shop_is_read_only_and_has_the_documented_tables() -> None:
    shop = wb.connect("shop")
    assert [t["name"] for t in shop.tables().data] == ["customers", "order_items", "orders"]
    counts = shop.query(
        "select (select count(*) from customers) c, (select count(*) from orders) o, "
        "(select count(*) from order_items) i"
    ).data[0]
    assert counts["c"] == 400 and counts["o"] == 3000 and counts["i"] > 3000
    statuses = set(shop.query("select distinct status from orders").df["status"])
    assert statuses == {"pending", "paid", "shipped", "delivered", "cancelled"}
    unshipped = shop.query(
        "select count(*) as n from orders "
        "where (shipped_at is null) != (status in ('pending', 'paid', 'cancelled'))"
    )
    assert unshipped.df["n"].item() == 0
    with pytest.raises(
        ActionArgumentError, match=r"^shop is read-only \(read_only = true\): DELETE on orders"
    ):
        shop.execute("delete from orders")


def test_shop_is_generated_reproducibly(tmp_path: Path) -> None:
    folder = tmp_path / "regenerated"
    generate(folder / "again.sqlite")

    def digest(path: Path) -> str:
        with closing(sqlite3.connect(path)) as db:
            rows = db.execute("select * from orders order by id").fetchall()
        return hashlib.sha256(repr(rows).encode()).hexdigest()

    assert digest(folder / "again.sqlite") == digest(shop_path())
    assert [p.name for p in folder.iterdir()] == ["again.sqlite"]  # no temporary file left


def _copy_of_shop() -> Path:
    target = Path.cwd() / "shop-copy.sqlite"
    target.write_bytes(shop_path().read_bytes())
    return target
