"""The call history table."""

from __future__ import annotations

from workbench.redaction import register_secret
from workbench.sdk.calls import MAX_CALLS, calls, history, record_call


def test_history_is_a_dataframe_of_recent_calls() -> None:
    record_call("shop", "query", status="ok", ms=1.23456, rows=3)
    record_call("shop", "tables", status="ok", ms=0.5, rows=None)
    frame = history()
    assert list(frame.columns) == ["time", "connection", "action", "status", "ms", "rows", "error"]
    assert frame["action"].tolist() == ["query", "tables"]
    assert frame["ms"].tolist() == [1.235, 0.5]
    assert history(limit=1)["action"].tolist() == ["tables"]


def test_history_is_bounded() -> None:
    for i in range(MAX_CALLS + 5):
        record_call("c", f"a{i}", status="ok", ms=0)
    assert len(calls()) == MAX_CALLS
    assert calls()[0].action == "a5"


def test_error_text_is_redacted() -> None:
    register_secret("hist-secret-99")
    call = record_call("c", "a", status="error", ms=0, error="bad hist-secret-99")
    assert call.error == "bad ***"
