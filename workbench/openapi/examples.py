"""Example values from JSON Schemas: deterministic, and valid against the schema.

Used for the sandbox's responses, for example inputs of actions (forms, tests) and for the
contract check that every generated request is valid.

An example is bounded whatever the schema asks for: at most :data:`MAX_ITEMS` items per
array or object, :data:`MAX_TEXT` characters per string, :data:`MAX_NESTING` levels,
:data:`MAX_VALUES` values and about :data:`MAX_BYTES` bytes in all, made within
:data:`MAX_SECONDS`. Past a bound the example is cut short (no longer valid against the
schema) and :func:`generate` says so in its notes.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.openapi.arguments import Argument, plan
from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.patterns import TooLong, allows, matching
from workbench.openapi.scalars import FORMATS, count, fits, length_ok, number_for, vary_number
from workbench.openapi.schemas import Resolver, flatten, options, types_of

OPTIONAL_DEPTH = 3  # optional properties are filled in down to this depth
MAX_DEPTH = 12  # deeper than this, only what is required (recursive schemas end here)
MAX_NESTING = 32  # deeper than this, nothing: a schema that requires itself ends here
MAX_ITEMS = 100
MAX_TEXT = 10_000
MAX_VALUES = 20_000
MAX_BYTES = 1_000_000
MAX_SECONDS = 2.0
_NOTHING = object()


@dataclass(frozen=True)
class Example:
    """A generated value and, when a bound cut it short, why (``notes``)."""

    value: Any
    notes: tuple[str, ...] = ()

    @property
    def truncated(self) -> bool:
        """True when the value was cut short by a bound (so may not fit the schema)."""
        return bool(self.notes)


def generate(
    schema: Mapping[str, Any], spec: ApiSpec, *, seed: int = 0, for_request: bool = False
) -> Example:
    """Like :func:`example_for`, with the notes saying where a bound cut the value short.

    Example:
        >>> from workbench.openapi.model import ApiSpec
        >>> spec = ApiSpec("t", "1", "", {}, {}.__getitem__)
        >>> found = generate({"type": "array", "minItems": 10**9, "items": {"type": "integer"}},
        ...                  spec)
        >>> len(found.value), found.notes
        (100, ('example truncated: at most 100 items per array or object',))
    """
    generator = _Generator(spec.resolve, seed, for_request)
    value = generator.value(schema, 0, ())
    return Example(value, tuple(generator.notes))


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
    return generate(schema, spec, seed=seed, for_request=for_request).value


def example_arguments(operation: Operation, spec: ApiSpec, *, seed: int = 0) -> dict[str, Any]:
    """Valid example inputs for ``operation``'s action: every required argument, and a
    stand-in for each credential it declares as a parameter (:func:`credential_stand_in`).

    Example:
        >>> from workbench.openapi.model import ApiSpec, Operation, Parameter
        >>> op = Operation("get_pet", "get", "/pets/{petId}", "/paths/~1pets~1{petId}/get",
        ...                parameters=(Parameter("petId", "path", "pet_id", {"type": "integer"}),
        ...                            Parameter("token", "header", "token", {}, True)))
        >>> example_arguments(op, ApiSpec("t", "1", "", {}, {}.__getitem__))
        {'pet_id': 1, 'token': 'sandbox-credential'}
    """
    found: dict[str, Any] = {}
    arguments = plan(operation, spec.resolve)
    for arg in arguments:
        if arg.credential:
            found[arg.name] = credential_stand_in(arg, spec)
        elif arg.required:
            found[arg.name] = example_for(arg.schema, spec, seed=seed, for_request=True)
    fields = [a for a in arguments if a.where == "field" and not a.credential]
    body = operation.body
    if body is not None and body.required and fields and not any(a.name in found for a in fields):
        # a required body none of whose fields is required: an empty one is no body at all
        first = next((a for a in fields if a.schema.get("readOnly") is not True), fields[0])
        found[first.name] = example_for(first.schema, spec, seed=seed, for_request=True)
    return found


SANDBOX_CREDENTIAL = "sandbox-credential"


def credential_stand_in(arg: Argument, spec: ApiSpec) -> Any:
    """What stands in for the credential argument ``arg`` where there is none (the sandbox):
    ``sandbox-credential`` for a plain string, else an example of its schema.

    Example:
        >>> from workbench.openapi.model import ApiSpec
        >>> spec = ApiSpec("t", "1", "", {}, {}.__getitem__)
        >>> credential_stand_in(Argument("token", "header", "token", {"type": "string"}), spec)
        'sandbox-credential'
        >>> credential_stand_in(Argument("key", "query", "key", {"enum": ["k1"]}), spec)
        'k1'
    """
    schema = arg.schema
    if set(schema) <= {"type", "description"} and schema.get("type") in (None, "string"):
        return SANDBOX_CREDENTIAL
    return example_for(schema, spec, for_request=True)


class _Generator:
    def __init__(self, resolve: Resolver, seed: int, for_request: bool) -> None:
        self.resolve = resolve
        self.rng = random.Random(seed)  # noqa: S311 - example data, not secrets
        self.for_request = for_request
        self.variant = 0  # the index of the array item being made: items differ by it
        self.notes: dict[str, None] = {}
        self.nesting = 0
        self.values = 0
        self.size = 0
        self.spent = False  # a budget (values, bytes, time) is used up: nothing more is made
        self.deadline = time.monotonic() + MAX_SECONDS

    def note(self, text: str) -> None:
        """Record that a bound cut the example short."""
        self.notes.setdefault(f"example truncated: {text}", None)

    def spend(self, size: int) -> bool:
        """Count one value of about ``size`` bytes; False once a budget is used up."""
        self.values += 1
        self.size += size
        if not self.spent and (self.values > MAX_VALUES or self.size > MAX_BYTES):
            self.note(f"at most {MAX_VALUES:,} values or {MAX_BYTES:,} bytes")
            self.spent = True
        if not self.spent and self.values % 32 == 0 and time.monotonic() > self.deadline:
            self.note(f"made in at most {MAX_SECONDS:g} s")
            self.spent = True
        return not self.spent

    def value(
        self, schema: Any, depth: int, refs: tuple[str, ...], *, distinguish: bool = False
    ) -> Any:
        """An example of ``schema``; ``distinguish`` also fills in optional enum properties
        (the ones that tell one alternative of a ``oneOf`` from another)."""
        if self.nesting >= MAX_NESTING:
            self.note(f"nested deeper than {MAX_NESTING} levels (the depth limit)")
            return None
        if not self.spend(8):
            return None
        self.nesting += 1
        try:
            return self._value(schema, depth, refs, distinguish)
        finally:
            self.nesting -= 1

    def _value(self, schema: Any, depth: int, refs: tuple[str, ...], distinguish: bool) -> Any:
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
        text = self._string(schema)
        self.spend(len(text))
        return text

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
        found = schema.get("properties")
        properties: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        listed = schema.get("required")
        required = [n for n in listed if isinstance(n, str)] if isinstance(listed, list) else []
        fill_all = not self.for_request and depth < OPTIONAL_DEPTH
        skip = "readOnly" if self.for_request else "writeOnly"
        out: dict[str, Any] = {}
        for name, prop in properties.items():
            if self.spent:
                break
            shown = flatten(prop, self.resolve) if isinstance(prop, Mapping) else {}
            wanted = name in required or (fill_all and depth < MAX_DEPTH)
            if not wanted and not (distinguish and ("enum" in shown or "const" in shown)):
                continue
            if shown.get(skip) is True:
                continue
            out[str(name)] = self.value(prop, depth + 1, refs)
            self.spend(len(str(name)))
        if not out and self.for_request and properties and schema.get("maxProperties") != 0:
            # an empty object is often sent as nothing at all (form bodies): fill one in
            first = next((n for n in properties if not _flag(properties[n], skip, self)), None)
            if first is not None:
                out[str(first)] = self.value(properties[first], depth + 1, refs)
        extra = schema.get("additionalProperties")
        value_schema = extra if isinstance(extra, Mapping) else {}
        for name in required:
            if name not in out and name not in properties and not self.spent:
                out[name] = self.value(value_schema, depth + 1, refs)
        minimum = count(schema, "minProperties")
        if not self.for_request and not properties and isinstance(extra, Mapping) and extra:
            minimum = max(minimum, 1)  # a map: show one entry
        while len(out) < minimum and self._room(out):
            out[f"key{len(out) + 1}"] = self.value(value_schema, depth + 1, refs)
        return out

    def _room(self, made: dict[str, Any] | list[Any]) -> bool:
        """Whether another item fits in ``made`` (noting why not)."""
        if len(made) >= MAX_ITEMS:
            self.note(f"at most {MAX_ITEMS} items per array or object")
            return False
        return not self.spent

    def _array(self, schema: Mapping[str, Any], depth: int, refs: tuple[str, ...]) -> list[Any]:
        low = count(schema, "minItems")
        high = schema.get("maxItems")
        wanted = max(low, 1 if self.for_request or depth >= MAX_DEPTH else self.rng.randint(1, 3))
        if isinstance(high, int) and high >= 0:
            wanted = min(wanted, high)
        if depth >= MAX_DEPTH:
            wanted = low
        items: list[Any] = []
        saved = self.variant
        while len(items) < wanted and self._room(items):
            self.variant = len(items)
            items.append(self.value(schema.get("items") or {}, depth + 1, refs))
        self.variant = saved
        if schema.get("uniqueItems") is True:
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
        low, high = count(schema, "minLength"), schema.get("maxLength")
        if low > MAX_TEXT:
            self.note(f"strings cut to {MAX_TEXT:,} characters")
            low = MAX_TEXT
        pattern = schema.get("pattern")
        sample = FORMATS.get(fmt)
        if sample is not None and length_ok(sample, schema) and allows(pattern, sample):
            return sample  # a format's own sample, where the pattern allows it
        if isinstance(pattern, str):
            try:
                text = matching(pattern, low, limit=MAX_TEXT)
            except TooLong:
                self.note(f"strings cut to {MAX_TEXT:,} characters")
                text = None
            if text is not None and length_ok(text, schema):
                return text
        text = FORMATS.get(fmt, "example")
        if self.variant and not fmt:
            text += str(self.variant + 1)
        if len(text) < low:
            text += "x" * (low - len(text))
        if isinstance(high, int) and 0 <= high < len(text):
            text = text[:high]
        return text


def _flag(schema: Any, flag: str, generator: _Generator) -> bool:
    return isinstance(schema, Mapping) and flatten(schema, generator.resolve).get(flag) is True
