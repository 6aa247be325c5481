"""Workbench: named connections, typed connector actions and DataFrame results in notebooks.

Example:
    >>> import workbench as wb
    >>> shop = wb.connect("shop")
    >>> shop.query("select status, count(*) as n from orders group by status").df.shape[1]
    2

Names are loaded on first use, so ``import workbench`` stays fast and imports no driver.
"""

import typing as _typing

from workbench.lazy import lazy_getattr as _lazy_getattr

__version__ = "0.1.0"

_EXPORTS = {
    "ConnectionConfig": "workbench.sdk.config",
    "Connector": "workbench.sdk.connector",
    "Event": "workbench.sdk.event",
    "Result": "workbench.results.result",
    "WorkbenchError": "workbench.errors",
    "action": "workbench.sdk.action",
    "catalog": "workbench.registry",
    "connect": "workbench.client",
    "connections": "workbench.client",
    "event": "workbench.triggers.events",
    "events": "workbench.triggers.events",
    "handle_events": "workbench.triggers.handlers",
    "history": "workbench.sdk.calls",
    "on": "workbench.triggers.handlers",
    "register": "workbench.registry",
    "respond": "workbench.jobs.serve.respond",
    "run_notebook": "workbench.jobs.run.runner",
    "trigger": "workbench.sdk.trigger",
    "ui": "workbench.notebook.widgets.panel",
}

__all__ = [
    "ConnectionConfig",
    "Connector",
    "Event",
    "Result",
    "WorkbenchError",
    "action",
    "catalog",
    "connect",
    "connections",
    "event",
    "events",
    "handle_events",
    "history",
    "on",
    "register",
    "respond",
    "run_notebook",
    "trigger",
    "ui",
]

if _typing.TYPE_CHECKING:
    from workbench.client import connect, connections
    from workbench.errors import WorkbenchError
    from workbench.jobs.run.runner import run_notebook
    from workbench.jobs.serve.respond import respond
    from workbench.notebook.widgets.panel import ui
    from workbench.registry import catalog, register
    from workbench.results.result import Result
    from workbench.sdk.action import action
    from workbench.sdk.calls import history
    from workbench.sdk.config import ConnectionConfig
    from workbench.sdk.connector import Connector
    from workbench.sdk.event import Event
    from workbench.sdk.trigger import trigger
    from workbench.triggers.events import event, events
    from workbench.triggers.handlers import handle_events, on


def load_ipython_extension(ipython: _typing.Any) -> None:
    """``%load_ext workbench``: the ``%wb`` / ``%%wb`` magics and the ``Workbench`` settings."""
    from workbench.notebook.magics import load

    load(ipython)


def unload_ipython_extension(ipython: _typing.Any) -> None:
    """``%unload_ext workbench``: Workbench errors show full tracebacks again."""
    from workbench.notebook.magics import unload

    unload(ipython)


__getattr__ = _lazy_getattr(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted({*__all__, "__version__"})
