"""OpenAPI parameter styles: how path, query, header, cookie and form values are written.

Defaults follow the specification: ``simple`` for path and header, ``form`` with explode
for query and cookie. ``deepObject`` (and every nested object in a form body) is written
the way Stripe and Rails read it: ``card[exp][month]=12``, lists as ``items[0][price]=...``.
A path value always stays inside its segment: ``/`` is percent-encoded, and so is a value
made only of dots (``.`` and ``..`` would otherwise be dot segments, which change the route).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import quote
from uuid import UUID

from pydantic import BaseModel

Pairs = list[tuple[str, str]]
PATH_SAFE = ":@!$'()*"  # characters a path segment may carry as they are (RFC 3986 pchar)
_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}


def text(value: Any) -> str:
    """A scalar as it is written in a URL, header or form: booleans as ``true``/``false``.

    Example:
        >>> [text(v) for v in (True, 3, 2.5, None, "a b")]
        ['true', '3', '2.5', '', 'a b']
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Enum):
        return text(value.value)
    if isinstance(value, Mapping | list | tuple | BaseModel):
        return json.dumps(jsonable(value), separators=(",", ":"))
    return str(value)


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: models dumped by alias, dates as ISO 8601 text.

    Example:
        >>> jsonable({"at": date(2024, 1, 15), "tags": ("a",), "raw": b"hi"})
        {'at': '2024-01-15', 'tags': ['a'], 'raw': 'hi'}
    """
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID | Enum):
        return str(value) if isinstance(value, UUID) else jsonable(value.value)
    return value


def deep(prefix: str, value: Any) -> Pairs:
    """Nested objects and lists as bracketed keys.

    Example:
        >>> deep("card", {"exp": {"month": 12}, "tags": ["a", "b"]})
        [('card[exp][month]', '12'), ('card[tags][0]', 'a'), ('card[tags][1]', 'b')]
    """
    if isinstance(value, BaseModel):
        value = jsonable(value)
    if isinstance(value, Mapping):
        return [pair for k, v in value.items() for pair in deep(f"{prefix}[{k}]", v)]
    if isinstance(value, list | tuple):
        return [pair for i, v in enumerate(value) for pair in deep(f"{prefix}[{i}]", v)]
    return [] if value is None else [(prefix, text(value))]


def query(name: str, value: Any, style: str | None, explode: bool | None) -> Pairs:
    """A query parameter as (key, value) pairs.

    Example:
        >>> query("tag", ["a", "b"], None, None)
        [('tag', 'a'), ('tag', 'b')]
        >>> query("tag", ["a", "b"], "form", False)
        [('tag', 'a,b')]
        >>> query("filter", {"state": "open"}, "deepObject", True)
        [('filter[state]', 'open')]
    """
    style = style or "form"
    explode = style == "form" if explode is None else explode
    value = jsonable(value) if isinstance(value, BaseModel) else value
    if style == "deepObject" and isinstance(value, Mapping | list | tuple):
        return deep(name, value)
    if isinstance(value, Mapping):
        if explode:
            return [(str(k), text(v)) for k, v in value.items() if v is not None]
        return [(name, ",".join(_flat_pairs(value)))]
    if isinstance(value, list | tuple):
        if explode:
            return [(name, text(v)) for v in value]
        return [(name, _DELIMITERS.get(style, ",").join(text(v) for v in value))]
    return [(name, text(value))]


def segment(value: Any) -> str:
    """One value as it is written inside a path segment: percent-encoded, dot segments too.

    Example:
        >>> [segment(v) for v in ("a/b c", "..", ".", "a.b", "v1.2")]
        ['a%2Fb%20c', '%2E%2E', '%2E', 'a.b', 'v1.2']
    """
    written = quote(text(value), safe=PATH_SAFE)
    return "%2E" * len(written) if written and not written.strip(".") else written


def simple(value: Any, explode: bool | None, *, encode: bool = False) -> str:
    """A header (or path) value in the ``simple`` style; ``encode`` percent-encodes parts.

    Example:
        >>> simple(["a", "b"], None), simple({"x": 1, "y": 2}, True)
        ('a,b', 'x=1,y=2')
    """
    value = jsonable(value) if isinstance(value, BaseModel) else value

    def part(v: Any) -> str:
        return segment(v) if encode else text(v)

    if isinstance(value, Mapping):
        if explode:
            return ",".join(f"{part(k)}={part(v)}" for k, v in value.items())
        return ",".join(part(p) for p in _flat_pairs(value))
    if isinstance(value, list | tuple):
        return ",".join(part(v) for v in value)
    return part(value)


def path(name: str, value: Any, style: str | None, explode: bool | None) -> str:
    """A path parameter, percent-encoded, in the ``simple``, ``label`` or ``matrix`` style.

    Each value is written by :func:`segment`, so none can add or remove a segment.

    Example:
        >>> path("id", "a/b c", None, None), path("id", [1, 2], "label", False)
        ('a%2Fb%20c', '.1,2')
        >>> path("id", "..", None, None), path("id", ".", "label", False)
        ('%2E%2E', '.%2E')
        >>> path("id", [1, 2], "matrix", True)
        ';id=1;id=2'
    """
    style = style or "simple"
    if style == "label":
        separator = "." if explode else ","
        body = simple(value, explode, encode=True)
        return "." + (body.replace(",", separator) if separator != "," else body)
    if style == "matrix":
        if explode and isinstance(value, list | tuple):
            return "".join(f";{name}={segment(v)}" for v in value)
        if explode and isinstance(value, Mapping):
            return "".join(f";{k}={segment(v)}" for k, v in value.items())
        return f";{name}={simple(value, False, encode=True)}"
    return simple(value, explode, encode=True)


def form(payload: Mapping[str, Any], encoding: Mapping[str, Any]) -> Pairs:
    """A form body as pairs: nested objects bracketed, lists by their ``encoding`` style.

    Example:
        >>> form({"amount": 5, "metadata": {"order": "42"}, "expand": ["customer"]},
        ...      {"expand": {"style": "deepObject", "explode": True}})
        [('amount', '5'), ('metadata[order]', '42'), ('expand[0]', 'customer')]
    """
    pairs: Pairs = []
    for key, value in payload.items():
        options = encoding.get(key)
        style = options.get("style") if isinstance(options, Mapping) else None
        explode = options.get("explode") if isinstance(options, Mapping) else None
        value = jsonable(value) if isinstance(value, BaseModel) else value
        if value is None:
            continue
        nested = isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value)
        if (
            isinstance(value, Mapping)
            or nested
            or (style == "deepObject" and isinstance(value, list))
        ):
            pairs.extend(deep(key, value))
        else:
            pairs.extend(query(key, value, style or "form", explode))
    return pairs


def _flat_pairs(value: Mapping[str, Any]) -> list[str]:
    return [item for k, v in value.items() for item in (str(k), text(v))]
