"""Result: data, DataFrame, repr and HTML display."""

from __future__ import annotations

import pandas as pd

from workbench.results import Result
from workbench.results.frames import to_dataframe


def test_nested_json_is_flattened_into_dotted_columns() -> None:
    result = Result([{"id": 1, "user": {"name": "ada", "tags": ["x"]}}, {"id": 2, "user": None}])
    assert list(result.df.columns) == ["id", "user.name", "user.tags", "user"]
    assert result.rows == 2


def test_a_frame_gives_records_as_data() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", None]})
    result = Result(frame, connection="db", action="query")
    assert result.df is frame
    assert result.data == [{"a": 1, "b": "x"}, {"a": 2, "b": None}]
    assert len(result) == 2


def test_scalars_and_mappings_become_one_row() -> None:
    assert to_dataframe(5).to_dict("records") == [{"value": 5}]
    assert to_dataframe({"a": 1}).to_dict("records") == [{"a": 1}]
    assert to_dataframe(["x", "y"]).to_dict("records") == [{"value": "x"}, {"value": "y"}]
    assert to_dataframe(None).empty


def test_repr_shows_label_rows_and_time() -> None:
    result = Result([1, 2, 3], connection="shop", action="query", elapsed=0.0123)
    assert repr(result) == "<Result shop.query: 3 rows in 12 ms>"
    assert repr(Result()) == "<Result result: 0 rows in 0 ms>"


def test_html_shows_caption_table_and_a_row_limit() -> None:
    result = Result([{"n": i} for i in range(60)], connection="shop", action="query", pages=3)
    page = result._repr_html_()
    assert "shop.query · 60 rows" in page
    assert "3 pages" in page
    assert page.count("<tr") == 51  # header row + 50 shown rows
    assert "10 more rows" in page
    assert "var(--jp-ui-font-color2" in page


def test_html_escapes_the_caption() -> None:
    page = Result([], connection="<b>", action="x")._repr_html_()
    assert "&lt;b&gt;.x" in page
