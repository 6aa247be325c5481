"""The call history table."""

from __future__ import annotations

import threading

from workbench.redaction import register_secret
from workbench.sdk.calls import (
    MAX_CALLS,
    MAX_REQUESTS,
    calls,
    collect_requests,
    current_call,
    history,
    record_call,
    record_request,
    requests,
)

CALL_COLUMNS = [
    "time",
    "connection",
    "action",
    "status",
    "ms",
    "rows",
    "method",
    "url",
    "http_status",
    "requests",
    "bytes",
    "retries",
    "error",
]


def test_history_is_a_dataframe_of_recent_calls() -> None:
    record_call("shop", "query", status="ok", ms=1.23456, rows=3)
    record_call("shop", "tables", status="ok", ms=0.5, rows=None)
    frame = history()
    assert list(frame.columns) == CALL_COLUMNS
    assert frame["action"].tolist() == ["query", "tables"]
    assert frame["ms"].tolist() == [1.235, 0.5]
    assert history(limit=1)["action"].tolist() == ["tables"]
    assert history(limit=0).empty
    assert frame[["method", "url", "requests"]].isna().all().all()  # no HTTP in these calls


def test_history_is_bounded() -> None:
    for i in range(MAX_CALLS + 5):
        record_call("c", f"a{i}", status="ok", ms=0)
    assert len(calls()) == MAX_CALLS
    assert calls()[0].action == "a5"
    for i in range(MAX_REQUESTS + 3):
        record_request("GET", f"https://x/{i}", status=200, ms=0)
    assert len(requests()) == MAX_REQUESTS
    assert requests()[0].url == "https://x/3"


def test_error_text_is_redacted() -> None:
    register_secret("hist-secret-99")
    call = record_call("c", "a", status="error", ms=0, error="bad hist-secret-99")
    assert call.error == "bad ***"


def test_requests_join_the_action_call_in_progress() -> None:
    register_secret("url-secret-42")
    record_request("GET", "https://api/outside", status=200, ms=1)
    with collect_requests("crm", "contacts"):
        assert current_call() == ("crm", "contacts")
        record_request("GET", "https://api/a", status=200, ms=2, bytes=100)
        with collect_requests("erp", "lookup"):  # a call made inside another call
            record_request("GET", "https://erp/b", status=200, ms=1, bytes=7)
            inner = record_call("erp", "lookup", status="ok", ms=1)
        worker = threading.Thread(
            target=record_request,
            args=("POST", "https://api/url-secret-42"),
            kwargs={"status": 201, "ms": 3, "bytes": 5, "retries": 2},
        )
        worker.start()  # a plain thread has a context of its own: not part of the call
        worker.join()
        outer = record_call("crm", "contacts", status="ok", ms=9, rows=1)
    assert current_call() is None
    assert (inner.requests, inner.bytes, inner.url) == (1, 7, "https://erp/b")
    assert (outer.requests, outer.bytes, outer.retries) == (1, 100, 0)
    assert (outer.method, outer.url, outer.http_status) == ("GET", "https://api/a", 200)
    outside, first, nested, threaded = requests()
    assert (outside.connection, outside.action) == ("", None)
    assert (first.connection, first.action, nested.action) == ("crm", "contacts", "lookup")
    assert threaded.url == "https://api/***"
    frame = history(requests=True)
    assert frame["http_status"].tolist() == [200, 200, 200, 201]
    assert frame["retries"].dtype == "Int64"
