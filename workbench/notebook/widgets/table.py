"""A DataFrame one page at a time: page size, previous / next, sort by any column.

Only the shown page is turned into HTML, so a frame of a million rows pages as fast as a
small one. The table uses the workbench's result stylesheet (JupyterLab's ``--jp-*``
theme variables), so it reads well in the light and the dark theme.

Example:
    >>> import pandas as pd
    >>> view = TableView(pd.DataFrame({"n": [3, 1, 2]}), page_size=2)
    >>> view.sort("n")
    >>> view.page_frame()["n"].tolist()
    [1, 2]
    >>> view.next_page()
    >>> view.page_frame()["n"].tolist(), view.caption
    ([3], 'rows 3-3 of 3 · sorted by n ascending')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.results.html import MAX_CELL, view

if TYPE_CHECKING:
    import pandas as pd

PAGE_SIZES = (10, 25, 50, 100, 500)
MAX_COLUMNS = 60
AS_RETURNED = ("(as returned)", -1)  # the sort choice that keeps the frame's own order


class TableView(widgets.VBox):
    """A paged, sortable view of a DataFrame.

    ``sort_by`` (a column's position, or -1 for the frame's own order), ``ascending``,
    ``page_size``,
    ``previous`` and ``next`` are the controls; ``html`` shows the page.
    """

    def __init__(self, frame: pd.DataFrame | None = None, *, page_size: int = 25) -> None:
        self.page = 0
        self._frame: pd.DataFrame | None = None
        self._ordered: pd.DataFrame | None = None
        self.sort_by = widgets.Dropdown(description="sort by", options=[AS_RETURNED])
        self.ascending = widgets.ToggleButton(
            value=True, description="ascending", icon="sort-amount-asc", tooltip="sort order"
        )
        sizes = sorted({*PAGE_SIZES, page_size})
        self.page_size = widgets.Dropdown(description="rows", options=sizes, value=page_size)
        self.previous = widgets.Button(description="previous", icon="chevron-left")
        self.next = widgets.Button(description="next", icon="chevron-right")
        self.html = widgets.HTML()
        for control in (self.sort_by, self.page_size):
            control.style.description_width = "4em"
            control.layout.width = "16em"
        self.page_size.layout.width = "10em"
        self.sort_by.observe(lambda _: self._reorder(), names="value")
        self.ascending.observe(lambda _: self._reorder(), names="value")
        self.page_size.observe(lambda _: self.go(0), names="value")
        self.previous.on_click(lambda _: self.go(self.page - 1))
        self.next.on_click(lambda _: self.go(self.page + 1))
        controls = widgets.HBox(
            [self.sort_by, self.ascending, self.page_size, self.previous, self.next]
        )
        super().__init__([controls, self.html])
        self.add_class("wb-table-view")
        self.show(frame)

    @property
    def frame(self) -> pd.DataFrame | None:
        """The whole frame shown (unsorted), or None."""
        return self._frame

    @property
    def pages(self) -> int:
        """How many pages the frame fills (at least 1)."""
        rows = 0 if self._frame is None else len(self._frame)
        return max(1, -(-rows // int(self.page_size.value)))

    @property
    def caption(self) -> str:
        """``rows 1-25 of 1,234`` and the order."""
        rows = 0 if self._frame is None else len(self._frame)
        if not rows:
            return "no rows"
        first = self.page * int(self.page_size.value)
        last = min(rows, first + int(self.page_size.value))
        text = f"rows {first + 1:,}-{last:,} of {rows:,}"
        if self.sort_by.value != AS_RETURNED[1]:
            order = "ascending" if self.ascending.value else "descending"
            text += f" · sorted by {self.sort_by.label} {order}"
        return text

    def show(self, frame: pd.DataFrame | None) -> None:
        """Show ``frame`` from its first page, in its own order."""
        self._frame = frame
        columns = [] if frame is None else list(frame.columns)
        with self.hold_trait_notifications():
            self.sort_by.options = [AS_RETURNED] + [(str(c), i) for i, c in enumerate(columns)]
            self.sort_by.value = AS_RETURNED[1]
        self._reorder()

    def sort(self, column: Any, ascending: bool = True) -> None:
        """Sort by ``column`` (a column label, or None for the frame's own order)."""
        position = AS_RETURNED[1]
        if column is not None:
            if self._frame is None or column not in list(self._frame.columns):
                raise KeyError(f"no column {column!r} to sort by")
            position = list(self._frame.columns).index(column)
        self.ascending.value = ascending
        self.sort_by.value = position
        self._reorder()

    def go(self, page: int) -> None:
        """Show page ``page`` (from 0; clipped to the pages there are)."""
        self.page = min(max(page, 0), self.pages - 1)
        self._render()

    def next_page(self) -> None:
        """Show the next page, if there is one."""
        self.go(self.page + 1)

    def page_frame(self) -> pd.DataFrame:
        """The rows of the page shown, in the order shown."""
        import pandas as pd

        if self._ordered is None:
            return pd.DataFrame()
        size = int(self.page_size.value)
        return self._ordered.iloc[self.page * size : (self.page + 1) * size]

    def _reorder(self) -> None:
        frame, position = self._frame, self.sort_by.value
        if frame is None or position == AS_RETURNED[1]:
            self._ordered = frame
        else:
            self._ordered = frame.iloc[_order(frame.iloc[:, position], bool(self.ascending.value))]
        self.ascending.icon = "sort-amount-asc" if self.ascending.value else "sort-amount-desc"
        self.ascending.description = "ascending" if self.ascending.value else "descending"
        self.go(0)

    def _render(self) -> None:
        body = ""
        if self._ordered is not None and len(self._ordered.columns):
            import pandas as pd

            with pd.option_context("display.max_colwidth", MAX_CELL):
                page = self.page_frame()
                body = page.to_html(border=0, classes="wb-table", na_rep="", max_cols=MAX_COLUMNS)
        self.html.value = view(body, self.caption, kind="wb-page", scroll=True)
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1


def _order(column: pd.Series, ascending: bool) -> list[int]:
    """Row positions that sort ``column``; missing values last, mixed types as text."""
    plain = column.reset_index(drop=True)
    try:
        ordered = plain.sort_values(ascending=ascending, kind="stable", na_position="last")
    except TypeError:  # mixed types, lists or dicts: compare their text
        text = plain.map(lambda v: None if v is None else str(v))
        ordered = text.sort_values(ascending=ascending, kind="stable", na_position="last")
    return [int(i) for i in ordered.index]
