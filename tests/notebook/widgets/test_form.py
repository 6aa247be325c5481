"""Forms generated from JSON Schemas: one widget kind per schema kind, values read back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ipywidgets as widgets
import pytest
from petstore import DOCUMENT
from specs import SPECS

import workbench as wb
from workbench.errors import ActionArgumentError
from workbench.notebook.widgets.form import EXTRA, ActionForm, FormError, resolve
from workbench.redaction import redact


def form_of(prop: dict[str, Any], required: bool = False, **schema: Any) -> ActionForm:
    return ActionForm({"properties": {"x": prop}, "required": ["x"] if required else [], **schema})


def widget_of(prop: dict[str, Any], required: bool = False) -> Any:
    return form_of(prop, required).fields["x"]


@pytest.mark.parametrize(
    ("prop", "kind"),
    [
        ({"type": "string"}, widgets.Text),
        ({"type": "string", "maxLength": 5000}, widgets.Textarea),
        ({"type": "string", "format": "date"}, widgets.DatePicker),
        ({"type": "string", "format": "date-time"}, widgets.Text),
        ({"type": "integer", "default": 3}, widgets.IntText),
        ({"type": "integer", "default": 3, "minimum": 1, "maximum": 9}, widgets.BoundedIntText),
        ({"type": "number", "default": 0.5}, widgets.FloatText),
        ({"type": "number", "default": 1, "exclusiveMinimum": 0}, widgets.BoundedFloatText),
        ({"type": "integer"}, widgets.Text),
        ({"type": "boolean", "default": False}, widgets.Checkbox),
        ({"type": "boolean"}, widgets.Dropdown),
        ({"enum": ["a", "b"]}, widgets.Dropdown),
        ({"type": "object"}, widgets.Textarea),
        ({"type": "array", "items": {"type": "string"}}, widgets.Textarea),
        ({}, widgets.Textarea),
        ({"type": "string", "format": "binary"}, widgets.FileUpload),
        ({"type": "string", "contentEncoding": "base64"}, widgets.FileUpload),
        ({"type": "string", "writeOnly": True}, widgets.Password),
        ({"type": "string", "format": "password"}, widgets.Password),
    ],
)
def test_each_schema_kind_gets_its_widget(prop: dict[str, Any], kind: type) -> None:
    assert type(widget_of(prop)) is kind


@pytest.mark.parametrize("name", ["password", "api_token", "client_secret", "X-API-Key"])
def test_names_that_hold_secrets_get_a_password_box(name: str) -> None:
    form = ActionForm({"properties": {name: {"type": "string"}, "page": {"type": "string"}}})
    assert type(form.fields[name]) is widgets.Password
    assert type(form.fields["page"]) is widgets.Text


def test_long_text_arguments_are_text_areas() -> None:
    form = ActionForm({"properties": {"sql": {"type": "string"}, "body": {"type": "string"}}})
    assert {type(w) for w in form.fields.values()} == {widgets.Textarea}


def test_required_fields_are_marked_defaults_filled_descriptions_are_tooltips() -> None:
    form = ActionForm(
        {
            "properties": {
                "sql": {"type": "string", "description": "the query"},
                "limit": {"type": "integer", "default": 20},
                "status": {"enum": ["open", "done"], "default": "done"},
            },
            "required": ["sql"],
        }
    )
    assert form.fields["sql"].description == "sql *"
    assert form.fields["sql"].tooltip == "the query"
    assert form.fields["limit"].description == "limit"
    assert (form.fields["limit"].value, form.fields["status"].value) == (20, "done")
    assert form.required == ["sql"]
    assert [o for o in form.fields["status"].options] == [("open", "open"), ("done", "done")]


def test_values_leave_out_empty_and_default_optional_fields() -> None:
    form = ActionForm(
        {
            "properties": {
                "sql": {"type": "string"},
                "limit": {"type": "integer", "default": 20},
                "tag": {"type": "string"},
                "vip": {"type": "boolean"},
                "size": {"enum": ["S", "M"]},
            },
            "required": ["sql"],
        }
    )
    form.set_values(sql="select 1")
    assert form.values() == {"sql": "select 1"}
    form.set_values(limit=5, tag="new", vip=False, size="M")
    assert form.values() == {"sql": "select 1", "limit": 5, "tag": "new", "vip": False, "size": "M"}
    form.set_values(tag=None, size=None)
    assert form.values() == {"sql": "select 1", "limit": 5, "vip": False}


def test_a_missing_required_field_is_named() -> None:
    form = form_of({"type": "string"}, required=True)
    with pytest.raises(FormError) as caught:
        form.values()
    assert caught.value.errors == {"x": "is required"}
    assert str(caught.value) == "field 'x' is required"
    assert isinstance(caught.value, ActionArgumentError)


@pytest.mark.parametrize(
    ("prop", "typed", "message"),
    [
        ({"type": "integer"}, "ten", "expected an integer, got 'ten'"),
        ({"type": "integer"}, "2.5", "expected an integer, got '2.5'"),
        ({"type": "number", "minimum": 0}, "-1", "expected a number of at least 0, got -1.0"),
        ({"type": "object"}, "{oops", "not valid JSON (Expecting property name"),
        ({"type": "object"}, "[1]", "expected a JSON object, got list"),
        ({"type": "array"}, '{"a": 1}', "expected a JSON array, got dict"),
        ({"type": "string", "format": "date-time"}, "tomorrow", "expected a date and time"),
    ],
)
def test_input_that_cannot_be_read_names_the_field(
    prop: dict[str, Any], typed: str, message: str
) -> None:
    form = form_of(prop)
    form.fields["x"].value = typed
    with pytest.raises(FormError) as caught:
        form.values()
    assert caught.value.errors["x"].startswith(message)
    assert str(caught.value).startswith(f"field 'x': {message}")


def test_numbers_typed_as_text_are_read_as_numbers() -> None:
    form = ActionForm({"properties": {"n": {"type": "integer"}, "f": {"type": "number"}}})
    form.fields["n"].value, form.fields["f"].value = " 42 ", "2.5"
    assert form.values() == {"n": 42, "f": 2.5}


def test_set_values_checks_types_and_limits() -> None:
    form = ActionForm(
        {
            "properties": {
                "n": {"type": "integer", "default": 5, "minimum": 1, "maximum": 10},
                "flag": {"type": "boolean", "default": True},
                "size": {"enum": ["S", "M"]},
            }
        }
    )
    with pytest.raises(FormError) as caught:
        form.set_values(n=50, flag="yes", size="XL", nope=1)
    assert caught.value.errors == {
        "n": "expected an integer from 1 to 10, got 50",
        "flag": "expected True or False, got 'yes'",
        "size": "expected one of ['S', 'M'], got 'XL'",
        "nope": "no such field (fields: 'n', 'flag', 'size')",
    }
    assert form.fields["n"].value == 5  # unchanged, never clipped quietly


def test_dates_are_read_as_iso_text() -> None:
    form = ActionForm(
        {
            "properties": {
                "day": {"type": "string", "format": "date"},
                "at": {"type": "string", "format": "date-time"},
            }
        }
    )
    form.set_values(day="2024-05-01", at=dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC))
    assert form.fields["day"].value == dt.date(2024, 5, 1)
    assert form.values() == {"day": "2024-05-01", "at": "2024-05-01T12:30:00+00:00"}
    form.fields["at"].value = "2024-05-01T12:00:00Z"
    assert form.values()["at"] == "2024-05-01T12:00:00Z"


def test_json_fields_round_trip() -> None:
    form = ActionForm({"properties": {"filter": {"type": "object"}, "ids": {"type": "array"}}})
    form.set_values(filter={"color": "red", "age": 3}, ids=[1, 2])
    assert form.fields["filter"].value == '{"color": "red", "age": 3}'
    assert form.values() == {"filter": {"color": "red", "age": 3}, "ids": [1, 2]}


def test_files_come_from_the_upload_or_from_python() -> None:
    form = ActionForm(
        {"properties": {"photo": {"type": "string", "format": "binary"}}, "required": ["photo"]}
    )
    form.set_values(photo=b"\x89PNG")
    assert form.values() == {"photo": b"\x89PNG"}
    assert form.fields["photo"].value == ()  # the bytes stay in the kernel
    uploaded = {
        "name": "rex.png",
        "type": "image/png",
        "size": 3,
        "content": memoryview(b"abc"),
        "last_modified": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    }
    form.fields["photo"].value = (uploaded,)
    assert form.values() == {"photo": b"abc"}


def test_secret_values_leave_the_widget_and_are_redacted() -> None:
    form = ActionForm({"properties": {"token": {"type": "string"}}, "required": ["token"]})
    form.fields["token"].value = "tok-91c2-form-secret"  # as typed in the browser
    assert form.values() == {"token": "tok-91c2-form-secret"}
    assert form.fields["token"].value == ""
    assert "entered" in form.fields["token"].placeholder
    assert redact("sent tok-91c2-form-secret") == "sent ***"
    assert form.values() == {"token": "tok-91c2-form-secret"}  # kept for the next run
    form.set_values(token="tok-77aa-from-python")
    assert form.fields["token"].value == "" and form.values()["token"] == "tok-77aa-from-python"


def test_refs_defs_nullable_any_of_and_all_of_are_followed() -> None:
    schema = {
        "$defs": {"Size": {"enum": ["S", "M"]}, "Owner": {"type": "object"}},
        "properties": {
            "size": {"anyOf": [{"$ref": "#/$defs/Size"}, {"type": "null"}]},
            "owner": {"allOf": [{"$ref": "#/$defs/Owner"}], "description": "who"},
            "n": {"type": ["integer", "null"], "default": 1},
            "born": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
            "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "required": ["size"],
    }
    form = ActionForm(schema)
    kinds = {name: type(w) for name, w in form.fields.items()}
    assert kinds == {
        "size": widgets.Dropdown,
        "owner": widgets.Textarea,
        "n": widgets.IntText,
        "born": widgets.DatePicker,
        "either": widgets.Textarea,
    }
    assert form.fields["size"].description == "size *"  # may be null, yet must be given
    assert form.fields["owner"].tooltip == "who"
    assert resolve({"$ref": "#/$defs/Missing"}, schema) == ({}, False)
    assert resolve({"$ref": "#/$defs/Loop"}, {"$defs": {"Loop": {"$ref": "#/$defs/Loop"}}})


def test_more_keyword_arguments_go_in_a_json_object() -> None:
    shop = wb.connect("shop")
    form = ActionForm(shop.action_specs["query"].input_schema())
    assert list(form.fields) == ["sql", EXTRA]
    form.set_values(sql="select * from orders where status = :status", status="shipped")
    assert form.values() == {
        "sql": "select * from orders where status = :status",
        "status": "shipped",
    }
    form.fields[EXTRA].value = "[1]"
    with pytest.raises(FormError, match=r"field '\*\*': expected a JSON object"):
        form.values()


def test_show_errors_marks_fields_and_clears_them() -> None:
    form = ActionForm({"properties": {"a": {"type": "string"}, "b": {"type": "string"}}})
    form.show_errors({"a": "is required", "zzz": "unexpected"})
    boxes = {c: box for box in form.children[1:] for c in box._dom_classes}
    error_a = boxes["wb-field-a"].children[1]
    assert "is required" in error_a.value and error_a.layout.display is None
    assert boxes["wb-field-b"].children[1].layout.display == "none"
    assert "field &#x27;zzz&#x27;: unexpected" in form.message.value
    form.clear_errors()
    assert error_a.value == "" and error_a.layout.display == "none"
    assert form.message.layout.display == "none"


def test_a_form_of_a_generated_openapi_action() -> None:
    pets = wb.Connector.from_openapi(DOCUMENT, name="form_pets")
    form = ActionForm(pets.action_specs["create_pet"].input_schema())
    assert form._dom_classes == ("wb-form",)
    assert {n: type(w).__name__ for n, w in form.fields.items()} == {
        "name": "Text",
        "tag": "Text",
        "born": "Text",
        "owner": "Textarea",
        "records": "Text",  # the call-time options of every spec-backed action
        "raw": "Checkbox",
    }
    form.set_values(name="Rex", owner={"name": "Ada", "e-mail": "ada@example.com"})
    assert form.values() == {"name": "Rex", "owner": {"name": "Ada", "e-mail": "ada@example.com"}}
    empty = ActionForm(pets.action_specs["create_pet"].input_schema() | {"properties": {}})
    assert empty.values() == {} and "no input" in empty.children[1].value


def test_a_default_outside_the_schema_leaves_the_field_empty() -> None:
    form = ActionForm({"properties": {"draft": {"enum": ["true", "false"], "default": True}}})
    assert form.fields["draft"].value is None
    assert form.fields["draft"].options[0] == ("", None)
    assert form.values() == {}


def test_extra_arguments_given_one_by_one_add_up() -> None:
    form = ActionForm({"properties": {}, "additionalProperties": True})
    form.set_values(a=1)
    form.set_values(b=[2])
    assert form.values() == {"a": 1, "b": [2]}


def test_each_description_is_shown_under_its_field_as_help() -> None:
    slack = wb.Connector.from_openapi(SPECS / "slack.com.json", name="slack")
    schema = slack.action_specs["chat_post_message"].input_schema()
    described = {n for n, p in schema["properties"].items() if p.get("description")}
    form = ActionForm(schema)
    assert len(described) >= 16 and described <= set(form.help)
    assert form.help["token"] == "Authentication token. Requires scope: <code>chat:write</code>"
    box = next(b for b in form.children if "wb-field-channel" in getattr(b, "_dom_classes", ()))
    shown = [c for c in box.children if "wb-field-help" in c._dom_classes]
    assert len(shown) == 1 and shown[0].layout.display is None
    assert "Channel, private group, or IM channel" in shown[0].value
    assert "[below]" not in shown[0].value and "below" in shown[0].value  # link as its text
    assert "var(--jp-ui-font-color2" in shown[0].value  # the theme's secondary text colour


def test_a_field_without_a_description_shows_no_help_line() -> None:
    form = ActionForm({"properties": {"n": {"type": "integer", "default": 1}}})
    assert form.help == {}
    box = form.children[1]
    assert [c.layout.display for c in box.children[1:]] == ["none", "none"]
