"""Triggers: inbound events stored in a durable inbox, then dispatched to their bindings.

==============  ===================================================================
module          what it holds
==============  ===================================================================
``tables``      the inbox's tables: events, deliveries, bindings, source markers
``inbox``       :class:`Inbox`: events stored once per (source, id), before any ack
``reader``      :func:`read_source`: a trigger read into the inbox, keeping its contract
==============  ===================================================================

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
