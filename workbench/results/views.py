"""DataFrames that show as Workbench views in a notebook: the catalog and the call history.

They are ordinary pandas DataFrames (every operation works and keeps the view), with the
rich HTML of :mod:`workbench.results.html` in a notebook, in JupyterLab's light and dark
themes alike; a terminal prints pandas' text table. A frame whose columns no longer fit
the view (a selection of a few columns) shows as a plain DataFrame.

Example:
    >>> import workbench as wb
    >>> found = wb.catalog("sqlite")
    >>> type(found).__name__, "1 connector" in found._repr_html_()
    ('CatalogFrame', True)
    >>> "wb-catalog" in found[["name"]]._repr_html_()
    False
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.results.html import catalog_html, history_html


class CatalogFrame(pd.DataFrame):
    """The connector catalog (``wb.catalog()``), shown with action counts and broken rows."""

    @property
    def _constructor(self) -> Any:
        return CatalogFrame

    def _repr_html_(self) -> str | None:
        if {"name", "actions"} <= set(self.columns):
            return catalog_html(self)
        return _plain_html(self)


class HistoryFrame(pd.DataFrame):
    """The call history (``wb.history()``), shown newest first with failed calls marked."""

    @property
    def _constructor(self) -> Any:
        return HistoryFrame

    def _repr_html_(self) -> str | None:
        if {"connection", "action", "status"} <= set(self.columns):
            return history_html(self)
        return _plain_html(self)


def _plain_html(frame: pd.DataFrame) -> str | None:
    """pandas' own notebook HTML for ``frame``."""
    shown: str | None = pd.DataFrame._repr_html_(frame)  # type: ignore[attr-defined]
    return shown
