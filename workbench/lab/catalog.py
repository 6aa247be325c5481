"""The catalog and the actions of a connection (or connector), with their input schemas.

A name is looked up as the panel of the notebook does: a named connection first, else a
connector of that name (tried with its defaults). Listing reads only names and summaries,
so a connector with hundreds of actions lists at once; one action's schema is built when
it is asked for.

Example:
    >>> [row["name"] for row in catalog_rows("sqlite")]
    ['sqlite']
    >>> "query" in [a["name"] for a in action_rows("shop")]
    True
    >>> sorted(action_detail("shop", "query")["schema"]["properties"])[:1]
    ['sql']
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from workbench.config.connections import connection_store
from workbench.lab.problems import Problem
from workbench.registry import catalog_rows, get_connector

if TYPE_CHECKING:
    from workbench.sdk.action import ActionSpec
    from workbench.sdk.connector import Connector

__all__ = ["action_detail", "action_rows", "catalog_rows", "connector_of", "input_fields"]


def connector_of(name: str) -> type[Connector]:
    """The connector class of connection ``name``, else of the connector called ``name``.

    Example:
        >>> connector_of("shop").name
        'sqlite'
    """
    entry = connection_store().entries().get(name)
    if entry is None:
        return get_connector(name)
    return get_connector(entry.connector, where=entry.where("connector"))


def action_rows(name: str) -> list[dict[str, Any]]:
    """The actions of ``name``: each one's name, summary and inputs as one line.

    Example:
        >>> next(a for a in action_rows("shop") if a["name"] == "tables")["inputs"]
        ''
    """
    specs = connector_of(name).action_specs
    return [
        {"name": action, "summary": spec.summary, "inputs": spec.inputs_text()}
        for action, spec in specs.items()
    ]


def action_spec(name: str, action: str) -> ActionSpec:
    """The spec of ``action`` of ``name``, or a 404 suggesting close action names."""
    specs = connector_of(name).action_specs
    if action not in specs:
        close = difflib.get_close_matches(action, list(specs), n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise Problem(404, f"{name} has no action named {action!r}{hint}")
    return specs[action]


def action_detail(name: str, action: str) -> dict[str, Any]:
    """One action: name, summary, docs and the JSON Schema of its inputs.

    Example:
        >>> action_detail("shop", "query")["schema"]["required"]
        ['sql']
    """
    spec = action_spec(name, action)
    return {
        "connection": name,
        "name": spec.name,
        "summary": spec.summary,
        "doc": spec.doc,
        "schema": spec.input_schema(),
    }


def input_fields(cls: type[Connector]) -> dict[str, Any]:
    """The settings form of a connector: its config model's JSON Schema and secret fields.

    Example:
        >>> form = input_fields(get_connector("http"))
        >>> "base_url" in form["schema"]["properties"], "token" in form["secret"]
        (True, True)
    """
    model = cls.config_model
    return {
        "connector": cls.name,
        "schema": model.model_json_schema(),
        "secret": sorted(model.secret_field_names()),
    }
