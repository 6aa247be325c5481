"""The history table: calls newest first, statuses and errors shown, filters, refresh."""

from __future__ import annotations

import secrets

import pytest

import workbench as wb
from workbench.errors import ActionError
from workbench.notebook.widgets.history_table import HistoryTable
from workbench.redaction import register_secret
from workbench.sdk.calls import record_call


def shop_calls() -> None:
    shop = wb.connect("shop")
    shop.query("select 1 as one")
    with pytest.raises(ActionError):
        shop.query("select * from no_such_table")


def test_a_good_and_a_failing_call_are_shown_newest_first() -> None:
    shop_calls()
    table = HistoryTable()
    assert table.frame[["connection", "action", "status"]].values.tolist() == [
        ["shop", "query", "error"],
        ["shop", "query", "ok"],
    ]
    page = table.table.value
    assert "2 calls · 1 error · newest first" in page
    assert page.count("<tr class='wb-error'>") == 1
    assert "no such table: no_such_table" in page
    assert page.index("no such table") < page.index("<td class='wb-ok'>ok</td>")
    assert "<td class='wb-bad'>error</td>" in page


def test_filters_by_status_and_connection() -> None:
    shop_calls()
    record_call("crm", "contacts", status="ok", ms=3.0, rows=5)
    table = HistoryTable(status="error")
    assert table.frame["status"].tolist() == ["error"]
    assert "1 of 3 calls · 1 error" in table.table.value

    table.status_filter.value = ""
    table.connection_filter.value = "crm"
    assert table.frame["action"].tolist() == ["contacts"]
    assert [value for _, value in table.connection_filter.options] == ["", "crm", "shop"]
    assert "no such table" not in table.table.value


def test_refresh_shows_new_calls_and_keeps_the_filters() -> None:
    table = HistoryTable(connection="shop")
    assert table.frame.empty
    assert "0 calls" in table.table.value
    shop_calls()
    assert table.frame.empty  # not read until refreshed
    table.refresh_button.click()
    assert len(table.frame) == 2
    assert table.connection_filter.value == "shop"
    assert repr(table) == "<HistoryTable: 2 of 2 calls>"


def test_error_text_is_redacted() -> None:
    token = "tok-" + secrets.token_hex(12)
    register_secret(token)
    record_call("api", "send", status="error", ms=1.0, error=f"refused {token}")
    table = HistoryTable()
    assert token not in table.table.value
    assert "refused ***" in table.table.value


def test_the_limit_caps_the_rows_shown() -> None:
    for i in range(5):
        record_call("api", f"call{i}", status="ok", ms=1.0)
    table = HistoryTable(limit=2)
    page = table.table.value
    assert ">call4<" in page and ">call3<" in page and ">call2<" not in page
    assert "… 3 more rows" in page
