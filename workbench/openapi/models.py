"""JSON Schema (OpenAPI 3.0 and 3.1) -> pydantic-compatible type annotations.

The types check what an action is given before a request is sent: wrong types are caught,
while anything a real API would accept gets through (date-times also as strings, unknown
properties of objects kept, unions too wide to check left open).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    create_model,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from workbench.openapi.schemas import Resolver, deref, flatten, options, ref_name, types_of

MAX_UNION = 8
MAX_NESTING = 64  # schemas nested deeper than this are not checked (Any)
_RESERVED = set(dir(BaseModel))
_PRIMITIVES = (str, int, float, bool)


class File:
    """A file to upload: bytes, a file opened in binary mode, or ``(filename, content[, type])``."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(_file)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "binary"}


def _file(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    if hasattr(value, "read"):
        return value
    if isinstance(value, tuple) and len(value) in (2, 3) and isinstance(value[0], str):
        return value
    raise ValueError("expected bytes, a file opened in binary mode or a (filename, content) tuple")


_STRING_FORMATS: dict[str, Any] = {"date-time": datetime | str, "date": date | str, "binary": File}
_SCALARS: dict[str, Any] = {"integer": int, "number": int | float, "boolean": bool}


class TypeBuilder:
    """Builds annotations for the schemas of one API; models of named schemas are shared.

    A ``$ref`` that refers back to a schema being built (a recursive schema) becomes
    ``dict[str, Any]``, and a schema nested deeper than :data:`MAX_NESTING` levels (one
    that contains itself) ``Any``. ``readOnly`` properties are left out: they are never sent.

    Example:
        >>> types = TypeBuilder({}.__getitem__)
        >>> types.annotation({"type": "array", "items": {"type": "integer"}})
        list[int]
        >>> types.annotation({"type": "string", "enum": ["a", "b"], "nullable": True})
        typing.Optional[typing.Literal['a', 'b']]
        >>> Pet = types.annotation(
        ...     {"type": "object", "required": ["name"],
        ...      "properties": {"name": {"type": "string"}, "pet-type": {"type": "string"}}},
        ...     "Pet",
        ... )
        >>> Pet.model_validate({"name": "Rex", "pet-type": "dog"}).model_dump(by_alias=True)
        {'name': 'Rex', 'pet-type': 'dog'}
    """

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._by_ref: dict[str, Any] = {}
        self._building: set[str] = set()
        self._names: dict[str, int] = {}
        self._nesting = 0
        self._by_id: dict[int, tuple[Mapping[str, Any], Any]] = {}  # shared inline schemas
        self._open: set[int] = set()
        self.models_built = 0

    def annotation(self, schema: Mapping[str, Any], name: str = "Value") -> Any:
        """The annotation checking values of ``schema``; ``name`` names nested models."""
        return self._build(schema, _class_name(name))

    def _build(self, schema: Any, name: str) -> Any:
        if not isinstance(schema, Mapping) or self._nesting >= MAX_NESTING:
            return Any
        key = id(schema)
        if key in self._by_id:  # the same schema object met again (a YAML alias)
            return self._by_id[key][1]
        if key in self._open:  # a schema that contains itself
            return dict[str, Any] if types_of(schema)[0] == ["object"] else Any
        self._nesting += 1
        self._open.add(key)
        try:
            built = self._build_one(schema, name)
        finally:
            self._nesting -= 1
            self._open.discard(key)
        self._by_id[key] = (schema, built)  # the schema is kept, so its id is not reused
        return built

    def _build_one(self, schema: Mapping[str, Any], name: str) -> Any:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._build_ref(schema, ref)
        if "allOf" in schema:
            schema = flatten(schema, self._resolve)
        return self._build_plain(schema, name)

    def _build_ref(self, schema: Mapping[str, Any], ref: str) -> Any:
        pure = len(schema) == 1
        if pure and ref in self._by_ref:
            return self._by_ref[ref]
        target, _ = deref(schema, self._resolve)
        if ref in self._building:
            return dict[str, Any] if types_of(target)[0] == ["object"] else Any
        self._building.add(ref)
        try:
            built = self._build(target, _class_name(ref_name(ref)))
        finally:
            self._building.discard(ref)
        if pure:
            self._by_ref[ref] = built
        return built

    def _build_plain(self, schema: Mapping[str, Any], name: str) -> Any:
        types, nullable = types_of(schema)
        alternatives = options(schema, self._resolve)
        if alternatives is not None:
            found, with_null = alternatives
            built = [self._build(m, f"{name}{i + 1}") for i, m in enumerate(found)]
            return _optional(_union(built), nullable or with_null)
        if "const" in schema and isinstance(schema["const"], _PRIMITIVES):
            return _optional(Literal[schema["const"]], nullable)
        enum = schema.get("enum")
        if isinstance(enum, list):
            values = tuple(v for v in enum if v is not None)
            if values and all(isinstance(v, _PRIMITIVES) for v in values):
                return _optional(Literal[values], nullable)
        if len(types) > 1:
            built = [self._build_plain({**schema, "type": t}, name) for t in types]
            return _optional(_union(built), nullable)
        if not types:
            return Any
        return _optional(self._typed(types[0], schema, name), nullable)

    def _typed(self, kind: str, schema: Mapping[str, Any], name: str) -> Any:
        if kind == "string":
            return _STRING_FORMATS.get(str(schema.get("format")), str)
        if kind in _SCALARS:
            return _SCALARS[kind]
        if kind == "array":
            items = schema.get("items")
            return list[self._build(items, f"{name}Item")] if items else list[Any]  # type: ignore[misc]
        if kind == "object":
            properties = schema.get("properties")
            if isinstance(properties, Mapping) and properties:
                return self._model(schema, properties, name)
            extra = schema.get("additionalProperties")
            if isinstance(extra, Mapping) and extra:
                return dict[str, self._build(extra, f"{name}Value")]  # type: ignore[misc]
            return dict[str, Any]
        return Any

    def _model(
        self, schema: Mapping[str, Any], properties: Mapping[str, Any], name: str
    ) -> type[BaseModel]:
        listed = schema.get("required")
        required = {n for n in listed if isinstance(n, str)} if isinstance(listed, list) else set()
        fields: dict[str, Any] = {}
        used: set[str] = set()
        for wire, prop in properties.items():
            shown, _ = deref(prop, self._resolve) if isinstance(prop, Mapping) else ({}, None)
            if shown.get("readOnly") is True:
                continue
            annotation = self._build(prop, name + _class_name(wire))
            info = Field(
                ... if wire in required else None,
                alias=wire,
                description=_text(shown.get("description")),
            )
            optional = wire not in required and annotation is not Any
            fields[field_name(wire, used)] = (annotation | None if optional else annotation, info)
        config = ConfigDict(
            extra="allow",
            populate_by_name=True,
            protected_namespaces=(),
            title=str(schema.get("title") or name),
        )
        self.models_built += 1
        model: type[BaseModel] = create_model(self._unique(name), __config__=config, **fields)
        description = schema.get("description")
        model.__doc__ = description if isinstance(description, str) and description else None
        return model

    def _unique(self, name: str) -> str:
        count = self._names.get(name, 0)
        self._names[name] = count + 1
        return name if count == 0 else f"{name}{count + 1}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _union(members: list[Any]) -> Any:
    distinct: list[Any] = []
    for member in members:
        if member is Any:
            return Any
        if member not in distinct:
            distinct.append(member)
    if not distinct or len(distinct) > MAX_UNION:
        return Any
    return distinct[0] if len(distinct) == 1 else Union[tuple(distinct)]  # noqa: UP007


def _optional(annotation: Any, nullable: bool) -> Any:
    return annotation | None if nullable and annotation is not Any else annotation


def field_name(wire: str, used: set[str]) -> str:
    """A pydantic field name for the wire name ``wire``, unique within ``used`` (updated).

    Example:
        >>> used = set()
        >>> [field_name(n, used) for n in ("first-name", "json", "_id", "2fa", "first_name")]
        ['first_name', 'json_', 'f_id', 'f_2fa', 'first_name_2']
    """
    name = re.sub(r"\W", "_", wire) or "field"
    if name[0].isdigit() or name.startswith("_"):
        name = "f_" + name.lstrip("_")
    if name in _RESERVED or name.startswith("model_") or keyword.iskeyword(name):
        name += "_"
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    used.add(candidate)
    return candidate


def _class_name(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Value"
    return name if name[0].isalpha() else "M" + name
