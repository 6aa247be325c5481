"""The call history as a table: newest first, filtered by connection and status.

Example:
    >>> import workbench as wb
    >>> _ = wb.connect("shop").query("select 1 as one")
    >>> table = HistoryTable(connection="shop")
    >>> table.frame[["connection", "action", "status"]].iloc[0].tolist()
    ['shop', 'query', 'ok']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.results.html import history_html
from workbench.sdk.calls import history

if TYPE_CHECKING:
    import pandas as pd

_STYLE = {"description_width": "6em"}
_ANY = ""
STATUSES = ("ok", "error")


class HistoryTable(widgets.VBox):
    """``wb.history()`` in a widget: a Refresh button, filters and an HTML table.

    ``frame`` holds the calls shown, newest first. Failed calls are marked and their
    (redacted) error text is shown in the table. ``limit`` caps the rows displayed.
    """

    def __init__(self, *, connection: str = _ANY, status: str = _ANY, limit: int = 200) -> None:
        self.limit = limit
        self._calls: pd.DataFrame = history()
        self.frame: pd.DataFrame = self._calls
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.connection_filter = widgets.Dropdown(
            options=[("all connections", _ANY)], description="connection", style=_STYLE
        )
        self.status_filter = widgets.Dropdown(
            options=[("any status", _ANY), *((s, s) for s in STATUSES)],
            description="status",
            style=_STYLE,
        )
        self.table = widgets.HTML()
        self._quiet = False
        self.refresh_button.on_click(lambda _: self.refresh())
        self.connection_filter.observe(lambda _: self._render(), names="value")
        self.status_filter.observe(lambda _: self._render(), names="value")
        bar = widgets.HBox([self.refresh_button, self.connection_filter, self.status_filter])
        super().__init__([bar, self.table])
        self.add_class("wb-history-table")
        self._set_filters(connection, status)
        self._render()

    def __repr__(self) -> str:
        return f"<HistoryTable: {len(self.frame)} of {len(self._calls)} calls>"

    def refresh(self) -> None:
        """Read the call history again and show it with the current filters."""
        self._calls = history()
        self._set_filters(self.connection_filter.value, self.status_filter.value)
        self._render()

    def _set_filters(self, connection: str, status: str) -> None:
        """Offer the connections and statuses in the history (and the chosen ones)."""
        names = sorted(set(self._calls["connection"]) | ({connection} - {_ANY}))
        statuses = sorted(set(self._calls["status"]) | set(STATUSES) | ({status} - {_ANY}))
        self._quiet = True
        try:
            self.connection_filter.options = [("all connections", _ANY), *((n, n) for n in names)]
            self.status_filter.options = [("any status", _ANY), *((s, s) for s in statuses)]
            self.connection_filter.value = connection
            self.status_filter.value = status
        finally:
            self._quiet = False

    def _render(self) -> None:
        if self._quiet:
            return
        calls = self._calls
        if self.connection_filter.value != _ANY:
            calls = calls[calls["connection"] == self.connection_filter.value]
        if self.status_filter.value != _ANY:
            calls = calls[calls["status"] == self.status_filter.value]
        self.frame = calls.iloc[::-1].reset_index(drop=True)  # newest first
        self.table.value = history_html(calls, max_rows=self.limit, total=len(self._calls))
