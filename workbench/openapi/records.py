"""Where the records of an operation's answer are, found from its success response schema.

The rule, applied to the 2xx JSON schema (``$ref``s followed, ``allOf`` merged):

1. A body that is an array is the list of records (selector :data:`BODY`, the empty path).
   An array is a schema that declares ``type: array`` (or ``[array, null]``): ``items``
   without a ``type`` allows any value (Slack's spec describes one user or one channel
   object that way, and the answers hold an object there), and ``[object, array]`` may be
   either, so neither is taken for a list.
2. Otherwise every property path, through nested objects down to :data:`MAX_DEPTH` levels
   (arrays are not searched inside), whose schema is an array of objects or an array of
   arrays is a candidate. An object with an ``id`` property is one resource, not a page
   of them: it is not searched (a charge's ``refunds.data`` stays in the charge); nor is
   what is named ``error`` or ``errors`` (:data:`NOT_RECORDS`).
3. One candidate is the records. With several, the one whose last name is a usual name
   for a collection (:data:`COLLECTION_NAMES`: ``data``, ``items``, ``results``...) is,
   when exactly one candidate has such a name; otherwise there is no selector (None) and
   the body is kept whole.

A selector declared by the spec (``x-workbench-records``, ``records`` in a manifest) is
used as it is, without looking at the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.errors import SpecError
from workbench.openapi.schemas import Resolver, flatten, options, types_of

BODY = ""
"""The selector of a body that is itself the list of records."""
MAX_DEPTH = 3
"""How many levels of nested objects are searched for the list of records."""
MAX_SCHEMAS = 500
"""At most this many schemas are looked at for one response."""
COLLECTION_NAMES = frozenset(
    {"data", "items", "results", "records", "values", "entries", "rows", "elements", "list"}
)
"""Names that break a tie between several candidate lists."""
NOT_RECORDS = frozenset({"error", "errors"})
"""Property names that are never searched for records, nor taken as records."""


def find_records(schema: Mapping[str, Any] | None, resolve: Resolver) -> str | None:
    """The dotted path to the records in a body of ``schema``, :data:`BODY`, or None.

    Example:
        >>> resolve = {"#/Item": {"type": "object", "properties": {"id": {}}}}.__getitem__
        >>> find_records({"type": "array", "items": {"$ref": "#/Item"}}, resolve)
        ''
        >>> rows = {"type": "array", "items": {"$ref": "#/Item"}}
        >>> find_records({"properties": {"meta": {"properties": {"page": {}}},
        ...     "result": {"properties": {"users": rows}}}}, resolve)
        'result.users'
        >>> links = {"type": "array", "items": {"type": "object"}}
        >>> find_records({"properties": {"data": rows, "links": links}}, resolve)
        'data'
        >>> print(find_records({"properties": {"users": rows, "teams": links}}, resolve))
        None
        >>> print(find_records({"properties": {"user": {"items": {"$ref": "#/Item"}}}}, resolve))
        None
        >>> table = {"type": "array", "items": {"type": "array", "items": {}}}
        >>> find_records({"properties": {"values": table}}, resolve)
        'values'
    """
    if not isinstance(schema, Mapping):
        return None
    try:
        flat = flatten(schema, resolve)
        if _is_array(flat):
            return BODY
        found = _Search(resolve).candidates(flat)
    except (SpecError, KeyError, RecursionError):
        return None
    return choose(found)


def choose(candidates: list[str]) -> str | None:
    """The one candidate, else the only one with a collection name, else None.

    Example:
        >>> choose(["channels"]), choose(["data", "meta.links"]), choose(["data", "a.data"])
        ('channels', 'data', None)
    """
    if len(candidates) == 1:
        return candidates[0]
    named = [path for path in candidates if path.rsplit(".", 1)[-1].lower() in COLLECTION_NAMES]
    return named[0] if len(named) == 1 else None


class _Search:
    """Walks the object properties of one response schema, within :data:`MAX_SCHEMAS`."""

    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self.budget = MAX_SCHEMAS

    def candidates(self, schema: Mapping[str, Any], prefix: str = "", depth: int = 1) -> list[str]:
        found: list[str] = []
        properties = schema.get("properties")
        if not isinstance(properties, Mapping) or depth > MAX_DEPTH or "id" in properties:
            return found
        for name, raw in properties.items():
            self.budget -= 1
            if self.budget < 0 or not isinstance(raw, Mapping):
                break
            if str(name).lower() in NOT_RECORDS:
                continue
            prop = flatten(raw, self.resolve)
            path = f"{prefix}{name}"
            if _is_array(prop):
                if _holds_records(prop, self.resolve):
                    found.append(path)
            elif isinstance(prop.get("properties"), Mapping):
                found += self.candidates(prop, path + ".", depth + 1)
        return found


def _is_array(schema: Mapping[str, Any]) -> bool:
    """True for a schema declared an array and nothing else but null.

    ``items`` alone does not make one, nor ``type: [object, array]`` (either may come).
    """
    types = types_of(schema)[0] if "type" in schema else []
    return types == ["array"]


def _holds_records(array: Mapping[str, Any], resolve: Resolver) -> bool:
    """True when the array's items are objects or arrays (alternatives: all of them)."""
    raw = array.get("items")
    if not isinstance(raw, Mapping):
        return False
    items = flatten(raw, resolve)
    alternatives = options(items, resolve)
    members = alternatives[0] if alternatives else [items]
    return bool(members) and all(_row_like(flatten(m, resolve)) for m in members)


def _row_like(schema: Mapping[str, Any]) -> bool:
    types = types_of(schema)[0]
    return "object" in types or "array" in types
