"""The whole workbench in one widget (``wb.ui()``, ``%wb ui``): five tabs.

- **Run**: the :class:`~workbench.notebook.widgets.panel.Panel` (connection, action, form,
  Run, then Result / Chart / Code / Raw);
- **Connections**: the named connections and the
  :class:`~workbench.notebook.widgets.connection_editor.ConnectionEditor` (a connection
  saved there is offered in Run and Events at once);
- **Catalog**: the :class:`~workbench.notebook.widgets.catalog_browser.CatalogBrowser`,
  and **Open in Run** for a connector that can be used as it is;
- **History**: the :class:`~workbench.notebook.widgets.history_table.HistoryTable`, read
  again each time the tab is opened;
- **Events**: a trigger of a connection, live
  (:class:`~workbench.notebook.widgets.events_view.EventsView`).

Example:
    >>> whole = WorkbenchTabs()
    >>> whole.tabs.titles
    ('Run', 'Connections', 'Catalog', 'History', 'Events')
    >>> whole.panel.run_button.disabled, whole.panel.connection
    (True, None)
"""

from __future__ import annotations

import ipywidgets as widgets

from workbench.client import CONNECTION_COLUMNS, connections
from workbench.notebook.widgets.catalog_browser import CatalogBrowser
from workbench.notebook.widgets.connection_editor import ConnectionEditor
from workbench.notebook.widgets.events_view import EventsView
from workbench.notebook.widgets.history_table import HistoryTable
from workbench.notebook.widgets.panel import Panel
from workbench.results.html import table_html, view

TITLES = ("Run", "Connections", "Catalog", "History", "Events")
RUN, CONNECTIONS, CATALOG, HISTORY, EVENTS = range(len(TITLES))


class WorkbenchTabs(widgets.VBox):
    """The panel, the connection editor, the catalog, the history and live events as tabs.

    ``panel``, ``editor``, ``catalog``, ``history`` and ``events`` are the widgets of the
    tabs; ``tabs.selected_index`` chooses one (``RUN`` ... ``EVENTS``).
    """

    def __init__(self, *, background: bool = True) -> None:
        self.panel = Panel(background=background)
        self.editor = ConnectionEditor()
        self.connection_table = widgets.HTML().add_class("wb-connection-table")
        self.catalog = CatalogBrowser()
        self.open_button = widgets.Button(
            description="Open in Run", icon="play", disabled=True, tooltip="choose a connector"
        )
        self.open_button.add_class("wb-open-in-run")
        self.history = HistoryTable()
        self.events = EventsView(self.panel.connection_picker.options)
        self.tabs = widgets.Tab(
            children=[
                self.panel,
                widgets.VBox([self.connection_table, self.editor]),
                widgets.VBox([self.catalog, self.open_button]),
                self.history,
                self.events,
            ],
            titles=TITLES,
        )
        self.editor.save_button.on_click(lambda _: self._saved())
        self.catalog.connector_picker.observe(lambda _: self._catalog_choice(), names="value")
        self.open_button.on_click(lambda _: self.open_in_run())
        self.tabs.observe(lambda _: self._opened(), names="selected_index")
        super().__init__([self.tabs])
        self.add_class("wb-workbench")
        self._list_connections()

    def __repr__(self) -> str:
        return f"<WorkbenchTabs: {TITLES[self.tabs.selected_index or 0]} tab>"

    def open_in_run(self) -> None:
        """Open the connector chosen in the catalog in the Run tab."""
        name = str(self.catalog.connector_picker.value or "")
        if name in self.panel.connection_picker.options:
            self.panel.select(name)
            self.tabs.selected_index = RUN

    def _catalog_choice(self) -> None:
        name = self.catalog.connector_picker.value
        usable = bool(name) and name in self.panel.connection_picker.options
        self.open_button.disabled = not usable
        self.open_button.tooltip = (
            f"list the actions of {name} in the Run tab"
            if usable
            else "choose a connector"
            if not name
            else f"{name} needs settings: add a connection for it in the Connections tab"
        )

    def _saved(self) -> None:
        if self.editor.message.startswith("saved"):
            self.panel.refresh_connections()
            self.events.refresh(self.panel.connection_picker.options)
            self._list_connections()

    def _opened(self) -> None:
        if self.tabs.selected_index == HISTORY:
            self.history.refresh()

    def _list_connections(self) -> None:
        found = connections()
        rows = [{str(k): v for k, v in row.items()} for row in found.to_dict("records")]
        caption = f"{len(rows)} named connection{'' if len(rows) == 1 else 's'}"
        self.connection_table.value = view(table_html(rows, CONNECTION_COLUMNS), caption)
