"""Connecting by name: ``wb.connect``; ``wb.connections`` and checks come from the config.

The connection concept (the store, validation, listing, checking, adding) lives in
:mod:`workbench.config`; this module turns a connection into a client.
"""

from __future__ import annotations

from typing import Any

from workbench.config.connections import (
    CONNECTION_COLUMNS,
    build_config,
    check,
    configure,
    connection_store,
    connections,
    describe_fields,
)
from workbench.sdk.connector import Connector

__all__ = [
    "CONNECTION_COLUMNS",
    "build_config",
    "check",
    "connect",
    "connection_store",
    "connections",
    "describe_fields",
]


def connect(name: str, /, **overrides: Any) -> Connector:
    """A client bound to the connection called ``name``; its actions are methods.

    Where no connection has that name but a connector does, the connector's defaults are
    used, so a connector can be tried before any configuration is written. Keyword
    arguments override the connection's fields.

    Example:
        >>> import workbench as wb
        >>> shop = wb.connect("shop")
        >>> shop.query("select count(*) as n from customers").df["n"].item() > 0
        True
    """
    cls, config = configure(name, **overrides)
    return cls(config, connection=name)
