"""An operation's documented responses: status, media type, schema and examples."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.errors import SpecError
from workbench.openapi import shape
from workbench.openapi.bodies import choose_media_type
from workbench.openapi.model import Response
from workbench.openapi.refs import Resolver, escape


def read_responses(raw: Any, resolver: Resolver, where: str) -> tuple[Response, ...]:
    """Every documented response, in document order; ``x-`` keys skipped.

    A response ``$ref`` that cannot be resolved makes the operation :class:`~shape.Unsupported`.

    Example:
        >>> from workbench.openapi.refs import Resolver
        >>> raw = {"200": {"description": "OK", "content": {"application/json": {
        ...     "schema": {"type": "object"}, "example": {"id": 1}}}}, "404": {"description": "no"}}
        >>> found = read_responses(raw, Resolver({}, "file:///s.json", "s.json"), "#/r")
        >>> [(r.status, r.media_type, r.examples) for r in found]
        [('200', 'application/json', ({'id': 1},)), ('404', None, ())]
    """
    if raw is None:
        return ()
    source = resolver.label
    found: list[Response] = []
    for status, value in shape.mapping(raw, source, where).items():
        code = str(status)
        if code.startswith("x-"):
            continue
        at = f"{where}/{escape(code)}"
        response = shape.mapping(shape.deref(resolver, value, at), source, at)
        content = shape.mapping(response.get("content"), source, f"{at}/content", optional=True)
        media_type = choose_media_type(content)
        schema: Mapping[str, Any] | None = None
        examples: tuple[Any, ...] = ()
        if media_type is not None:
            media_at = f"{at}/content/{escape(media_type)}"
            media = shape.mapping(content[media_type], source, media_at, optional=True)
            found_schema = media.get("schema")
            schema = found_schema if isinstance(found_schema, Mapping) else None
            examples = _examples(media, resolver)
        description = str(response.get("description") or "")
        found.append(Response(code, media_type, schema, examples, description))
    return tuple(found)


def _examples(media: Mapping[str, Any], resolver: Resolver) -> tuple[Any, ...]:
    """``example`` and the values of ``examples`` (references followed; broken ones skipped)."""
    values: list[Any] = []
    if "example" in media:
        values.append(media["example"])
    named = media.get("examples")
    if isinstance(named, Mapping):
        for example in named.values():
            try:
                example = resolver.follow(example)
            except SpecError:
                continue
            if isinstance(example, Mapping) and "value" in example:
                values.append(example["value"])
    return tuple(values)
