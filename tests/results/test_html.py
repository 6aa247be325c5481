"""HTML views: one themed stylesheet, catalog and history tables, messages, plain text."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pandas as pd

import workbench as wb
from workbench.redaction import register_secret
from workbench.results import Result
from workbench.results.html import (
    MAX_CELL,
    STYLESHEET,
    Rich,
    catalog_html,
    history_html,
    message_html,
    result_html,
)
from workbench.sdk.calls import record_call


def test_the_stylesheet_follows_the_jupyterlab_theme() -> None:
    for variable in ("--jp-ui-font-color1", "--jp-border-color2", "--jp-layout-color1"):
        assert f"var({variable}," in STYLESHEET
    lowered = STYLESHEET.lower()
    assert not re.search(r"#(000|fff)(000|fff)?\b|\b(black|white)\b", lowered)
    rules = re.findall(r"([^{}]+)\{", STYLESHEET.removeprefix("<style>"))
    assert rules and all(rule.startswith(".wb-view") for rule in rules)


def test_result_catalog_and_history_share_the_stylesheet() -> None:
    record_call("shop", "query", status="ok", ms=1.0, rows=1)
    pages = [
        result_html(Result([{"a": 1}])),
        catalog_html(wb.catalog()),
        history_html(wb.history()),
    ]
    for page in pages:
        assert page.startswith("<div class='wb-view") and STYLESHEET in page
        assert "<div class='wb-caption'>" in page and "<table" in page
        assert "<div style" not in page and "<td style" not in page  # classes, not inline


def test_catalog_shows_counts_and_marks_connectors_that_cannot_load() -> None:
    frame = pd.DataFrame(
        [
            {"name": "crm", "title": "CRM", "category": "api", "description": "<Contacts>",
             "auth": "bearer", "actions": 12, "triggers": 1, "package": "imported"},
            {"name": "old", "title": "Old", "category": "api",
             "description": "cannot load: bad spec", "auth": "none", "actions": 0,
             "triggers": 0, "package": "imported"},
        ]
    )  # fmt: skip
    page = catalog_html(frame, total=9)
    assert "2 of 9 connectors · 12 actions" in page
    assert "&lt;Contacts&gt;" in page and "<Contacts>" not in page
    assert "<td class='wb-num'>12</td>" in page
    assert page.count("<tr class='wb-error'>") == 1
    assert page.index("<tr class='wb-error'>") > page.index(">crm<")
    assert catalog_html(frame.head(1)).count("1 connector · 12 actions") == 1


def test_history_is_newest_first_and_hides_empty_http_columns() -> None:
    now = datetime.now(UTC)
    frame = pd.DataFrame(
        [
            {"time": now - timedelta(seconds=5), "connection": "a", "action": "first",
             "status": "ok", "ms": 1.5, "rows": 3, "method": None, "url": None},
            {"time": now, "connection": "a", "action": "second", "status": "error",
             "ms": 2.0, "rows": None, "method": None, "url": None, "error": "boom"},
        ]
    )  # fmt: skip
    page = history_html(frame)
    assert page.index(">second<") < page.index(">first<")
    assert "<th>method</th>" not in page and "<th>url</th>" not in page
    assert "<td class='wb-num'>1.5</td>" in page
    assert now.astimezone().strftime("%H:%M:%S") in page
    assert "2 calls · 1 error · newest first" in page

    frame.loc[1, "method"] = "GET"
    assert "<th>method</th>" in history_html(frame)


def test_history_redacts_errors_before_cutting_them() -> None:
    token = "tok-" + secrets.token_hex(16)
    register_secret(token)
    error = "x" * (MAX_CELL - 10) + token  # the cut falls inside the secret
    frame = pd.DataFrame([{"connection": "a", "action": "b", "status": "error", "error": error}])
    page = history_html(frame)
    assert token[:8] not in page
    assert "***" in page


def test_messages_are_one_escaped_redacted_line() -> None:
    token = "tok-" + secrets.token_hex(12)
    register_secret(token)
    page = message_html(f"failed: <b>{token}</b>\nsecond line", "error")
    assert "wb-message wb-error" in page
    assert "failed: &lt;b&gt;***&lt;/b&gt; second line" in page
    assert token not in page


def test_rich_is_html_in_a_notebook_and_text_in_a_terminal() -> None:
    frame = wb.catalog("sqlite")
    view = Rich(catalog_html(frame), frame.to_string(index=False))
    assert repr(view).split()[0] == "name"
    assert "<table" not in repr(view)
    assert view._repr_html_().startswith("<div class='wb-view")
