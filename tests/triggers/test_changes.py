"""The shared part of the database change triggers: events, the match rule, the read loop."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from workbench.errors import ActionArgumentError
from workbench.sdk import Event
from workbench.triggers.changes import (
    Change,
    check_reading,
    follow,
    in_order,
    json_ready,
    load_row,
    operations_of,
    row_matches,
    subject,
)

AT = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def change(operation: str, old: dict | None, new: dict | None, changed: list[str]) -> Event:
    return Change("c-1", operation, old, new, changed, AT).event(
        "shop.row_changed", "orders", ["id"]
    )


def test_an_update_becomes_an_event_with_the_documented_payload() -> None:
    event = change(
        "update", {"id": 7, "status": "paid"}, {"id": 7, "status": "shipped"}, ["status"]
    )
    assert (event.id, event.type, event.subject, event.time) == (
        "c-1",
        "row.updated",
        "orders/7",
        AT,
    )
    assert event.data == {
        "table": "orders",
        "operation": "update",
        "row": {"id": 7, "status": "shipped"},
        "old": {"id": 7, "status": "paid"},
        "changed": ["status"],
    }


def test_an_insert_has_no_old_row_and_a_delete_shows_the_deleted_row() -> None:
    inserted = change("insert", None, {"id": 1, "status": "new"}, ["id", "status"])
    deleted = change("delete", {"id": 1, "status": "new"}, None, ["id", "status"])
    assert (inserted.type, inserted.data["old"], inserted.data["row"]["status"]) == (
        "row.inserted", None, "new",
    )  # fmt: skip
    assert (deleted.type, deleted.subject, deleted.data["row"]) == (
        "row.deleted", "orders/1", {"id": 1, "status": "new"},
    )  # fmt: skip


def test_naive_change_times_are_utc() -> None:
    event = Change("x", "insert", None, {"id": 1}, ["id"], dt.datetime(2024, 1, 1)).event(
        "s", "t", ["id"]
    )
    assert event.time == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_subjects_join_the_key_columns_in_key_order() -> None:
    row = {"b": "x", "a": 1, "flag": True, "none": None}
    assert subject("t", row, ["a", "b"]) == "t/1/x"
    assert subject("t", row, ["flag", "none"]) == "t/true/null"
    assert subject("t", row, []) == "t"


def test_operations_are_checked_and_taken_from_text_or_lists() -> None:
    assert operations_of("l", "Insert,update , insert") == ("insert", "update")
    assert operations_of("l", ["delete"]) == ("delete",)
    with pytest.raises(ActionArgumentError, match=r"l: operations: unknown operation 'merge'"):
        operations_of("l", "insert,merge")
    with pytest.raises(ActionArgumentError, match="name at least one"):
        operations_of("l", "")


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ({"batch": 0}, "batch must be at least 1"),
        ({"poll": 0}, "poll must be a positive"),
        ({"max_events": 0}, "max_events must be at least 1"),
        ({"timeout": -1}, "timeout must not be negative"),
    ],
)
def test_reading_bounds_are_checked(bounds: dict, message: str) -> None:
    given = {"batch": 10, "poll": 1.0, "max_events": None, "timeout": None, **bounds}
    with pytest.raises(ActionArgumentError, match=message):
        check_reading("shop.row_changed", **given)


def test_rows_load_with_exact_decimals_and_in_column_order() -> None:
    row = load_row('{"z": 1e3, "price": 10.10, "n": 2, "j": {"x": 0.5}}', exact={"price", "n"})
    assert row == {"z": 1000.0, "price": "10.10", "n": "2", "j": {"x": 0.5}}
    assert list(in_order(row, ["price", "n", "j"]) or {}) == ["price", "n", "j", "z"]
    assert load_row(None) is None
    with pytest.raises(ValueError, match="not a JSON object"):
        load_row("[1]")


def test_database_values_become_json_ready() -> None:
    values = {
        "when": dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC),
        "day": dt.date(2024, 5, 1),
        "price": Decimal("12.30"),
        "raw": b"\x00\xff",
        "span": dt.timedelta(hours=1),
        "list": (1, Decimal("1.5")),
    }
    assert json_ready(values) == {
        "when": "2024-05-01T12:30:00+00:00",
        "day": "2024-05-01",
        "price": "12.30",
        "raw": "\\x00ff",
        "span": "1:00:00",
        "list": [1, "1.5"],
    }


# -- the match rule ---------------------------------------------------------------------

PAID = {"id": 7, "status": "paid", "total": 10}
SHIPPED = {"id": 7, "status": "shipped", "total": 10}


@pytest.mark.parametrize(
    ("event", "filters", "expected"),
    [
        (change("update", PAID, SHIPPED, ["status"]), {"status": "shipped"}, True),
        (change("update", SHIPPED, SHIPPED, []), {"status": "shipped"}, False),  # already was
        (change("update", SHIPPED, PAID, ["status"]), {"status": "shipped"}, False),
        (change("insert", None, SHIPPED, ["id", "status", "total"]), {"status": "shipped"}, True),
        (change("delete", SHIPPED, None, ["id", "status", "total"]), {"status": "shipped"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"status": "ship*"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"total": "10"}, False),  # unchanged
        (change("update", PAID, SHIPPED, ["status"]), {"row.total": "10"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"old.status": "paid"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"missing": "x"}, False),
        (change("update", PAID, SHIPPED, ["status"]), {"changed": "status"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"changed": "total"}, False),
        (change("update", PAID, SHIPPED, ["status"]), {"operation": "update"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"operation": "insert"}, False),
        (change("update", PAID, SHIPPED, ["status"]), {"type": "row.*"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"subject": "orders/7"}, True),
        (change("update", PAID, SHIPPED, ["status"]), {"table": "orders"}, True),
        (change("delete", SHIPPED, None, []), {"operation": "delete", "status": "shipped"}, True),
    ],
)
def test_the_match_rule(event: Event, filters: dict[str, str], expected: bool) -> None:
    assert row_matches(event, filters) is expected


def test_an_update_without_its_old_row_matches_on_the_changed_columns() -> None:
    changed = change("update", None, SHIPPED, ["status"])
    untouched = change("update", None, SHIPPED, ["total"])
    assert row_matches(changed, {"status": "shipped"})
    assert not row_matches(untouched, {"status": "shipped"})


def test_the_connectors_use_the_match_rule() -> None:
    from workbench.connectors.mssql import Mssql
    from workbench.connectors.mysql import Mysql
    from workbench.connectors.postgresql import Postgresql

    event = change("update", PAID, SHIPPED, ["status"])
    for connector in (Postgresql, Mysql, Mssql):
        spec = connector.trigger_specs["row_changed"]
        assert (spec.setup, spec.teardown) == ("track_changes", "untrack_changes")
        assert spec.follows
        assert spec.matches(event, {"status": "shipped"})
        assert not spec.matches(event, {"status": "paid"})


# -- the read loop, over a feed held in memory ---------------------------------------------


class ListFeed:
    """A change table in a list: fetch takes the oldest rows, acknowledge deletes them."""

    def __init__(self, count: int = 0) -> None:
        self.rows = [self.event(i) for i in range(count)]
        self.log: list[str] = []
        self.wakes: list[bool] = []
        self.closed = False

    @staticmethod
    def event(n: int) -> Event:
        return Event(source="s", id=f"change-{n}", type="row.inserted")

    def fetch(self, limit: int) -> list[Event]:
        self.log.append("fetch")
        return self.rows[:limit]

    def acknowledge(self, events: list[Event]) -> None:
        self.log.append(f"ack {len(events)}")
        done = {e.id for e in events}
        self.rows = [e for e in self.rows if e.id not in done]

    def release(self) -> None:
        self.log.append("release")

    def wait(self, seconds: float) -> bool:
        self.log.append("wait")
        return self.wakes.pop(0) if self.wakes else False

    def close(self) -> None:
        self.closed = True


def test_batches_are_acknowledged_only_when_the_reader_resumes() -> None:
    feed = ListFeed(5)
    items = follow(lambda: feed, batch=2, max_events=None, timeout=None, poll=0.01)
    assert [e.id for e in next(items)] == ["change-0", "change-1"]
    assert len(feed.rows) == 5  # not acknowledged yet
    assert [e.id for e in next(items)] == ["change-2", "change-3"]
    assert len(feed.rows) == 3
    items.close()  # closed at a yield: that batch stays
    assert feed.log[-1] == "release" and len(feed.rows) == 3 and feed.closed


def test_the_feed_opens_on_the_first_read() -> None:
    opened: list[ListFeed] = []

    def open_feed() -> ListFeed:
        opened.append(ListFeed(1))
        return opened[-1]

    items = follow(open_feed, batch=10, max_events=None, timeout=None, poll=1)
    assert opened == []
    assert len(next(items) or []) == 1
    items.close()


def test_an_idle_feed_yields_none_after_each_empty_look() -> None:
    feed = ListFeed(0)
    items = follow(lambda: feed, batch=10, max_events=None, timeout=None, poll=0.01)
    assert next(items) is None
    assert feed.log == ["fetch", "release"]
    feed.rows.append(ListFeed.event(9))
    found = next(item for item in items if item)
    assert [e.id for e in found] == ["change-9"]
    items.close()


def test_a_wake_up_looks_at_once_and_poll_bounds_the_quiet_looks() -> None:
    feed = ListFeed(0)
    items = follow(lambda: feed, batch=10, max_events=None, timeout=None, poll=60)
    assert next(items) is None
    feed.wakes = [False, True]
    feed.rows.append(ListFeed.event(1))
    assert next(items) is None  # a quiet wait: poll is far away, no look
    assert feed.log.count("fetch") == 1
    assert [e.id for e in next(items) or []] == ["change-1"]  # woken: looks at once
    items.close()


def test_max_events_and_timeout_end_the_reading() -> None:
    feed = ListFeed(7)
    items = list(follow(lambda: feed, batch=3, max_events=5, timeout=None, poll=0.01))
    assert [len(batch or []) for batch in items] == [3, 2]
    assert len(feed.rows) == 2 and feed.closed
    started = time.monotonic()
    quiet = list(follow(lambda: ListFeed(0), batch=3, max_events=None, timeout=0.2, poll=0.05))
    assert set(quiet) == {None}
    assert 0.2 <= time.monotonic() - started < 2
