"""The catalog browser: search the installed connectors, filter by category, see actions.

Example:
    >>> browser = CatalogBrowser("sqlite")
    >>> list(browser.frame["name"])
    ['sqlite']
    >>> browser.select("sqlite")
    >>> "query" in browser.details.value
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.registry import catalog, get_connector
from workbench.results.html import catalog_html, message_html, table_html, view

if TYPE_CHECKING:
    import pandas as pd

_STYLE = {"description_width": "6em"}
_ANY = ""


class CatalogBrowser(widgets.VBox):
    """The connector catalog as a table, narrowed by ``search_text`` and ``category_filter``.

    Searching matches names, titles, categories, descriptions and action names (as
    ``wb.catalog(query)`` does). Choosing a connector in ``connector_picker`` (or
    :meth:`select`) lists its actions and triggers in ``details``.
    """

    def __init__(self, query: str = "", *, category: str = _ANY) -> None:
        self._all = catalog()
        self.frame: pd.DataFrame = self._all
        categories = sorted(set(self._all["category"]))
        self.search_text = widgets.Text(
            value=query,
            description="search",
            placeholder="name, category, description or action",
            style=_STYLE,
            layout={"width": "32em"},
        )
        self.category_filter = widgets.Dropdown(
            options=[("all categories", _ANY), *((c, c) for c in categories)],
            value=category if category in categories else _ANY,
            description="category",
            style=_STYLE,
        )
        self.table = widgets.HTML()
        self.connector_picker = widgets.Dropdown(description="actions of", style=_STYLE)
        self.details = widgets.HTML()
        self.search_text.observe(lambda _: self.refresh(), names="value")
        self.category_filter.observe(lambda _: self.refresh(), names="value")
        self.connector_picker.observe(lambda _: self._show_actions(), names="value")
        filters = widgets.HBox([self.search_text, self.category_filter])
        super().__init__([filters, self.table, self.connector_picker, self.details])
        self.add_class("wb-catalog-browser")
        self.refresh()

    def __repr__(self) -> str:
        return f"<CatalogBrowser: {len(self.frame)} of {len(self._all)} connectors>"

    def refresh(self) -> None:
        """Apply the search and the category to the catalog and show the result."""
        query = self.search_text.value.strip()
        frame = catalog(query) if query else self._all
        if self.category_filter.value != _ANY:
            frame = frame[frame["category"] == self.category_filter.value]
        self.frame = frame.reset_index(drop=True)
        self.table.value = catalog_html(self.frame, total=len(self._all))
        names = list(self.frame["name"])
        chosen = self.connector_picker.value if self.connector_picker.value in names else _ANY
        self.connector_picker.options = [("(choose a connector)", _ANY), *((n, n) for n in names)]
        self.connector_picker.value = chosen
        self._show_actions()

    def select(self, name: str) -> None:
        """Show the actions of connector ``name`` (it must be in the filtered table)."""
        self.connector_picker.value = name

    def _show_actions(self) -> None:
        name = self.connector_picker.value
        if not name:
            self.details.value = ""
            return
        try:
            cls = get_connector(name)
        except Exception as exc:  # an imported spec that no longer loads
            self.details.value = message_html(f"{name}: {exc}", "error")
            return
        actions = [
            {"action": s.name, "summary": s.summary, "inputs": s.inputs_text()}
            for s in cls.action_specs.values()
        ]
        body = table_html(actions, ["action", "summary", "inputs"])
        triggers = [{"trigger": s.name, "summary": s.summary} for s in cls.trigger_specs.values()]
        if triggers:
            body += "<br>" + table_html(triggers, ["trigger", "summary"])
        count = f"{len(actions)} action{'' if len(actions) == 1 else 's'}"
        if triggers:
            count += f", {len(triggers)} trigger{'' if len(triggers) == 1 else 's'}"
        self.details.value = view(body, f"{cls.title} ({name}) · {count}", kind="wb-actions")
