"""Row change triggers of the mysql connector, on the machine's real MariaDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pymysql
import pytest
from scratch_databases import mariadb_database

from workbench.connectors.mysql import Mysql, MysqlConfig
from workbench.connectors.mysql.change_sql import trigger_name_for
from workbench.errors import ActionArgumentError, ActionError
from workbench.sdk import Event


def admin() -> pymysql.Connection:
    return pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)


@pytest.fixture
def database() -> Iterator[str]:
    with mariadb_database("wb_changes_test") as name:
        yield name


@pytest.fixture
def my(database: str) -> Iterator[Mysql]:
    db = Mysql(MysqlConfig(host="127.0.0.1", user="root", database=database), connection="shop")
    db.execute(
        "create table orders (id int primary key, status varchar(20), total decimal(10, 2), "
        "placed date, tags json, raw varbinary(8), flags bit(3))"
    )
    yield db
    db.close()


@pytest.fixture
def other(database: str) -> Iterator[pymysql.Connection]:
    """A second client of the database, writing as an application would."""
    connection = pymysql.connect(host="127.0.0.1", user="root", password="", database=database)
    yield connection
    connection.close()


def installed(my: Mysql) -> dict[str, object]:
    tables = {t["name"] for t in my.tables().data}
    triggers = my.query(
        "select event_object_table, trigger_name, event_manipulation "
        "from information_schema.triggers where trigger_schema = database() order by 1, 3"
    ).data
    return {
        "change_table": "wb_changes" in tables,
        "triggers": [(t["event_object_table"], t["trigger_name"]) for t in triggers],
    }


def read_all(my: Mysql, table: str = "orders", **args: object) -> list[Event]:
    """Every change there is, acknowledged (the generator runs until it has nothing)."""
    events: list[Event] = []
    for item in my.row_changed(table, timeout=0, **args):
        events.extend(item or [])
    return events


def test_install_and_remove_round_trip(my: Mysql, database: str) -> None:
    assert installed(my) == {"change_table": False, "triggers": []}
    first = my.track_changes("orders").data
    assert first == {
        "table": "orders",
        "change_table": f"{database}.wb_changes",
        "triggers": [
            "wb_changes_insert_orders", "wb_changes_update_orders", "wb_changes_delete_orders",
        ],
        "columns": ["id", "status", "total", "placed", "tags", "raw", "flags"],
        "installed": True,
    }  # fmt: skip
    expected = [
        ("orders", "wb_changes_delete_orders"),
        ("orders", "wb_changes_insert_orders"),
        ("orders", "wb_changes_update_orders"),
    ]
    assert sorted(installed(my)["triggers"]) == expected  # type: ignore[call-overload]
    assert installed(my)["change_table"] is True
    assert my.track_changes("orders").data["installed"] is False  # idempotent: refreshed
    assert sorted(installed(my)["triggers"]) == expected  # type: ignore[call-overload]
    my.execute("insert into orders (id, status) values (1, 'new'), (2, 'new')")
    removed = my.untrack_changes("orders").data
    assert removed == {"table": "orders", "was_tracked": True, "discarded": 2, "dropped": True}
    assert installed(my) == {"change_table": False, "triggers": []}
    again = my.untrack_changes("orders").data
    assert again == {"table": "orders", "was_tracked": False, "discarded": 0, "dropped": False}


def test_the_change_table_stays_while_another_table_is_tracked(my: Mysql, database: str) -> None:
    my.execute("create table refunds (id int primary key)")
    my.track_changes("orders")
    my.track_changes(f"{database}.refunds")
    my.execute("insert into refunds values (1)")
    my.execute("insert into orders (id) values (1)")
    assert my.untrack_changes("orders").data == {
        "table": "orders", "was_tracked": True, "discarded": 1, "dropped": False,
    }  # fmt: skip
    assert installed(my)["change_table"] is True
    assert [e.subject for e in read_all(my, "refunds")] == ["refunds/1"]
    assert my.untrack_changes("refunds").data["dropped"] is True


def test_insert_update_and_delete_payloads(my: Mysql, other: pymysql.Connection) -> None:
    my.track_changes("orders")
    with other.cursor() as cursor:
        cursor.execute(
            "insert into orders values (7, 'paid', 12.30, '2024-05-01', '{\"gift\": true}', "
            "x'00ff', b'101')"
        )
        cursor.execute("update orders set status = 'shipped', total = 12.5 where id = 7")
        cursor.execute("update orders set status = 'Shipped' where id = 7")  # case only
        cursor.execute("delete from orders where id = 7")
    other.commit()
    events = read_all(my)
    assert [e.type for e in events] == ["row.inserted", "row.updated", "row.updated", "row.deleted"]
    assert {e.subject for e in events} == {"orders/7"}
    assert len({e.id for e in events}) == 4
    assert all(uuid.UUID(e.id) for e in events)
    inserted, updated, recased, deleted = (e.data for e in events)
    row = {
        "id": 7, "status": "paid", "total": "12.30", "placed": "2024-05-01",
        "tags": {"gift": True}, "raw": "\\x00ff", "flags": 5,
    }  # fmt: skip
    assert inserted == {
        "table": "orders",
        "operation": "insert",
        "row": row,
        "old": None,
        "changed": list(row),
    }
    assert updated["old"] == row
    assert updated["row"] == {**row, "status": "shipped", "total": "12.50"}
    assert updated["changed"] == ["status", "total"]
    assert recased["changed"] == ["status"]
    assert deleted["row"] == deleted["old"] == recased["row"]
    assert all(e.time.tzinfo is not None for e in events)
    assert my.query("select count(*) as n from wb_changes").data == [{"n": 0}]  # acknowledged


def test_a_column_added_later_needs_track_changes_again(my: Mysql) -> None:
    my.track_changes("orders")
    my.execute("alter table orders add column carrier varchar(10)")
    my.execute("insert into orders (id, carrier) values (1, 'ups')")
    assert "carrier" not in read_all(my)[0].data["row"]
    assert "carrier" in my.track_changes("orders").data["columns"]  # refreshes the triggers
    my.execute("insert into orders (id, carrier) values (2, 'dhl')")
    assert read_all(my)[0].data["row"]["carrier"] == "dhl"


def test_the_match_rule_on_real_changes(my: Mysql) -> None:
    my.track_changes("orders")
    my.execute("insert into orders (id, status) values (1, 'paid')")
    my.execute("update orders set status = 'shipped' where id = 1")
    my.execute("update orders set total = 3 where id = 1")
    spec = Mysql.trigger_specs["row_changed"]
    events = read_all(my)
    assert [spec.matches(e, {"status": "shipped"}) for e in events] == [False, True, False]
    assert [spec.matches(e, {"changed": "total"}) for e in events] == [True, False, True]


@pytest.mark.parametrize(
    "name",
    [
        "orders; drop table orders",
        "orders`; drop table orders; --",
        "orders' or '1'='1",
        "mysql.user",
        "information_schema.tables",
    ],
)
def test_injection_through_the_table_name_is_refused(my: Mysql, name: str) -> None:
    my.execute("insert into orders (id) values (1)")
    with pytest.raises((ActionArgumentError, ActionError)) as caught:
        my.track_changes(name)
    assert repr(name) in str(caught.value)
    assert my.query("select count(*) as n from orders").data == [{"n": 1}]
    assert installed(my) == {"change_table": False, "triggers": []}


def test_a_table_with_a_hostile_name_is_quoted_not_run(my: Mysql) -> None:
    hostile = "x'); drop table orders; -- `\\"
    quoted = "`" + hostile.replace("`", "``") + "`"
    my.execute(f"create table {quoted} (id int primary key, `we'ird``col` int)")
    my.track_changes(hostile)
    my.execute(f"insert into {quoted} values (5, 6)")
    events = read_all(my, hostile)
    assert [(e.subject, e.data["row"]) for e in events] == [
        (f"{hostile}/5", {"id": 5, "we'ird`col": 6})
    ]
    assert my.query("select count(*) as n from orders").data == [{"n": 0}]  # still there
    assert my.untrack_changes(hostile).data["was_tracked"] is True


def test_long_table_names_get_short_trigger_names(my: Mysql) -> None:
    long_name = "t" * 64
    my.execute(f"create table {long_name} (id int primary key)")
    names = my.track_changes(long_name).data["triggers"]
    assert all(len(n) <= 64 for n in names) and len(set(names)) == 3
    assert names[0] == trigger_name_for("insert", long_name, f"{my.config.database}.{long_name}")
    my.execute(f"insert into {long_name} values (1)")
    assert [e.subject for e in read_all(my, long_name)] == [f"{long_name}/1"]


def test_changes_are_acknowledged_only_when_the_reader_resumes(my: Mysql) -> None:
    my.track_changes("orders")
    my.execute_many("insert into orders (id) values (:id)", [{"id": n} for n in range(1, 6)])
    reader = my.row_changed("orders", batch=3)
    first = [e.id for e in next(reader)]
    reader.close()  # not resumed: nothing is acknowledged
    again = my.row_changed("orders", batch=3)
    assert [e.id for e in next(again)] == first
    second = next(again)  # resuming acknowledged the first batch
    assert len(second) == 2 and not {e.id for e in second} & set(first)
    assert my.query("select count(*) as n from wb_changes").data == [{"n": 5 - 3}]
    again.close()
    assert len(read_all(my)) == 2


def test_a_late_commit_is_read_after_later_changes(my: Mysql, other: pymysql.Connection) -> None:
    my.track_changes("orders")
    with other.cursor() as cursor:
        cursor.execute("insert into orders (id, status) values (1, 'late')")  # stays open
    my.execute("insert into orders (id, status) values (2, 'early')")
    assert [e.subject for e in read_all(my)] == ["orders/2"]
    other.commit()
    assert [e.subject for e in read_all(my)] == ["orders/1"]


def test_two_readers_share_the_changes_without_losing_any(my: Mysql) -> None:
    my.track_changes("orders")
    my.execute_many("insert into orders (id) values (:id)", [{"id": n} for n in range(1, 11)])
    one = my.row_changed("orders", batch=4, timeout=0)
    two = my.row_changed("orders", batch=4, timeout=0)
    a, b = next(one), next(two)  # the first holds its rows: the second skips them
    assert len(a) == 4 and len(b) == 4 and not {e.id for e in a} & {e.id for e in b}
    one.close()  # a reader that stops gives its rows back
    rest = [e for item in two for e in item or []]
    assert {e.subject for e in [*b, *rest]} == {f"orders/{n}" for n in range(1, 11)}


def test_operations_select_the_changes_read(my: Mysql) -> None:
    my.track_changes("orders")
    my.execute("insert into orders (id) values (1)")
    my.execute("update orders set status = 'x'")
    my.execute("delete from orders")
    assert [e.type for e in read_all(my, operations="delete,update")] == [
        "row.updated", "row.deleted",
    ]  # fmt: skip
    assert [e.type for e in read_all(my, operations=["insert"])] == ["row.inserted"]


def test_errors_name_what_is_wrong(my: Mysql) -> None:
    with pytest.raises(ActionArgumentError, match=r"shop.track_changes: no table named 'nope'"):
        my.track_changes("nope")
    my.execute("create view paid as select * from orders")
    with pytest.raises(ActionArgumentError, match="'paid' is a view; only tables"):
        my.track_changes("paid")
    with pytest.raises(
        ActionError, match=r"'orders' is not tracked.*track_changes\(table='orders'\)"
    ):
        next(my.row_changed("orders"))
    with pytest.raises(ActionArgumentError, match="batch must be at least 1"):
        my.row_changed("orders", batch=0)
    with pytest.raises(ActionArgumentError, match="no table named 'nope'"):
        my.untrack_changes("nope")


def test_no_privilege_to_create_triggers_is_explained(my: Mysql, database: str) -> None:
    user = f"wb_reader_{uuid.uuid4().hex[:8]}"
    with admin() as connection, connection.cursor() as cursor:
        for host in ("localhost", "127.0.0.1"):
            cursor.execute(f"create user '{user}'@'{host}'")
            cursor.execute(f"grant select on `{database}`.* to '{user}'@'{host}'")
    try:
        weak = Mysql(MysqlConfig(host="127.0.0.1", user=user, database=database), connection="weak")
        with pytest.raises(ActionError, match=r"weak.track_changes: no privilege .* 'orders'"):
            weak.track_changes("orders")
        weak.close()
        assert installed(my) == {"change_table": False, "triggers": []}
    finally:
        with admin() as connection, connection.cursor() as cursor:
            for host in ("localhost", "127.0.0.1"):
                cursor.execute(f"drop user '{user}'@'{host}'")
