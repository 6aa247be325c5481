"""Example values from JSON Schemas: deterministic, and valid against the schema.

Used for the sandbox's responses, for example inputs of actions (forms, tests) and for the
contract check that every generated request is valid.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping
from typing import Any

from workbench.openapi.arguments import plan
from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.patterns import matching
from workbench.openapi.scalars import FORMATS, fits, length_ok, number_for, vary_number
from workbench.openapi.schemas import Resolver, flatten, options, types_of

OPTIONAL_DEPTH = 3  # optional properties are filled in down to this depth
MAX_DEPTH = 12  # deeper than this, only what is required (recursive schemas end here)
_NOTHING = object()


def example_for(
    schema: Mapping[str, Any], spec: ApiSpec, *, seed: int = 0, for_request: bool = False
) -> Any:
    """A value valid against ``schema``: the schema's own example where it fits, else generated.

    The same schema and ``seed`` give the same value. ``for_request`` fills in required
    properties only and leaves ``readOnly`` ones out; otherwise optional properties are
    filled in too (down to a depth) and ``writeOnly`` ones left out.

    Example:
        >>> from workbench.openapi.model import ApiSpec
        >>> spec = ApiSpec("t", "1", "", {}, {}.__getitem__)
        >>> example_for({"type": "object", "required": ["id", "at"], "properties": {
        ...     "id": {"type": "integer", "minimum": 10},
        ...     "at": {"type": "string", "format": "date-time"},
        ...     "kind": {"enum": ["cat", "dog"]}}}, spec)
        {'id': 10, 'at': '2024-01-15T09:30:00Z', 'kind': 'cat'}
        >>> example_for({"type": "string", "pattern": "^[A-Z]{3}-\\\\d{2}$"}, spec)
        'AAA-00'
    """
    return _Generator(spec.resolve, seed, for_request).value(schema, 0, ())


def example_arguments(operation: Operation, spec: ApiSpec, *, seed: int = 0) -> dict[str, Any]:
    """Valid example inputs for ``operation``'s action: every required argument.

    Example:
        >>> from workbench.openapi.model import ApiSpec, Operation, Parameter
        >>> op = Operation("get_pet", "get", "/pets/{petId}", "/paths/~1pets~1{petId}/get",
        ...                parameters=(Parameter("petId", "path", "pet_id", {"type": "integer"}),))
        >>> example_arguments(op, ApiSpec("t", "1", "", {}, {}.__getitem__))
        {'pet_id': 1}
    """
    return {
        arg.name: example_for(arg.schema, spec, seed=seed, for_request=True)
        for arg in plan(operation, spec.resolve)
        if arg.required
    }


class _Generator:
    def __init__(self, resolve: Resolver, seed: int, for_request: bool) -> None:
        self.resolve = resolve
        self.rng = random.Random(seed)  # noqa: S311 - example data, not secrets
        self.for_request = for_request
        self.variant = 0  # the index of the array item being made: items differ by it

    def value(
        self, schema: Any, depth: int, refs: tuple[str, ...], *, distinguish: bool = False
    ) -> Any:
        """An example of ``schema``; ``distinguish`` also fills in optional enum properties
        (the ones that tell one alternative of a ``oneOf`` from another)."""
        if not isinstance(schema, Mapping):
            return "example"
        ref = schema.get("$ref")
        if isinstance(ref, str):
            refs = (*refs, ref)
            if refs.count(ref) > 2:  # a recursive schema: stop filling in optional parts
                depth = max(depth, MAX_DEPTH)
        schema = flatten(schema, self.resolve)
        given = self._given(schema)
        if given is not _NOTHING:
            return given
        alternatives = options(schema, self.resolve)
        if alternatives is not None:
            found, nullable = alternatives
            if not found:
                return None
            return self.value(found[0], depth, refs, distinguish=True)
        types, nullable = types_of(schema)
        if not types:
            return None if nullable and not schema else "example"
        kind = types[0]
        if kind == "object":
            return self._object(schema, depth, refs, distinguish)
        if kind == "array":
            return self._array(schema, depth, refs)
        if kind in ("integer", "number"):
            return vary_number(number_for(schema, kind == "integer"), schema, self.variant)
        if kind == "boolean":
            return self.variant % 2 == 0
        if kind == "null":
            return None
        return self._string(schema)

    def _given(self, schema: Mapping[str, Any]) -> Any:
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            values = [v for v in enum if v is not None] or [None]
            return values[self.variant % len(values)]
        types, _ = types_of(schema)
        if types and types[0] in ("object", "array"):
            return _NOTHING
        listed = schema.get("examples")
        candidates = [schema[k] for k in ("example", "default") if k in schema]
        if isinstance(listed, list):
            candidates[1:1] = listed
        for candidate in candidates:
            if fits(candidate, schema, types):
                return candidate
        return _NOTHING

    def _object(
        self, schema: Mapping[str, Any], depth: int, refs: tuple[str, ...], distinguish: bool
    ) -> Any:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = [n for n in schema.get("required") or () if isinstance(n, str)]
        fill_all = not self.for_request and depth < OPTIONAL_DEPTH
        skip = "readOnly" if self.for_request else "writeOnly"
        out: dict[str, Any] = {}
        for name, prop in properties.items():
            shown = flatten(prop, self.resolve) if isinstance(prop, Mapping) else {}
            wanted = name in required or (fill_all and depth < MAX_DEPTH)
            if not wanted and not (distinguish and ("enum" in shown or "const" in shown)):
                continue
            if shown.get(skip) is True:
                continue
            out[name] = self.value(prop, depth + 1, refs)
        if not out and self.for_request and properties and schema.get("maxProperties") != 0:
            # an empty object is often sent as nothing at all (form bodies): fill one in
            first = next((n for n in properties if not _flag(properties[n], skip, self)), None)
            if first is not None:
                out[first] = self.value(properties[first], depth + 1, refs)
        extra = schema.get("additionalProperties")
        for name in required:
            if name not in out and name not in properties:
                out[name] = self.value(extra if isinstance(extra, Mapping) else {}, depth + 1, refs)
        minimum = int(schema.get("minProperties") or 0)
        if not self.for_request and not properties and isinstance(extra, Mapping) and extra:
            minimum = max(minimum, 1)  # a map: show one entry
        while len(out) < minimum:
            value_schema = extra if isinstance(extra, Mapping) else {}
            out[f"key{len(out) + 1}"] = self.value(value_schema, depth + 1, refs)
        return out

    def _array(self, schema: Mapping[str, Any], depth: int, refs: tuple[str, ...]) -> list[Any]:
        low = int(schema.get("minItems") or 0)
        high = schema.get("maxItems")
        count = max(low, 1 if self.for_request or depth >= MAX_DEPTH else self.rng.randint(1, 3))
        if isinstance(high, int):
            count = min(count, high)
        if depth >= MAX_DEPTH:
            count = low
        items: list[Any] = []
        saved = self.variant
        for index in range(count):
            self.variant = index
            items.append(self.value(schema.get("items") or {}, depth + 1, refs))
        self.variant = saved
        if schema.get("uniqueItems"):
            seen: dict[str, Any] = {}
            for item in items:
                seen.setdefault(json.dumps(item, sort_keys=True, default=str), item)
            items = list(seen.values())
        return items

    def _string(self, schema: Mapping[str, Any]) -> Any:
        fmt = str(schema.get("format") or "")
        if fmt == "binary":
            return b"example"
        if fmt == "uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            text = matching(pattern, int(schema.get("minLength") or 0))
            if text is not None and length_ok(text, schema):
                return text
        text = FORMATS.get(fmt, "example")
        if self.variant and not fmt:
            text += str(self.variant + 1)
        low, high = int(schema.get("minLength") or 0), schema.get("maxLength")
        if len(text) < low:
            text += "x" * (low - len(text))
        if isinstance(high, int) and len(text) > high:
            text = text[:high]
        return text


def _flag(schema: Any, flag: str, generator: _Generator) -> bool:
    return isinstance(schema, Mapping) and flatten(schema, generator.resolve).get(flag) is True
