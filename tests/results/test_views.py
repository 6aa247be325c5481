"""The catalog and the history are DataFrames that show as Workbench views."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import ActionError
from workbench.results.views import CatalogFrame, HistoryFrame


def test_the_catalog_is_a_dataframe_shown_as_the_catalog_view() -> None:
    catalog = wb.catalog()
    assert isinstance(catalog, pd.DataFrame)
    assert isinstance(catalog, CatalogFrame)
    page = catalog._repr_html_()
    assert page is not None
    assert "wb-catalog" in page
    assert f"{len(catalog)} connectors" in page
    assert "var(--jp-" in page  # colours from the theme, so dark themes read right
    databases = catalog[catalog["category"] == "database"]
    assert isinstance(databases, CatalogFrame)
    assert f"{len(databases)} connectors" in (databases._repr_html_() or "")
    assert "wb-catalog" not in (catalog[["name", "title"]]._repr_html_() or "")
    assert repr(catalog) == repr(pd.DataFrame(catalog))  # a terminal prints plain text


def test_the_history_marks_failed_calls_and_stays_a_dataframe() -> None:
    shop = wb.connect("shop")
    shop.query("select 1 as one")
    with pytest.raises(ActionError):
        shop.query("select * from no_such_table")
    history = wb.history()
    assert isinstance(history, HistoryFrame)
    page = history._repr_html_() or ""
    assert "2 calls · 1 error · newest first" in page
    assert page.count("<tr class='wb-error'") == 1
    assert "no such table" in page
    assert list(history["status"]) == ["ok", "error"]
    assert "wb-history" not in (wb.history(requests=True)._repr_html_() or "")
