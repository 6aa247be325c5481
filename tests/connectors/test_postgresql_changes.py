"""Row change triggers of the postgresql connector, on the machine's real PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from scratch_databases import postgres_database

from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
from workbench.errors import ActionArgumentError, ActionError
from workbench.sdk import Event

ADMIN = "host=127.0.0.1 user=postgres dbname=postgres"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with postgres_database("wb_changes_test") as name:
        yield name


@pytest.fixture
def pg(database: str) -> Iterator[Postgresql]:
    db = Postgresql(
        PostgresqlConfig(host="127.0.0.1", user="postgres", database=database), connection="shop"
    )
    db.execute("drop schema if exists public cascade")
    db.execute("create schema public")
    db.execute(
        "create table orders (id int primary key, status text, total numeric(10, 2), "
        "placed date, tags jsonb)"
    )
    yield db
    db.close()


@pytest.fixture
def other(database: str) -> Iterator[psycopg.Connection]:
    """A second client of the database, writing as an application would."""
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={database}") as connection:
        yield connection


def installed(pg: Postgresql) -> dict[str, object]:
    return {
        "change_table": pg.query("select to_regclass('public.wb_changes')::text as t").data[0]["t"],
        "function": pg.query("select to_regproc('public.wb_changes_record')::text as f").data[0][
            "f"
        ],
        "triggers": sorted(
            r["t"]
            for r in pg.query(
                "select tgrelid::regclass::text || ':' || tgname as t from pg_trigger "
                "where not tgisinternal"
            ).data
        ),
    }


def read_all(pg: Postgresql, table: str = "orders", **args: object) -> list[Event]:
    """Every change there is, acknowledged (the generator runs until it has nothing)."""
    events: list[Event] = []
    for item in pg.row_changed(table, timeout=0, **args):
        events.extend(item or [])
    return events


def test_install_and_remove_round_trip(pg: Postgresql) -> None:
    assert installed(pg) == {"change_table": None, "function": None, "triggers": []}
    first = pg.track_changes("orders").data
    assert first == {
        "table": "orders",
        "change_table": "public.wb_changes",
        "trigger": "wb_changes",
        "installed": True,
    }
    assert installed(pg) == {
        "change_table": "wb_changes",
        "function": "wb_changes_record",
        "triggers": ["orders:wb_changes"],
    }
    assert pg.track_changes("orders").data["installed"] is False  # idempotent
    assert installed(pg)["triggers"] == ["orders:wb_changes"]
    pg.execute("insert into orders (id, status) values (1, 'new'), (2, 'new')")
    removed = pg.untrack_changes("orders").data
    assert removed == {"table": "orders", "was_tracked": True, "discarded": 2, "dropped": True}
    assert installed(pg) == {"change_table": None, "function": None, "triggers": []}
    again = pg.untrack_changes("orders").data
    assert again == {"table": "orders", "was_tracked": False, "discarded": 0, "dropped": False}


def test_the_change_table_stays_while_another_table_is_tracked(pg: Postgresql) -> None:
    pg.execute("create table refunds (id int primary key)")
    pg.track_changes("orders")
    pg.track_changes("public.refunds")
    pg.execute("insert into refunds values (1)")
    pg.execute("insert into orders (id) values (1)")
    assert pg.untrack_changes("orders").data == {
        "table": "orders", "was_tracked": True, "discarded": 1, "dropped": False,
    }  # fmt: skip
    assert installed(pg)["triggers"] == ["refunds:wb_changes"]
    assert [e.subject for e in read_all(pg, "refunds")] == ["refunds/1"]
    assert pg.untrack_changes("refunds").data["dropped"] is True


def test_insert_update_and_delete_payloads(pg: Postgresql, other: psycopg.Connection) -> None:
    pg.track_changes("orders")
    other.execute("insert into orders values (7, 'paid', 12.30, '2024-05-01', '{\"gift\": true}')")
    other.execute("update orders set status = 'shipped', total = 12.5 where id = 7")
    other.execute("update orders set status = 'shipped' where id = 7")  # nothing changes
    other.execute("delete from orders where id = 7")
    other.commit()
    events = read_all(pg)
    assert [e.type for e in events] == ["row.inserted", "row.updated", "row.updated", "row.deleted"]
    assert {e.subject for e in events} == {"orders/7"}
    assert len({e.id for e in events}) == 4
    assert all(uuid.UUID(e.id).version == 4 for e in events)
    inserted, updated, unchanged, deleted = (e.data for e in events)
    row = {
        "id": 7,
        "status": "paid",
        "total": "12.30",
        "placed": "2024-05-01",
        "tags": {"gift": True},
    }
    assert inserted == {
        "table": "orders",
        "operation": "insert",
        "row": row,
        "old": None,
        "changed": ["id", "status", "total", "placed", "tags"],
    }
    assert updated["old"] == row
    assert updated["row"] == {**row, "status": "shipped", "total": "12.50"}
    assert updated["changed"] == ["status", "total"]
    assert unchanged["changed"] == []
    assert deleted["row"] == deleted["old"] == updated["row"]
    assert all(e.time.tzinfo is not None for e in events)
    assert pg.query("select count(*) as n from wb_changes").data == [{"n": 0}]  # acknowledged


def test_the_match_rule_on_real_changes(pg: Postgresql) -> None:
    pg.track_changes("orders")
    pg.execute("insert into orders (id, status) values (1, 'paid')")
    pg.execute("update orders set status = 'shipped' where id = 1")
    pg.execute("update orders set total = 3 where id = 1")
    spec = Postgresql.trigger_specs["row_changed"]
    events = read_all(pg)
    assert [spec.matches(e, {"status": "shipped"}) for e in events] == [False, True, False]
    assert [spec.matches(e, {"operation": "insert"}) for e in events] == [True, False, False]
    assert [spec.matches(e, {"row.status": "shipped"}) for e in events] == [False, True, True]


def test_a_column_added_later_is_reported(pg: Postgresql) -> None:
    pg.track_changes("orders")
    reader = pg.row_changed("orders", poll=0.1, timeout=5)
    assert next(reader) is None  # the reader knows the columns of the table now
    pg.execute("alter table orders add column carrier text")
    pg.execute("insert into orders (id, carrier) values (1, 'ups')")
    events = next(item for item in reader if item)
    reader.close()
    assert events[0].data["row"]["carrier"] == "ups"
    assert list(events[0].data["row"])[-1] == "carrier"


@pytest.mark.parametrize(
    "name",
    [
        "orders; drop table orders",
        'orders"; drop table orders; --',
        "orders' or '1'='1",
        "public.orders; delete from orders",
        "pg_catalog.pg_class",
    ],
)
def test_injection_through_the_table_name_is_refused(pg: Postgresql, name: str) -> None:
    pg.execute("insert into orders (id) values (1)")
    with pytest.raises((ActionArgumentError, ActionError)) as caught:
        pg.track_changes(name)
    assert repr(name) in str(caught.value)
    assert pg.query("select count(*) as n from orders").data == [{"n": 1}]
    assert installed(pg)["triggers"] == []


def test_a_table_with_a_hostile_name_is_quoted_not_run(pg: Postgresql) -> None:
    hostile = "x'); drop table orders; --\""
    pg.execute(f'create table "{hostile.replace(chr(34), chr(34) * 2)}" (id int primary key)')
    pg.track_changes(hostile)
    pg.execute(f'insert into "{hostile.replace(chr(34), chr(34) * 2)}" values (5)')
    events = read_all(pg, hostile)
    assert [(e.subject, e.data["table"]) for e in events] == [(f"{hostile}/5", hostile)]
    assert pg.query("select count(*) as n from orders").data == [{"n": 0}]  # still there
    assert pg.untrack_changes(hostile).data["was_tracked"] is True


def test_changes_are_acknowledged_only_when_the_reader_resumes(pg: Postgresql) -> None:
    pg.track_changes("orders")
    pg.execute("insert into orders (id) select generate_series(1, 5)")
    reader = pg.row_changed("orders", batch=3)
    first = [e.id for e in next(reader)]
    reader.close()  # not resumed: nothing is acknowledged
    again = pg.row_changed("orders", batch=3)
    assert [e.id for e in next(again)] == first
    second = next(again)  # resuming acknowledged the first batch
    assert len(second) == 2 and not {e.id for e in second} & set(first)
    assert pg.query("select count(*) as n from wb_changes").data == [{"n": 5 - 3}]
    again.close()
    assert len(read_all(pg)) == 2


def test_a_late_commit_is_read_after_later_changes(
    pg: Postgresql, other: psycopg.Connection
) -> None:
    pg.track_changes("orders")
    other.execute("insert into orders (id, status) values (1, 'late')")  # stays open
    pg.execute("insert into orders (id, status) values (2, 'early')")
    assert [e.subject for e in read_all(pg)] == ["orders/2"]
    other.commit()
    assert [e.subject for e in read_all(pg)] == ["orders/1"]


def test_two_readers_share_the_changes_without_losing_any(pg: Postgresql) -> None:
    pg.track_changes("orders")
    pg.execute("insert into orders (id) select generate_series(1, 10)")
    one = pg.row_changed("orders", batch=4, timeout=0)
    two = pg.row_changed("orders", batch=4, timeout=0)
    a, b = next(one), next(two)  # the first holds its rows: the second skips them
    assert len(a) == 4 and len(b) == 4 and not {e.id for e in a} & {e.id for e in b}
    one.close()  # a reader that stops gives its rows back
    rest = [e for item in two for e in item or []]
    subjects = {e.subject for e in [*b, *rest]}
    assert subjects == {f"orders/{n}" for n in range(1, 11)}


def test_operations_select_the_changes_read(pg: Postgresql) -> None:
    pg.track_changes("orders")
    pg.execute("insert into orders (id) values (1)")
    pg.execute("update orders set status = 'x'")
    pg.execute("delete from orders")
    assert [e.type for e in read_all(pg, operations="delete,update")] == [
        "row.updated", "row.deleted",
    ]  # fmt: skip
    assert [e.type for e in read_all(pg, operations=["insert"])] == ["row.inserted"]


def test_a_notification_wakes_the_reader_at_once(pg: Postgresql, other: psycopg.Connection) -> None:
    pg.track_changes("orders")
    reader = pg.row_changed("orders", poll=60, timeout=20)
    assert next(reader) is None
    written: list[float] = []

    def write() -> None:
        time.sleep(0.5)
        other.execute("insert into orders (id) values (1)")
        written.append(time.monotonic())  # before the commit: the reader may wake at once
        other.commit()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        batch = next(item for item in reader if item)
        latency = time.monotonic() - written[0]
    finally:
        writer.join()
        reader.close()  # an open reader would hold its transaction for the next test
    assert [e.subject for e in batch] == ["orders/1"]
    assert latency < 1.5  # far below the 60 s poll


def test_errors_name_what_is_wrong(pg: Postgresql, database: str) -> None:
    with pytest.raises(ActionArgumentError, match=r"shop.track_changes: no table named 'nope'"):
        pg.track_changes("nope")
    pg.execute("create view paid as select * from orders")
    with pytest.raises(ActionArgumentError, match="'paid' is a view; only tables"):
        pg.track_changes("paid")
    with pytest.raises(
        ActionError, match=r"'orders' is not tracked.*track_changes\(table='orders'\)"
    ):
        next(pg.row_changed("orders"))
    with pytest.raises(ActionArgumentError, match="operations: unknown operation 'merge'"):
        pg.row_changed("orders", operations="merge")
    with pytest.raises(ActionArgumentError, match="no table named 'nope'"):
        pg.untrack_changes("nope")


def test_no_privilege_to_create_triggers_is_explained(pg: Postgresql, database: str) -> None:
    role = f"wb_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'create role "{role}" login')
    try:
        pg.execute(f'grant usage on schema public to "{role}"')
        pg.execute(f'grant select on orders to "{role}"')
        weak = Postgresql(
            PostgresqlConfig(host="127.0.0.1", user=role, database=database), connection="weak"
        )
        with pytest.raises(ActionError, match=r"weak.track_changes: no privilege .* 'orders'"):
            weak.track_changes("orders")
        weak.close()
        assert installed(pg)["triggers"] == []
    finally:
        pg.execute(f'revoke all on orders from "{role}"')
        pg.execute(f'drop owned by "{role}"')
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'drop role "{role}"')
