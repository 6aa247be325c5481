"""Finding a source's trigger from a connection name, without connecting.

Example:
    >>> trigger_spec_of("schedule", "slots").name
    'slots'
    >>> trigger_spec_of("schedule", "slot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbench.errors.ActionArgumentError: ... no trigger 'slot'; did you mean 'slots'? ...
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from workbench.errors import ActionArgumentError, UnknownConnectionError, UnknownConnectorError

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector
    from workbench.sdk.trigger import TriggerSpec


def connector_class_of(connection: str) -> type[Connector]:
    """The connector class a connection name uses (a connector's own name works too)."""
    from workbench.client import connection_store
    from workbench.registry import connector_names, get_connector

    store = connection_store()
    if connection in store:
        entry = store.get(connection)
        return get_connector(entry.connector, where=entry.where("connector"))
    try:
        return get_connector(connection)
    except UnknownConnectorError:
        close = difflib.get_close_matches(connection, [*store.names(), *connector_names()], n=3)
        raise UnknownConnectionError(connection, close) from None


def trigger_spec_of(connection: str, trigger: str) -> TriggerSpec:
    """The trigger ``trigger`` of the connector ``connection`` uses, or an error naming
    the triggers it has."""
    return find_trigger(connector_class_of(connection), trigger, f"connection {connection!r}")


def find_trigger(cls: type[Connector], trigger: str, owner: str) -> TriggerSpec:
    """``cls``'s trigger ``trigger``, or an error saying ``owner`` has no such trigger."""
    specs = cls.trigger_specs
    if trigger not in specs:
        known = list(specs)
        close = difflib.get_close_matches(trigger, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ActionArgumentError(
            f"{owner} has no trigger {trigger!r}{hint} (triggers: {', '.join(known) or 'none'})"
        )
    return specs[trigger]
