"""JSON Schema helpers shared by the type builder and the example generator.

Schemas are OpenAPI 3.0 or 3.1 dialect: ``nullable: true`` and ``type: [..., "null"]`` both
mean "may be null"; ``$ref`` is followed through :meth:`ApiSpec.resolve`; ``allOf`` parts
are merged into one schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Schema = Mapping[str, Any]
Resolver = Callable[[str], Schema]

_MAX_HOPS = 32
MAX_ALL_OF = 32  # allOf parts nested deeper than this are not merged (a schema in itself)
MAX_NESTING = 256  # inline copies cut deeper levels to {} (a schema that contains itself)


def deref(schema: Schema, resolve: Resolver) -> tuple[Schema, str | None]:
    """Follow ``$ref`` (chains too); return the target and the last ref followed.

    Keywords next to a ``$ref`` (3.1 allows them) override the target's.

    Example:
        >>> refs = {"#/components/schemas/Id": {"type": "integer"}}
        >>> deref({"$ref": "#/components/schemas/Id", "description": "The id"}, refs.__getitem__)
        ({'type': 'integer', 'description': 'The id'}, '#/components/schemas/Id')
    """
    ref: str | None = None
    for _ in range(_MAX_HOPS):
        target = schema.get("$ref")
        if not isinstance(target, str):
            break
        ref = target
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        resolved = resolve(target)
        schema = {**resolved, **siblings} if siblings else resolved
    return schema, ref


def flatten(
    schema: Schema, resolve: Resolver, _seen: frozenset[str] = frozenset(), _depth: int = 0
) -> Schema:
    """The schema with its ``$ref`` followed and its ``allOf`` parts merged into one.

    Properties and ``required`` lists are combined; other keywords of the outer schema win.

    Example:
        >>> flat = flatten(
        ...     {"allOf": [{"properties": {"a": {}}, "required": ["a"]},
        ...                {"type": "object", "properties": {"b": {}}}]},
        ...     {}.__getitem__,
        ... )
        >>> sorted(flat["properties"]), flat["required"], flat["type"]
        (['a', 'b'], ['a'], 'object')
    """
    schema, ref = deref(schema, resolve)
    parts = schema.get("allOf")
    if not isinstance(parts, list) or _depth > MAX_ALL_OF:
        return schema
    seen = _seen | {ref} if ref else _seen
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        part_ref = part.get("$ref")
        if isinstance(part_ref, str) and part_ref in seen:
            continue  # a recursive allOf: the part is already being merged
        _merge_into(merged, flatten(part, resolve, seen, _depth + 1))
    return merged


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _merge_into(merged: dict[str, Any], part: Schema) -> None:
    for key, value in part.items():
        if key == "properties" and isinstance(value, Mapping):
            merged["properties"] = {**value, **_mapping(merged.get("properties"))}
        elif key == "required" and isinstance(value, list):
            have = _list(merged.get("required"))
            merged["required"] = have + [name for name in value if name not in have]
        elif key == "nullable":
            # every part must allow null for the whole to allow it
            merged["nullable"] = bool(merged.get("nullable", True)) and bool(value)
        else:
            merged.setdefault(key, value)


def types_of(schema: Schema) -> tuple[list[str], bool]:
    """The schema's non-null types (inferred from its keywords when absent) and nullability.

    Example:
        >>> types_of({"type": ["string", "null"]})
        (['string'], True)
        >>> types_of({"properties": {"a": {}}, "nullable": True})
        (['object'], True)
    """
    declared = schema.get("type")
    if isinstance(declared, str):
        types = [declared]
    elif isinstance(declared, list):
        types = [t for t in declared if isinstance(t, str)]
    else:
        types = []
    enum = schema.get("enum")
    nullable = (
        schema.get("nullable") is True
        or "null" in types
        or (isinstance(enum, list) and None in enum)
        or ("const" in schema and schema["const"] is None)
    )
    types = [t for t in types if t != "null"]
    if not types:
        if "properties" in schema or "additionalProperties" in schema:
            types = ["object"]
        elif "items" in schema:
            types = ["array"]
    return types, nullable


def is_null_schema(schema: Schema) -> bool:
    """True for a schema that only allows null (``{"type": "null"}``)."""
    declared = schema.get("type")
    return declared == "null" or declared == ["null"] or schema.get("enum") == [None]


def ref_name(ref: str) -> str:
    """The last part of a ``$ref`` (``#/components/schemas/Pet`` -> ``Pet``)."""
    return ref.rstrip("/").rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def node_at(document: Mapping[str, Any], pointer: str) -> Any:
    """The part of ``document`` at a JSON pointer (``/paths/~1pets/get``), or None.

    Example:
        >>> node_at({"paths": {"/pets": {"get": {"summary": "List"}}}}, "/paths/~1pets/get")
        {'summary': 'List'}
    """
    node: Any = document
    for part in pointer.lstrip("#").strip("/").split("/") if pointer.strip("#/") else ():
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def inline(schema: Schema, resolve: Resolver, depth: int = 4) -> dict[str, Any]:
    """A self-contained copy of ``schema``: every ``$ref`` replaced by its target.

    A schema that refers back to itself, or nesting deeper than ``depth``, is cut to ``{}``.

    Example:
        >>> refs = {"#/N": {"type": "object", "properties": {"next": {"$ref": "#/N"}}}}
        >>> inline({"$ref": "#/N"}, refs.__getitem__)
        {'type': 'object', 'properties': {'next': {}}}
    """
    return _inline(schema, resolve, depth, ())  # type: ignore[no-any-return]


def _inline(
    node: Any, resolve: Resolver, depth: int, refs: tuple[str, ...], nesting: int = 0
) -> Any:
    if nesting > MAX_NESTING:
        return {}
    if isinstance(node, list):
        return [_inline(item, resolve, depth, refs, nesting + 1) for item in node]
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in refs or depth <= 0:
            return {}
        target, _ = deref(node, resolve)
        return _inline(target, resolve, depth - 1, (*refs, ref), nesting + 1)
    return {k: _inline(v, resolve, depth, refs, nesting + 1) for k, v in node.items()}


def options(schema: Schema, resolve: Resolver) -> tuple[list[Schema], bool] | None:
    """The alternatives of a ``oneOf``/``anyOf``, each merged with the schema's other keywords.

    Returns None when there are none; else the non-null alternatives and whether null is one.
    An alternative's own keywords win; ``properties`` and ``required`` are combined.

    Example:
        >>> found, nullable = options({"type": "object", "properties": {"a": {}, "b": {}},
        ...                            "anyOf": [{"required": ["a"]}, {"type": "null"}]},
        ...                           {}.__getitem__)
        >>> found, nullable
        ([{'type': 'object', 'properties': {'a': {}, 'b': {}}, 'required': ['a']}], True)
    """
    for key in ("oneOf", "anyOf"):
        members = schema.get(key)
        if not isinstance(members, list) or not members:
            continue
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator")}
        found: list[Schema] = []
        for member in members:
            if not isinstance(member, Mapping) or is_null_schema(member):
                continue
            found.append(_over(rest, flatten(member, resolve)) if _keywords(rest) else member)
        return found, len(found) < len(members)
    return None


def _keywords(rest: Mapping[str, Any]) -> bool:
    """True when a schema has keywords that matter for its alternatives."""
    return any(k not in ("description", "title", "example", "examples", "nullable") for k in rest)


def _over(rest: Mapping[str, Any], member: Schema) -> dict[str, Any]:
    merged = dict(rest)
    for key, value in member.items():
        if key == "properties" and isinstance(value, Mapping):
            merged["properties"] = {**_mapping(merged.get("properties")), **value}
        elif key == "required" and isinstance(value, list):
            have = _list(merged.get("required"))
            merged["required"] = have + [name for name in value if name not in have]
        else:
            merged[key] = value
    return merged
