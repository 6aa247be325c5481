"""Triggers: inbound events stored in a durable inbox, then dispatched to their bindings.

==============  ===================================================================
module          what it holds
==============  ===================================================================
``tables``      the inbox's tables: events, deliveries, bindings, source markers
``inbox``       :class:`Inbox`: events stored once per (source, id), before any ack
``reader``      :func:`read_source`: a trigger read into the inbox, keeping its contract
``sources``     a connection's trigger found by name, without connecting
``bindings``    :class:`Binding`: a notebook or handler bound to a source, with filters
``bind``        ``wb trigger add`` checked; setting a source up; export and import
``dispatch``    deliveries claimed once, run, retried with backoff, dead-lettered
``handlers``    ``@wb.on`` in-process handlers and :func:`handle_events`
``events``      ``wb events`` / ``wb.events()``: recent events, one in full, replays
``retention``   pruning handled events past the retention
``notify``      the message sent when a binding's last attempt fails
``changes``     database change rows as events, their filter rule, the reading loop
``row_changes`` the ``row_changed`` trigger the SQL connectors share
``files``       the marker of files and objects seen, for the folder and S3 triggers
``webhooks``    verified HTTP deliveries: the signature schemes and the receiving server
==============  ===================================================================

The worker that reads the bound sources and runs the dispatch is
:mod:`workbench.jobs.schedule.worker`; the broker triggers build on
:mod:`workbench.messaging`.

Example:
    >>> from workbench import triggers
    >>> triggers.source_key("shop", "row_changed", {"table": "orders"})
    'shop.row_changed(table=orders)'
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Inbox": "workbench.triggers.inbox",
    "StoredEvent": "workbench.triggers.inbox",
    "read_source": "workbench.triggers.reader",
    "source_key": "workbench.triggers.reader",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.triggers' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
