"""The paged, sortable table view of a DataFrame."""

from __future__ import annotations

import re

import pandas as pd

import workbench as wb
from workbench.notebook.widgets.table import TableView


def numbers(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"n": range(rows), "square": [i * i for i in range(rows)]})


def shown_values(view: TableView, column: str) -> list[object]:
    return view.page_frame()[column].tolist()


def test_pages_move_with_the_buttons() -> None:
    view = TableView(numbers(60), page_size=25)
    assert (view.pages, view.caption) == (3, "rows 1-25 of 60")
    assert view.previous.disabled and not view.next.disabled
    view.next.click()
    view.next.click()
    assert shown_values(view, "n") == list(range(50, 60))
    assert view.caption == "rows 51-60 of 60"
    assert view.next.disabled and not view.previous.disabled
    view.next.click()  # past the end: stays on the last page
    assert view.page == 2
    view.previous.click()
    assert shown_values(view, "n")[0] == 25


def test_the_page_size_changes_the_pages() -> None:
    view = TableView(numbers(60))
    view.next.click()
    view.page_size.value = 50
    assert (view.page, view.pages, len(view.page_frame())) == (0, 2, 50)
    assert view.html.value.count("</tr>") == 51  # header row and 50 rows


def test_sorting_by_a_column_both_ways_from_the_first_page() -> None:
    frame = pd.DataFrame({"name": ["b", "c", "a"], "score": [2.0, None, 1.0]})
    view = TableView(frame, page_size=10)
    assert view.sort_by.options == (("(as returned)", -1), ("name", 0), ("score", 1))
    assert view.sort_by.label == "(as returned)"
    view.sort_by.value = 0
    assert shown_values(view, "name") == ["a", "b", "c"]
    view.ascending.value = False
    assert shown_values(view, "name") == ["c", "b", "a"]
    assert view.ascending.description == "descending"
    assert view.caption == "rows 1-3 of 3 · sorted by name descending"
    view.sort("score")
    assert shown_values(view, "name") == ["a", "b", "c"]  # missing values last
    view.sort(None)
    assert shown_values(view, "name") == ["b", "c", "a"]


def test_columns_of_mixed_values_sort_as_text() -> None:
    frame = pd.DataFrame({"v": [3, "x", {"a": 1}, None]})
    view = TableView(frame)
    view.sort("v")
    assert shown_values(view, "v") == [3, "x", {"a": 1}, None]


def test_only_the_page_is_rendered_and_cells_are_escaped() -> None:
    frame = pd.DataFrame({"html": ["<script>alert(1)</script>"] * 1000})
    view = TableView(frame, page_size=10)
    page = view.html.value
    assert page.count("&lt;script&gt;") == 10 and "<script>" not in page
    assert "rows 1-10 of 1,000" in page


def test_colours_come_from_the_theme() -> None:
    page = TableView(numbers(3)).html.value
    assert "var(--jp-" in page
    table = page[page.index("<table") :]
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgb|color:", table)  # the rows carry no colour


def test_empty_frames_and_nothing_shown() -> None:
    view = TableView()
    assert (view.frame, view.caption, view.pages) == (None, "no rows", 1)
    assert view.next.disabled and view.previous.disabled
    view.show(pd.DataFrame())
    assert "no rows" in view.html.value


def test_a_result_frame_from_the_sample_shop() -> None:
    orders = wb.connect("shop").query("select id, status from orders").df
    view = TableView(orders)
    view.sort("id", ascending=False)
    assert shown_values(view, "id")[0] == orders["id"].max()
    assert view.pages == -(-len(orders) // 25)
