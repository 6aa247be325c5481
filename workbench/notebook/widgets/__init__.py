"""ipywidgets for the workbench, one widget family per module.

Example:
    >>> from workbench.notebook.widgets import CatalogBrowser, HistoryTable, edit_connection, ui
    >>> ui("shop").connection
    'shop'
    >>> ui().tabs.titles[0]
    'Run'
"""

from workbench.notebook.widgets.catalog_browser import CatalogBrowser
from workbench.notebook.widgets.chart import ChartView
from workbench.notebook.widgets.connection_editor import ConnectionEditor, edit_connection
from workbench.notebook.widgets.events_view import EventsView
from workbench.notebook.widgets.history_table import HistoryTable
from workbench.notebook.widgets.listener import Listener, listen
from workbench.notebook.widgets.panel import Panel, ui
from workbench.notebook.widgets.workbench_tabs import WorkbenchTabs

__all__ = [
    "CatalogBrowser",
    "ChartView",
    "ConnectionEditor",
    "EventsView",
    "HistoryTable",
    "Listener",
    "Panel",
    "WorkbenchTabs",
    "edit_connection",
    "listen",
    "ui",
]
