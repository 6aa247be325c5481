"""Arrow and driver rows to DataFrames; DataFrames to Arrow, CSV and DDL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from workbench.errors import ActionArgumentError
from workbench.sql.frames import arrow_to_frame, rows_to_frame
from workbench.sql.insert import check_mode, csv_payload, frame_to_arrow, quote_identifier


def test_driver_rows_keep_their_types() -> None:
    zone = dt.timezone(dt.timedelta(hours=2))
    rows = [(2**63 - 1, Decimal("1.25"), dt.datetime(2024, 1, 2, tzinfo=zone), "é", None, {"a": 1})]
    frame = rows_to_frame(["i", "n", "t", "u", "z", "j"], rows)
    assert str(frame["i"].dtype) == "int64[pyarrow]"
    assert frame["n"].dtype == pd.ArrowDtype(pa.decimal128(3, 2))
    assert frame["t"].iloc[0] == pd.Timestamp("2024-01-02T00:00:00+02:00")
    assert frame.iloc[0].tolist()[3:] == ["é", None, {"a": 1}]


def test_empty_results_keep_their_columns() -> None:
    assert rows_to_frame(["a", "b"], []).columns.tolist() == ["a", "b"]
    assert arrow_to_frame(pa.table({"a": pa.array([], pa.int64())})).columns.tolist() == ["a"]


def test_csv_for_copy_tells_null_from_empty() -> None:
    table, _ = frame_to_arrow(pd.DataFrame({"s": ["", None, 'a,"b"'], "n": [1, None, 3]}))
    assert csv_payload(table) == b'"",1\n,\n"a,""b""",3\n'
    assert csv_payload(pa.table({"b": [b"\x00"]})) is None


def test_identifiers_are_quoted_not_formatted() -> None:
    assert quote_identifier('x"; drop table t; --') == '"x""; drop table t; --"'
    assert quote_identifier("s.t", "`") == "`s`.`t`"
    with pytest.raises(ActionArgumentError):
        quote_identifier("")


def test_modes_are_checked() -> None:
    with pytest.raises(ActionArgumentError, match="needs key"):
        check_mode("upsert", [], ["a"])
    with pytest.raises(ActionArgumentError, match="not in the frame"):
        check_mode("upsert", ["b"], ["a"])
    with pytest.raises(ActionArgumentError, match="mode must be"):
        check_mode("merge", [], ["a"])
