"""Example values: deterministic, valid against their schema, the spec's own examples first."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)
from petstore import document

from workbench.openapi import load_spec
from workbench.openapi.examples import example_arguments, example_for
from workbench.openapi.model import ApiSpec
from workbench.openapi.patterns import matching
from workbench.openapi.schemas import inline

SCHEMAS: dict[str, Any] = {
    "#/components/schemas/Tree": {
        "type": "object",
        "required": ["name", "children"],
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
        },
    },
}
SPEC = ApiSpec("t", "1", "", {}, SCHEMAS.__getitem__)


def valid(
    value: Any, schema: dict[str, Any], *, request: bool = False, dialect: str = "3.0"
) -> None:
    """Raise unless ``value`` is valid for ``schema`` (an independent JSON Schema validator)."""
    full = inline(schema, SPEC.resolve, depth=20)
    if dialect == "3.1":
        OAS31Validator(full, format_checker=oas31_format_checker).validate(value)
    else:
        cls = OAS30WriteValidator if request else OAS30ReadValidator
        cls(full, format_checker=oas30_format_checker).validate(value)


CASES: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "date"},
    {"type": "string", "format": "email"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "uri"},
    {"type": "string", "format": "ipv4"},
    {"type": "string", "minLength": 12},
    {"type": "string", "maxLength": 3},
    {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{4}$"},
    {"type": "string", "pattern": "^[0-9a-f]+$", "minLength": 40, "maxLength": 40},
    {"type": "string", "enum": ["on", "off"]},
    {"type": "integer", "minimum": 10, "maximum": 20},
    {"type": "integer", "exclusiveMinimum": True, "minimum": 1},
    {"type": "integer", "maximum": -5},
    {"type": "integer", "minimum": 7, "multipleOf": 5},
    {"type": "number", "minimum": 2.5, "maximum": 2.75},
    {"type": "boolean"},
    {"type": "array", "items": {"type": "integer"}, "minItems": 2, "uniqueItems": True},
    {"type": "array", "items": {"type": "string"}, "maxItems": 1},
    {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2},
    {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {}}},
    {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {}}},
            {"required": ["b"]},
        ]
    },
    {"oneOf": [{"type": "integer"}, {"type": "string"}]},
    {"anyOf": [{"type": "string", "nullable": True}, {"type": "integer"}]},
    {"type": "string", "nullable": True},
    {"$ref": "#/components/schemas/Tree"},
]


@pytest.mark.parametrize("schema", CASES, ids=[str(i) for i in range(len(CASES))])
@pytest.mark.parametrize("request_mode", [False, True], ids=["response", "request"])
def test_generated_values_are_valid_against_their_schema(
    schema: dict[str, Any], request_mode: bool
) -> None:
    value = example_for(schema, SPEC, seed=3, for_request=request_mode)
    valid(value, schema, request=request_mode)


def test_the_same_seed_gives_the_same_value() -> None:
    schema = {"type": "array", "items": {"type": "string", "format": "uuid"}}
    assert example_for(schema, SPEC, seed=1) == example_for(schema, SPEC, seed=1)
    assert example_for(schema, SPEC, seed=1) != example_for(schema, SPEC, seed=2)
    assert all(uuid.UUID(v).version == 4 for v in example_for(schema, SPEC, seed=1))


def test_arrays_have_one_to_three_items() -> None:
    sizes = {len(example_for({"type": "array", "items": {}}, SPEC, seed=s)) for s in range(30)}
    assert sizes == {1, 2, 3}


def test_the_schema_s_own_examples_and_defaults_come_first_when_they_are_valid() -> None:
    assert example_for({"type": "string", "example": "octocat"}, SPEC) == "octocat"
    assert example_for({"type": "integer", "default": 30}, SPEC) == 30
    assert example_for({"type": "string", "examples": ["a", "b"]}, SPEC) == "a"
    invalid = {"type": "string", "format": "date-time", "example": "yesterday"}
    assert example_for(invalid, SPEC) == "2024-01-15T09:30:00Z"
    assert example_for({"type": "integer", "maximum": 5, "example": 99}, SPEC) == 1


def test_request_examples_fill_in_what_is_required_and_never_read_only_properties() -> None:
    schema = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "name": {"type": "string"},
            "secret": {"type": "string", "writeOnly": True},
            "note": {"type": "string"},
        },
    }
    assert example_for(schema, SPEC, for_request=True) == {"name": "example"}
    response = example_for(schema, SPEC)
    assert set(response) == {"id", "name", "note"}  # write-only never comes back


def test_one_of_takes_the_first_alternative_and_fills_what_tells_it_apart() -> None:
    schema = {
        "oneOf": [
            {"type": "object", "properties": {"kind": {"enum": ["card"]}, "number": {}}},
            {"type": "object", "properties": {"kind": {"enum": ["bank"]}, "iban": {}}},
        ]
    }
    assert example_for(schema, SPEC, for_request=True) == {"kind": "card"}


def test_recursive_schemas_stop() -> None:
    tree = example_for({"$ref": "#/components/schemas/Tree"}, SPEC)
    depth = 0
    while tree["children"]:
        tree, depth = tree["children"][0], depth + 1
    assert 1 < depth < 20


def test_openapi_3_1_schemas() -> None:
    schema = {
        "type": "object",
        "required": ["at", "count", "maybe"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "count": {"type": "integer", "exclusiveMinimum": 0},
            "maybe": {"type": ["string", "null"]},
            "fixed": {"const": "x"},
        },
    }
    value = example_for(schema, SPEC)
    valid(value, schema, dialect="3.1")
    assert value["count"] == 1 and value["fixed"] == "x"


def test_simple_patterns_give_matching_text() -> None:
    for pattern in (r"^\d{3}-\d{4}$", r"^[A-Z][a-z]+$", r"^(foo|bar)\.json$", r"[^\s]+@x\.org"):
        text = matching(pattern)
        assert text is not None and re.search(pattern, text), pattern
    assert matching(r"^(a)\1$") is None  # a backreference is not simple


def test_example_arguments_are_the_required_inputs_of_an_action() -> None:
    spec = load_spec(document(), name="petstore")
    assert example_arguments(spec.operations["list_pets"], spec) == {}
    assert example_arguments(spec.operations["get_pet"], spec) == {"pet_id": "example"}
    assert example_arguments(spec.operations["create_pet"], spec) == {"name": "example"}
    assert example_arguments(spec.operations["create_order"], spec) == {
        "amount": 1,
        "currency": "aaa",
    }
    assert example_arguments(spec.operations["upload_photo"], spec) == {
        "pet_id": 1,
        "photo": b"example",
    }


def test_a_required_body_without_required_fields_gets_one_field() -> None:
    form = {"type": "object", "properties": {"id": {"type": "string", "readOnly": True},
                                             "frequency": {"type": "string"}}}  # fmt: skip
    spec = load_spec(
        {
            "openapi": "3.0.3",
            "info": {"title": "Checks", "version": "1"},
            "paths": {
                "/checks": {
                    "post": {
                        "operationId": "createCheck",
                        "requestBody": {
                            "required": True,
                            "content": {"application/x-www-form-urlencoded": {"schema": form}},
                        },
                        "responses": {"201": {"description": "created"}},
                    },
                    "put": {
                        "operationId": "putCheck",
                        "requestBody": {
                            "content": {"application/x-www-form-urlencoded": {"schema": form}},
                        },
                        "responses": {"204": {"description": "kept"}},
                    },
                }
            },
        },
        name="checks",
    )
    assert example_arguments(spec.operations["create_check"], spec) == {"frequency": "example"}
    assert example_arguments(spec.operations["put_check"], spec) == {}  # an optional body


def test_a_format_sample_the_pattern_allows_comes_before_text_made_from_the_pattern() -> None:
    spec = load_spec(document(), name="petstore")
    data = {"type": "string", "format": "byte", "pattern": "^.{1,2097152}"}
    assert example_for(data, spec, for_request=True) == "ZXhhbXBsZQ=="
    digits = {"type": "string", "format": "byte", "pattern": "^[0-9]+$"}
    assert example_for(digits, spec, for_request=True) == "0"  # the sample is not allowed
