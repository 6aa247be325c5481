"""An operation's parameters: path-level and operation-level merged, with Python names."""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from workbench.openapi import naming, shape
from workbench.openapi.model import Location, Parameter
from workbench.openapi.refs import Resolver

LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "cookie")
_PRIORITY = {location: index for index, location in enumerate(LOCATIONS)}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class SpecWarning(UserWarning):
    """A spec has a small defect that costs one part (a parameter, a server), not the import."""


def read_parameters(
    lists: Sequence[tuple[Any, str]], resolver: Resolver, operation: str = ""
) -> list[Mapping[str, Any]]:
    """The parameter objects of ``(list, pointer)`` pairs, later ones winning on (name, in).

    ``$ref``s are followed; a parameter with no name or an unknown location, or a
    reference that cannot be resolved, makes the operation :class:`~shape.Unsupported`.
    A repeat of a parameter in the same list is left out (the first is kept) with a
    :class:`SpecWarning` naming the spec, the ``operation`` and the defect.

    Example:
        >>> from workbench.openapi.refs import Resolver
        >>> doc = {"components": {"parameters": {"limit": {"name": "limit", "in": "query"}}}}
        >>> path_level = [{"name": "id", "in": "path"}, {"name": "limit", "in": "query"}]
        >>> own = [{"$ref": "#/components/parameters/limit"}]
        >>> found = read_parameters([(path_level, "#/p"), (own, "#/o")],
        ...                         Resolver(doc, "file:///s.json", "s.json"))
        >>> [(p["name"], p["in"]) for p in found]
        [('id', 'path'), ('limit', 'query')]
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     found = read_parameters([([{"name": "q", "in": "query"}] * 2, "#/o")],
        ...                             Resolver({}, "file:///s.json", "s.json"), "search")
        >>> len(found), [str(w.message) for w in caught]
        (1, ["s.json: operation 'search': #/o/1: query parameter 'q' repeats; it is left out"])
    """
    source = resolver.label
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw, pointer in lists:
        if raw is None:
            continue
        seen: set[tuple[str, str]] = set()
        for index, item in enumerate(shape.sequence(raw, source, pointer)):
            where = f"{pointer}/{index}"
            value = shape.mapping(shape.deref(resolver, item, where), source, where)
            name, location = value.get("name"), value.get("in")
            if not isinstance(name, str) or not name:
                raise shape.Unsupported(f"{where}: a parameter has no name")
            if location not in _PRIORITY:
                raise shape.Unsupported(f"{where}: parameter {name!r} is in {location!r}")
            if (name, location) in seen:
                _left_out(source, operation, f"{where}: {location} parameter {name!r} repeats")
                continue
            seen.add((name, location))
            found.pop((name, location), None)
            found[(name, location)] = value
    return list(found.values())


def _left_out(source: str, operation: str, defect: str) -> None:
    named = f"operation {operation!r}: " if operation else ""
    warnings.warn(f"{source}: {named}{defect}; it is left out", SpecWarning, stacklevel=4)


def build_parameters(
    raws: Sequence[Mapping[str, Any]],
    reserved: Collection[str] = naming.RESERVED_ARGUMENT_NAMES,
) -> tuple[Parameter, ...]:
    """:class:`Parameter`s with unique python names (path first, then query, header, cookie).

    Example:
        >>> found = build_parameters([{"name": "page[size]", "in": "query"},
        ...                           {"name": "Stripe-Account", "in": "header"},
        ...                           {"name": "page_size", "in": "path"}])
        >>> [p.python_name for p in found]
        ['page_size_2', 'stripe_account', 'page_size']
    """
    names = naming.unique(
        [naming.identifier(raw["name"], reserved=reserved) for raw in raws],
        order=[(_PRIORITY[raw["in"]], index) for index, raw in enumerate(raws)],
    )
    return tuple(_parameter(raw, name) for raw, name in zip(raws, names, strict=True))


def _parameter(raw: Mapping[str, Any], python_name: str) -> Parameter:
    location = cast(Location, raw["in"])
    style, explode = raw.get("style"), raw.get("explode")
    return Parameter(
        name=raw["name"],
        location=location,
        python_name=python_name,
        schema=_schema(raw),
        required=location == "path" or raw.get("required") is True,
        description=str(raw.get("description") or ""),
        style=style if isinstance(style, str) else None,
        explode=explode if isinstance(explode, bool) else None,
        deprecated=raw.get("deprecated") is True,
        media_type=_media_type(raw),
    )


def _schema(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    schema = raw.get("schema")
    if schema is None and isinstance(raw.get("content"), Mapping):
        for media in raw["content"].values():
            schema = media.get("schema") if isinstance(media, Mapping) else None
            break
    return schema if isinstance(schema, Mapping) else {}


def _media_type(raw: Mapping[str, Any]) -> str | None:
    """The media type of a parameter given as ``content`` rather than ``schema``."""
    content = raw.get("content")
    if raw.get("schema") is not None or not isinstance(content, Mapping) or not content:
        return None
    return str(next(iter(content)))


def undeclared_placeholders(path: str, raws: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ``{placeholders}`` of ``path`` that no path parameter declares.

    Example:
        >>> undeclared_placeholders("/users/{id}/posts/{post}", [{"name": "id", "in": "path"}])
        ['post']
    """
    declared = {raw["name"] for raw in raws if raw["in"] == "path"}
    return [name for name in _PLACEHOLDER.findall(path) if name not in declared]
