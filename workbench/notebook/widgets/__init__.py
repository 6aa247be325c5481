"""ipywidgets for the workbench, one widget family per module.

Example:
    >>> from workbench.notebook.widgets import CatalogBrowser, HistoryTable, edit_connection, ui
    >>> ui("shop").connection
    'shop'
"""

from workbench.notebook.widgets.catalog_browser import CatalogBrowser
from workbench.notebook.widgets.connection_editor import ConnectionEditor, edit_connection
from workbench.notebook.widgets.history_table import HistoryTable
from workbench.notebook.widgets.listener import Listener, listen
from workbench.notebook.widgets.panel import Panel, ui

__all__ = [
    "CatalogBrowser",
    "ConnectionEditor",
    "HistoryTable",
    "Listener",
    "Panel",
    "edit_connection",
    "listen",
    "ui",
]
