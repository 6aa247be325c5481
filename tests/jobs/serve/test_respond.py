"""`wb.respond`: values to JSON, the published display data, and reading it back."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import workbench as wb
from workbench.errors import JobError
from workbench.jobs.serve.respond import (
    MIME,
    check_headers,
    check_status,
    find_response,
    respond,
    response_payload,
    to_json,
)
from workbench.redaction import register_secret
from workbench.results.result import Result


def test_a_dataframe_becomes_records_with_iso_dates_and_nulls() -> None:
    frame = pd.DataFrame(
        {
            "id": [2, 1],
            "at": pd.to_datetime(["2025-02-26 17:55:00", None]),
            "utc": pd.to_datetime(["2025-02-26 17:55:00.250", "2024-01-01 00:00:00.000"], utc=True),
            "day": [datetime.date(2024, 1, 2), None],
            "total": [1.5, float("nan")],
            "count": pd.array([3, None], dtype="Int64"),
        }
    )
    assert to_json(frame) == [
        {
            "id": 2,
            "at": "2025-02-26T17:55:00",
            "utc": "2025-02-26T17:55:00.250000+00:00",
            "day": "2024-01-02",
            "total": 1.5,
            "count": 3,
        },
        {"id": 1, "at": None, "utc": "2024-01-01T00:00:00+00:00", "day": None, "total": None,
         "count": None},
    ]  # fmt: skip


def test_a_named_index_becomes_columns_and_a_filtered_one_is_dropped() -> None:
    frame = pd.DataFrame({"status": ["a", "b", "a"], "total": [1, 2, 3]})
    grouped = frame.groupby("status")["total"].sum().to_frame()
    assert to_json(grouped) == [{"status": "a", "total": 4}, {"status": "b", "total": 2}]
    assert to_json(frame[frame.total > 1]) == [
        {"status": "b", "total": 2},
        {"status": "a", "total": 3},
    ]


def test_plain_values_results_and_numpy_scalars() -> None:
    ident = uuid.uuid4()
    value = {
        "n": np.int64(4),
        "x": np.float32(0.5),
        "ok": np.bool_(True),
        "price": decimal.Decimal("10.10"),
        "id": ident,
        "took": datetime.timedelta(minutes=1, seconds=30),
        "when": datetime.time(9, 30),
        "tags": {"b"},
        "inf": float("inf"),
        "missing": pd.NaT,
        "na": pd.NA,
        "result": Result([{"a": 1}], connection="api", action="list"),
        1: "numeric key",
    }
    assert to_json(value) == {
        "n": 4,
        "x": 0.5,
        "ok": True,
        "price": "10.10",
        "id": str(ident),
        "took": 90.0,
        "when": "09:30:00",
        "tags": ["b"],
        "inf": None,
        "missing": None,
        "na": None,
        "result": [{"a": 1}],
        "1": "numeric key",
    }


def test_what_cannot_be_json_is_named_with_its_place() -> None:
    with pytest.raises(JobError, match=r"body\['rows'\]\[1\] is a builtins.object"):
        to_json({"rows": [1, object()]})
    with pytest.raises(JobError, match="JSON keys must be text or numbers"):
        to_json({("a", "b"): 1})


def test_status_and_headers_are_checked() -> None:
    assert check_status(404) == 404
    for bad in (199, 600, "200", True, 200.0):
        with pytest.raises(JobError, match="status must be an HTTP status code"):
            check_status(bad)
    assert check_headers({"X-Total": "3"}) == {"X-Total": "3"}
    with pytest.raises(JobError, match="not a valid HTTP header name"):
        check_headers({"Bad Name": "x"})
    with pytest.raises(JobError, match="set by the server"):
        check_headers({"Content-Type": "text/html"})
    with pytest.raises(JobError, match="must be text"):
        check_headers({"X-Count": 3})  # type: ignore[dict-item]
    with pytest.raises(JobError, match="line break"):
        check_headers({"X-Evil": "a\nSet-Cookie: b"})


def test_in_ipython_the_value_is_displayed_with_the_response_beside_it() -> None:
    shell = InteractiveShell.instance()
    try:
        frame = pd.DataFrame({"b": [1], "a": ["x"]})
        with capture_output() as captured:
            wb.respond(frame, status=202, headers={"X-Rows": "1"})
        (output,) = captured.outputs
        assert "text/html" in output.data  # the table shows in a notebook
        assert "<table" in output.data["text/html"]
        payload = output.data[MIME]
        assert payload["status"] == 202
        assert payload["headers"] == {"X-Rows": "1"}
        assert payload["json"] == '[{"b":1,"a":"x"}]'
    finally:
        InteractiveShell.clear_instance()
        del shell


def test_outside_ipython_the_body_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    respond([{"id": 1}])
    assert json.loads(capsys.readouterr().out) == [{"id": 1}]


def test_the_last_response_of_a_saved_notebook_is_read_back_in_order_and_redacted(
    tmp_path: Path,
) -> None:
    register_secret("respond-canary-1234567")
    first = nbformat.v4.new_code_cell("respond(1)")
    first.outputs = [
        nbformat.v4.new_output("display_data", data={MIME: response_payload({"first": 1})})
    ]
    second = nbformat.v4.new_code_cell("respond(frame)")
    body = {"zeta": 1, "alpha": "token respond-canary-1234567", "mid": [1, 2]}
    second.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="hi\n"),
        nbformat.v4.new_output(
            "display_data",
            data={"text/plain": "{...}", MIME: response_payload(body, 201, {"X-A": "b"})},
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=[first, second])
    nbformat.validate(nb)  # a valid notebook: the response is JSON display data
    path = tmp_path / "out.ipynb"
    nbformat.write(nb, path)  # keys are sorted in the file
    found = find_response(json.loads(path.read_text()))
    assert found == {
        "status": 201,
        "headers": {"X-A": "b"},
        "body": {"zeta": 1, "alpha": "token ***", "mid": [1, 2]},
    }
    assert list(found["body"]) == ["zeta", "alpha", "mid"]  # the order the notebook gave
    assert find_response({"cells": [nbformat.v4.new_code_cell("1")]}) is None
