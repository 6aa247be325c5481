"""Request bodies: the media type sent, its schema, and the fields an action may flatten."""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from workbench.openapi import naming, shape
from workbench.openapi.model import Body
from workbench.openapi.parameters import SpecWarning
from workbench.openapi.refs import Resolver, escape
from workbench.openapi.schemas import Resolver as Lookup
from workbench.openapi.schemas import deref

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
MAX_ALL_OF_DEPTH = 8


def media_rank(media_type: str) -> int:
    """0 for JSON (``application/json``, ``+json``), 1 form, 2 multipart, 3 anything else."""
    base = media_type.split(";", 1)[0].strip().lower()
    if base == "application/json" or base.endswith("+json"):
        return 0
    return {FORM: 1, MULTIPART: 2}.get(base, 3)


RAW_BYTES = {"type": "string", "format": "binary"}


def file_object(media_type: str, schema: Any) -> bool:
    """Whether a ``media_type`` body's ``schema`` is Swagger 2's ``type: file`` converted to
    ``{"type": "object", "format": "file"}`` (a common defect): the body is raw bytes.

    Example:
        >>> file_object("image/png", {"type": "object", "format": "file"})
        True
        >>> file_object("application/json", {"type": "object", "format": "file"})
        False
    """
    return (
        media_rank(media_type) == 3
        and isinstance(schema, Mapping)
        and schema.get("format") == "file"
        and schema.get("type") in ("object", "file", None)
    )


def sent_as_bytes(media_type: str, schema: Any) -> bool:
    """Whether a body of ``media_type`` is raw bytes on the wire whatever its string schema
    says (``format: byte`` on ``application/octet-stream``), or a :func:`file_object`.

    Example:
        >>> sent_as_bytes("application/octet-stream", {"type": "string", "format": "byte"})
        True
        >>> sent_as_bytes("text/plain", {"type": "string"})
        False
    """
    if file_object(media_type, schema):
        return True
    base = media_type.split(";", 1)[0].strip().lower()
    textual = base.startswith("text/") or "xml" in base or "*" in base
    return (
        media_rank(media_type) == 3
        and not textual
        and isinstance(schema, Mapping)
        and schema.get("type") == "string"
    )


def closed_over_all_of(schema: Any, resolve: Lookup) -> bool:
    """Whether ``schema`` refuses additional properties while its properties are all in its
    ``allOf`` parts (a common defect: read strictly, no object is valid); it is then checked
    as its parts merged.

    Example:
        >>> closed_over_all_of({"additionalProperties": False, "required": ["a"],
        ...                     "allOf": [{"properties": {"a": {}}}]}, {}.__getitem__)
        True
    """
    schema, _ = deref(schema, resolve) if isinstance(schema, Mapping) else ({}, None)
    return (
        schema.get("additionalProperties") is False
        and isinstance(schema.get("allOf"), list)
        and not schema.get("properties")
    )


def choose_media_type(media_types: Iterable[str]) -> str | None:
    """The media type to send or expect: JSON first, then form, then multipart, else the first.

    Example:
        >>> choose_media_type(["text/xml", "multipart/form-data", "application/vnd.api+json"])
        'application/vnd.api+json'
        >>> choose_media_type([]) is None
        True
    """
    return min(media_types, key=media_rank, default=None)


def read_body(raw: Any, resolver: Resolver, where: str) -> Body | None:
    """The :class:`Body` of a ``requestBody`` (``fields`` left empty; see :func:`body_fields`).

    A body with no media type, or a form or multipart body with no schema, is
    :class:`~shape.Unsupported` (its fields are unknown).

    Example:
        >>> from workbench.openapi.refs import Resolver, escape
        >>> raw = {"required": True, "content": {"text/plain": {},
        ...        "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}
        >>> body = read_body(raw, Resolver({}, "file:///s.json", "s.json"), "#/rb")
        >>> body.media_type, body.schema, body.required
        ('application/x-www-form-urlencoded', {'type': 'object'}, True)
    """
    if raw is None:
        return None
    source = resolver.label
    body = shape.mapping(shape.deref(resolver, raw, where), source, where)
    content = shape.mapping(body.get("content"), source, f"{where}/content", optional=True)
    media_type = choose_media_type(content)
    if media_type is None:
        raise shape.Unsupported(f"{where}: the request body has no media type")
    media_where = f"{where}/content/{escape(media_type)}"
    schema = shape.mapping(content[media_type], source, media_where, optional=True).get("schema")
    if schema is None:
        if media_rank(media_type) in (1, 2):
            raise shape.Unsupported(f"{where}: the {media_type} body has no schema")
        schema = {} if media_rank(media_type) == 0 else {"type": "string", "format": "binary"}
    if isinstance(schema, bool):
        schema = {} if schema else {"not": {}}
    if file_object(media_type, schema):
        defect = (
            f"{where}: the {media_type} body is a file written as an object; it is sent as bytes"
        )
        warnings.warn(f"{source}: {defect}", SpecWarning, stacklevel=2)
        schema = RAW_BYTES
    return Body(
        media_type=media_type,
        schema=shape.mapping(schema, source, f"{media_where}/schema"),
        required=body.get("required") is True,
        description=str(body.get("description") or ""),
    )


def body_fields(
    schema: Mapping[str, Any], resolver: Resolver, taken: Collection[str], where: str
) -> dict[str, str]:
    """Python name -> wire name of an object body's properties, when they can be keywords.

    A name the schema requires without describing it is a property too. Empty when the
    schema (its top-level ``$ref`` followed, ``allOf`` merged) is not an object with
    properties, or when a property's python name collides with one in
    ``taken`` (the parameters') or with another property's.

    Example:
        >>> from workbench.openapi.refs import Resolver, escape
        >>> doc = {"components": {"schemas": {"Base": {"properties": {"id": {}}}}}}
        >>> schema = {"allOf": [{"$ref": "#/components/schemas/Base"},
        ...                     {"type": "object", "properties": {"displayName": {}}}]}
        >>> body_fields(schema, Resolver(doc, "file:///s.json", "s.json"), {"limit"}, "#/b")
        {'id': 'id', 'display_name': 'displayName'}
        >>> body_fields(schema, Resolver(doc, "file:///s.json", "s.json"), {"id"}, "#/b")
        {}
        >>> body_fields({"properties": {"a": {}}, "required": ["a", "b"]}, Resolver(doc,
        ...             "file:///s.json", "s.json"), (), "#/b")
        {'a': 'a', 'b': 'b'}
    """
    properties = _properties(schema, resolver, where, 0)
    fields: dict[str, str] = {}
    for wire in properties or ():
        python = naming.identifier(str(wire))
        if python in fields or python in taken:
            return {}
        fields[python] = str(wire)
    return fields


def _properties(
    schema: Any, resolver: Resolver, where: str, depth: int
) -> Mapping[str, Any] | None:
    """The merged properties of an object schema, or None when it is not a plain object."""
    schema = shape.deref(resolver, schema, where)
    if not isinstance(schema, Mapping) or depth > MAX_ALL_OF_DEPTH:
        return None
    kind = schema.get("type", "object")
    if kind != "object" and not (isinstance(kind, list) and "object" in kind):
        return None
    if "oneOf" in schema or "anyOf" in schema:
        return None
    merged: dict[str, Any] = {}
    parts = schema.get("allOf") or []
    for index, part in enumerate(parts if isinstance(parts, list) else []):
        found = _properties(part, resolver, f"{where}/allOf/{index}", depth + 1)
        if found is None:
            return None
        merged.update(found)
    own = schema.get("properties") or {}
    if not isinstance(own, Mapping):
        return None
    merged.update(own)
    listed = schema.get("required")
    if schema.get("additionalProperties") is not False and isinstance(listed, list):
        for name in listed:  # required, yet not described (often a misspelt property)
            if isinstance(name, str):
                merged.setdefault(name, {})
    return merged
