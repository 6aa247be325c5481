"""JSON Schema -> pydantic types: strict about wrong types, lenient where APIs are."""

from __future__ import annotations

import io
import typing
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from workbench.openapi.models import MAX_UNION, File, TypeBuilder

SCHEMAS: dict[str, dict[str, Any]] = {
    "#/components/schemas/Tag": {"type": "string", "enum": ["a", "b"]},
    "#/components/schemas/Node": {
        "type": "object",
        "properties": {"value": {"type": "integer"}, "next": {"$ref": "#/components/schemas/Node"}},
    },
    "#/components/schemas/Base": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "integer"}},
    },
}


def build(schema: dict[str, Any], name: str = "Value") -> Any:
    return TypeBuilder(SCHEMAS.__getitem__).annotation(schema, name)


def check(annotation: Any, value: Any) -> Any:
    return TypeAdapter(annotation).validate_python(value)


@pytest.mark.parametrize(
    ("schema", "good", "bad"),
    [
        ({"type": "string"}, "x", 5),
        ({"type": "integer"}, 5, "five"),
        ({"type": "number"}, 2.5, "much"),
        ({"type": "boolean"}, True, "maybe"),
        ({"type": "array", "items": {"type": "integer"}}, [1, 2], ["x"]),
        ({"type": "string", "enum": ["red", "green"]}, "red", "blue"),
        ({"const": "fixed"}, "fixed", "other"),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, {"a": 1}, {"a": "x"}),
        ({"type": ["string", "integer"]}, 5, [1]),
        ({"oneOf": [{"type": "integer"}, {"type": "boolean"}]}, True, "text"),
    ],
)
def test_values_of_the_right_type_pass_and_wrong_ones_are_caught(
    schema: dict[str, Any], good: Any, bad: Any
) -> None:
    annotation = build(schema)
    assert check(annotation, good) == good
    with pytest.raises(ValidationError):
        check(annotation, bad)


def test_numbers_keep_integers_and_accept_floats() -> None:
    annotation = build({"type": "number"})
    assert check(annotation, 5) == 5
    assert isinstance(check(annotation, 5), int)
    assert check(annotation, 0.5) == 0.5


def test_date_times_and_dates_are_accepted_as_objects_or_as_text() -> None:
    moment = datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    stamp = build({"type": "string", "format": "date-time"})
    assert check(stamp, moment) == moment
    assert check(stamp, "2024-01-15T09:30:00Z") == "2024-01-15T09:30:00Z"  # sent as given
    day = build({"type": "string", "format": "date"})
    assert check(day, date(2024, 1, 15)) == date(2024, 1, 15)
    assert check(day, "2024-01-15") == "2024-01-15"


def test_binary_takes_bytes_files_and_named_tuples() -> None:
    annotation = build({"type": "string", "format": "binary"})
    assert annotation is File
    assert check(annotation, b"PNG") == b"PNG"
    handle = io.BytesIO(b"data")
    assert check(annotation, handle) is handle
    assert check(annotation, ("photo.png", b"PNG", "image/png")) == (
        "photo.png",
        b"PNG",
        "image/png",
    )
    with pytest.raises(ValidationError, match="expected bytes"):
        check(annotation, 42)
    assert TypeAdapter(annotation).json_schema() == {"type": "string", "format": "binary"}


def test_nullable_in_both_dialects_allows_none() -> None:
    for schema in ({"type": "string", "nullable": True}, {"type": ["string", "null"]}):
        annotation = build(schema)
        assert check(annotation, None) is None
        assert check(annotation, "x") == "x"
    assert check(build({"type": "string", "enum": ["a", None]}), None) is None
    assert check(build({"anyOf": [{"type": "integer"}, {"type": "null"}]}), None) is None
    with pytest.raises(ValidationError):
        check(build({"type": "string"}), None)


def test_objects_with_properties_become_models_with_aliases_and_required_fields() -> None:
    Model = build(
        {
            "type": "object",
            "required": ["first-name"],
            "properties": {
                "first-name": {"type": "string", "description": "Given name"},
                "age": {"type": "integer"},
                "id": {"type": "integer", "readOnly": True},
            },
        },
        "Person",
    )
    assert issubclass(Model, BaseModel)
    assert "id" not in Model.model_fields  # read-only: never sent
    person = Model.model_validate({"first-name": "Ada", "hobby": "chess"})
    assert person.model_dump(by_alias=True, exclude_unset=True) == {
        "first-name": "Ada",
        "hobby": "chess",  # properties the spec does not list are kept
    }
    with pytest.raises(ValidationError, match="first-name"):
        Model.model_validate({"age": 3})
    with pytest.raises(ValidationError, match="age"):
        Model.model_validate({"first-name": "Ada", "age": "old"})
    schema = Model.model_json_schema()
    assert schema["required"] == ["first-name"]
    assert schema["properties"]["first-name"]["description"] == "Given name"


def test_all_of_parts_are_merged_into_one_model() -> None:
    Model = build(
        {
            "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"type": "object", "properties": {"name": {"type": "string"}}},
            ]
        }
    )
    assert set(Model.model_fields) == {"id", "name"}
    assert Model.model_fields["id"].is_required()
    assert not Model.model_fields["name"].is_required()


def test_refs_are_shared_and_recursive_schemas_end_in_a_dict() -> None:
    types = TypeBuilder(SCHEMAS.__getitem__)
    first = types.annotation({"$ref": "#/components/schemas/Node"})
    second = types.annotation({"$ref": "#/components/schemas/Node"})
    assert first is second
    assert types.models_built == 1
    inner = first.model_fields["next"].annotation
    assert inner == dict[str, Any] | None
    node = first.model_validate({"value": 1, "next": {"value": 2, "next": {"value": 3}}})
    assert node.next == {"value": 2, "next": {"value": 3}}


def test_enums_are_literals_and_refs_to_them_too() -> None:
    annotation = build({"$ref": "#/components/schemas/Tag"})
    assert typing.get_origin(annotation) is typing.Literal
    assert typing.get_args(annotation) == ("a", "b")


def test_alternatives_merge_with_the_keywords_around_them() -> None:
    Model = build(
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
        }
    )
    assert check(Model, {"b": "x"}).model_dump(exclude_unset=True) == {"b": "x"}
    with pytest.raises(ValidationError):
        check(Model, {"a": 1})


def test_unions_too_wide_and_unknown_schemas_are_left_open() -> None:
    wide = {"oneOf": [{"type": "string", "enum": [str(i)]} for i in range(MAX_UNION + 1)]}
    assert build(wide) is Any
    assert build({}) is Any
    assert build({"not": {"type": "string"}}) is Any
    assert build({"oneOf": [{"type": "integer"}, {}]}) is Any


def test_field_names_that_clash_with_pydantic_are_renamed_but_keep_their_wire_name() -> None:
    Model = build(
        {
            "type": "object",
            "properties": {"json": {"type": "string"}, "model_id": {}, "_links": {}, "2fa": {}},
        }
    )
    assert set(Model.model_fields) == {"json_", "model_id_", "f_links", "f_2fa"}
    value = Model.model_validate({"json": "x", "_links": {}, "2fa": True})
    assert value.model_dump(by_alias=True, exclude_unset=True) == {
        "json": "x",
        "_links": {},
        "2fa": True,
    }
