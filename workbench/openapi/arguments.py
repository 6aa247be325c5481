"""The arguments of a generated action: their Python names and where each one is sent.

Path, query, header and cookie parameters come first by their ``python_name``; then the
body, either flattened into one argument per top-level property (``Body.fields``) or as one
``body`` argument. Arguments without a default come before the optional ones.

A *credential* argument is the caller's own credential declared as a parameter (Slack's
``token``, a documented ``X-API-Key`` header): the connection's auth sends it, so it is
never required; the sandbox fills it (see :func:`is_credential`).
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
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})


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
    credential: bool = False
    media_type: str | None = None  # given as ``content`` (not ``schema``): sent so encoded


# Parameter names that carry the caller's credential, compared without case and separators.
# Pagination tokens (``pageToken``) and a token as data (Stripe's card ``token`` field) are
# not among them; a body field counts only in a form body, where the spec calls it an
# authentication token (a JSON body's token is the data of the call: one to revoke...).
_CREDENTIAL_NAMES = frozenset(
    {"token", "accesstoken", "authtoken", "apitoken", "apikey", "xapikey", "xauthtoken"}
)
_SEPARATORS = re.compile(r"[-_ .]")


def is_credential(where: str, wire: str, description: str = "") -> bool:
    """Whether the argument sent as ``wire`` in ``where`` is the caller's own credential.

    Example:
        >>> is_credential("header", "token"), is_credential("query", "X-API-Key")
        (True, True)
        >>> is_credential("query", "pageToken"), is_credential("path", "token")
        (False, False)
        >>> is_credential("field", "token", "Authentication token. Requires scope: chat:write")
        True
        >>> is_credential("field", "token", "Single-use card token")
        False
    """
    if where not in ("query", "header", "cookie", "field"):
        return False
    if _SEPARATORS.sub("", wire.lower()) not in _CREDENTIAL_NAMES:
        return False
    return where != "field" or "authenticat" in description.lower()


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
        if p.location == "header" and p.name.lower() in IGNORED_HEADERS:
            continue
        credential = is_credential(p.location, p.name, p.description)
        required = (p.required or p.location == "path") and not credential
        name = _python(p.python_name or p.name, used)
        found.append(
            Argument(
                name,
                p.location,
                p.name,
                p.schema,
                required,
                p.description,
                p.style,
                p.explode,
                credential,
                p.media_type,
            )
        )
    body = operation.body
    if body is not None and body.fields:
        form = body.media_type.startswith(("application/x-www-form-urlencoded", "multipart/"))
        schema = flatten(body.schema, resolve)
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required_names = set(schema.get("required") or ())
        for python_name, wire in body.fields.items():
            prop = properties.get(wire) or {}
            description = str(flatten(prop, resolve).get("description") or "") if prop else ""
            name = _python(python_name, used)
            credential = form and is_credential("field", wire, description)
            required = wire in required_names and not credential
            found.append(
                Argument(name, "field", wire, prop, required, description, credential=credential)
            )
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
