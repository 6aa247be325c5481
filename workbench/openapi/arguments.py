"""The arguments of a generated action: their Python names and where each one is sent.

Path, query, header and cookie parameters come first by their ``python_name``; then the
body, either flattened into one argument per top-level property (``Body.fields``) or as one
``body`` argument. Arguments without a default come before the optional ones.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.openapi.model import Operation
from workbench.openapi.schemas import Resolver, flatten

Where = Literal["path", "query", "header", "cookie", "field", "body"]

# Header parameters OpenAPI says to ignore: the client sets these itself.
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}


@dataclass(frozen=True)
class Argument:
    """One keyword of an action: its name, where it goes (``wire`` name) and its schema."""

    name: str
    where: Where
    wire: str
    schema: Mapping[str, Any] = field(default_factory=dict)
    required: bool = False
    description: str = ""
    style: str | None = None
    explode: bool | None = None


def plan(operation: Operation, resolve: Resolver) -> list[Argument]:
    """The arguments of ``operation``'s action, required ones first.

    Example:
        >>> from workbench.openapi.model import Body, Operation, Parameter
        >>> op = Operation(
        ...     "add_pet", "post", "/owners/{ownerId}/pets", "",
        ...     parameters=(Parameter("ownerId", "path", "owner_id", {"type": "integer"}, True),),
        ...     body=Body("application/json", {"type": "object", "required": ["name"],
        ...               "properties": {"name": {}, "tag": {}}}, True,
        ...               fields={"name": "name", "tag": "tag"}),
        ... )
        >>> [(a.name, a.where, a.required) for a in plan(op, {}.__getitem__)]
        [('owner_id', 'path', True), ('name', 'field', True), ('tag', 'field', False)]
    """
    found: list[Argument] = []
    used: set[str] = set()
    for p in operation.parameters:
        if p.location == "header" and p.name.lower() in _IGNORED_HEADERS:
            continue
        required = p.required or p.location == "path"
        name = _python(p.python_name or p.name, used)
        found.append(
            Argument(
                name, p.location, p.name, p.schema, required, p.description, p.style, p.explode
            )
        )
    body = operation.body
    if body is not None and body.fields:
        schema = flatten(body.schema, resolve)
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required_names = set(schema.get("required") or ())
        for python_name, wire in body.fields.items():
            prop = properties.get(wire) or {}
            description = str(flatten(prop, resolve).get("description") or "") if prop else ""
            name = _python(python_name, used)
            found.append(Argument(name, "field", wire, prop, wire in required_names, description))
    elif body is not None:
        name = _python("body", used)
        found.append(Argument(name, "body", "", body.schema, body.required, body.description))
    return [a for a in found if a.required] + [a for a in found if not a.required]


def _python(name: str, used: set[str]) -> str:
    """``name`` as a usable, unique keyword argument."""
    cleaned = re.sub(r"\W", "_", name) or "arg"
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    if keyword.iskeyword(cleaned) or cleaned == "self":
        cleaned += "_"
    candidate, n = cleaned, 1
    while candidate in used:
        n += 1
        candidate = f"{cleaned}_{n}"
    used.add(candidate)
    return candidate
