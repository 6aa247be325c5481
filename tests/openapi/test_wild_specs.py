"""Specs as found in the wild: regex patterns ``re`` cannot read, scheme-less servers, and
small parameter defects that cost that parameter, not the operation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import httpx
import pytest

from workbench.openapi import example_arguments, load_spec
from workbench.openapi.connector import ApiConnector, connector_class
from workbench.openapi.model import ApiSpec
from workbench.openapi.parameters import SpecWarning
from workbench.openapi.sandbox import SandboxTransport

MULTIPART = "multipart/form-data"
LETTERS = "^\\p{L}+$"


def document(parameters: list[Any], servers: list[Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Wild", "version": "1"},
        "servers": servers if servers is not None else [{"url": "https://wild.example.com"}],
        "paths": {
            "/names/{name}": {
                "get": {
                    "operationId": "getName",
                    "parameters": parameters,
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["name"],
                                        "properties": {
                                            "name": {"type": "string", "pattern": LETTERS}
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
    }


NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}


def sandboxed(spec: ApiSpec) -> ApiConnector:
    cls = connector_class(spec, "wild")
    return cls(cls.config_model(sandbox=True), connection="wild")


def test_a_unicode_property_pattern_is_read_checked_and_matched() -> None:
    name = {**NAME, "schema": {"type": "string", "pattern": LETTERS}}
    wild = sandboxed(load_spec(document([name]), name="wild"))
    answer = wild.get_name(name="Zoë").data
    assert isinstance(answer["name"], str) and answer["name"].isalpha()
    with pytest.raises(Exception, match=r"path parameter 'name': 'Zo3' does not match"):
        wild.get_name(name="Zo3")


BODY_PATTERN = """
import warnings
from workbench.openapi import example_arguments, load_spec
from workbench.openapi.connector import connector_class
doc = {"openapi": "3.0.3", "info": {"title": "Tags", "version": "1"},
       "servers": [{"url": "https://tags.example.com"}],
       "paths": {"/tags": {"post": {"operationId": "tag", "requestBody": {"required": True,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tag"}}}},
           "responses": {"204": {"description": "tagged"}}}}},
       "components": {"schemas": {"Tag": {"type": "object", "required": ["key"],
           "properties": {"key": {"type": "string", "pattern": "^[\\\\p{L}\\\\p{Z}]+$"}}}}}}
cls = connector_class(load_spec(doc, name="tags"), "tags")
tags = cls(cls.config_model(sandbox=True), connection="tags")
print(repr(tags.tag(key="Zoë Ångström")).endswith("a sandbox answer>"))
try:
    tags.tag(key="Zoë 3")
except Exception as error:
    print(type(error).__name__, "does not match" in str(error))
"""


def test_a_unicode_property_pattern_in_a_body_schema_is_checked_by_the_validator() -> None:
    # A fresh interpreter: no earlier spec has set up the validator's pattern reading.
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BODY_PATTERN)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.split() == ["True", "HttpStatusError", "True"], done.stderr


@pytest.mark.parametrize(
    ("url", "base", "expected", "warned"),
    [
        ("//api.example.com/v1", None, "https://api.example.com/v1", True),
        ("api.example.com/v1", None, "https://api.example.com/v1", True),
        ("localhost:8080/v1", None, "https://localhost:8080/v1", True),
        ("//api.example.com/v1", "http://x.example.com/s.json", "http://api.example.com/v1", False),
        ("/v1", "https://specs.example.com/docs/s.json", "https://specs.example.com/v1", False),
        ("/v1", None, "/v1", False),
    ],
)  # fmt: skip
def test_server_url_forms(url: str, base: str | None, expected: str, warned: bool) -> None:
    from workbench.openapi.servers import server_urls

    if warned:
        with pytest.warns(SpecWarning, match=r"s\.json: #/servers/0/url: .* has no scheme"):
            found = server_urls([{"url": url}], "s.json", "#/servers", base)
    else:
        found = server_urls([{"url": url}], "s.json", "#/servers", base)
    assert found == (expected,)


def test_a_scheme_less_server_in_a_spec() -> None:
    with pytest.warns(SpecWarning, match="has no scheme"):
        spec = load_spec(document([NAME], [{"url": "api.example.com/v1/"}]), name="wild")
    assert spec.servers == ("https://api.example.com/v1",)


def test_a_relative_server_is_kept_and_the_sandbox_still_answers() -> None:
    spec = load_spec(document([NAME], [{"url": "/v1"}]), name="wild")
    assert spec.servers == ("/v1",)
    assert sandboxed(spec).get_name(name="abc").data["name"]


def test_a_swagger2_host_written_as_a_url() -> None:
    doc = {
        "swagger": "2.0",
        "info": {"title": "Old", "version": "1"},
        "host": "https://old.example.com/",
        "basePath": "v2",
        "paths": {"/a": {"get": {"responses": {"200": {"description": "OK"}}}}},
    }
    with pytest.warns(SpecWarning) as caught:
        spec = load_spec(doc, name="old")
    assert spec.servers == ("https://old.example.com/v2",)
    assert ["#/host" in str(w.message) or "#/basePath" in str(w.message) for w in caught] == [
        True,
        True,
    ]


def test_a_repeated_parameter_still_calls_in_the_sandbox() -> None:
    repeat = {"name": "name", "in": "path", "schema": {"type": "integer"}}
    with pytest.warns(SpecWarning, match="repeats"):
        spec = load_spec(document([NAME, repeat]), name="wild")
    assert sandboxed(spec).get_name(name="abc").data["name"]


def test_path_variables_written_into_the_query_of_a_path_key() -> None:
    from workbench.openapi.requests import build_request

    def variant(operation_id: str, names: list[str]) -> dict[str, Any]:
        parameters = [{**NAME, "name": n, "schema": {"type": "number"}} for n in names]
        answer = {"type": "object", "properties": {"by": {"type": "string", "enum": [names[0]]}}}
        content = {"application/json": {"schema": answer}}
        responses = {"200": {"description": "OK", "content": content}}
        return {
            "get": {"operationId": operation_id, "parameters": parameters, "responses": responses}
        }

    doc = document([])
    doc["paths"] = {
        "/current?city_id={city_id}": variant("byCity", ["city_id"]),
        "/current?lat={lat}&lon={lon}": variant("byPlace", ["lat", "lon"]),
    }
    spec = load_spec(doc, name="weather")
    request = build_request(
        spec.operations["by_place"], spec, {"lat": 1.5, "lon": -2}, base_url="https://w.test"
    )
    assert str(request.url) == "https://w.test/current?lat=1.5&lon=-2"
    weather = sandboxed(spec)
    assert weather.by_city(city_id=7).data == {"by": "city_id"}
    assert weather.by_place(lat=1.5, lon=-2).data == {"by": "lat"}


def test_a_file_body_written_as_an_object_is_sent_and_checked_as_bytes() -> None:
    doc = document([])
    file = {"type": "object", "format": "file"}
    doc["paths"] = {
        "/screen": {
            "post": {
                "operationId": "screen",
                "requestBody": {"$ref": "#/components/requestBodies/Text"},
                "responses": {"204": {"description": "screened"}},
            }
        }
    }
    content = {"text/plain": {"schema": file}, "text/html": {"schema": file}}
    doc["components"] = {"requestBodies": {"Text": {"required": True, "content": content}}}
    with pytest.warns(SpecWarning, match="text/plain body is a file written as an object"):
        spec = load_spec(doc, name="moderator")
    assert spec.operations["screen"].body.schema == {"type": "string", "format": "binary"}
    assert repr(sandboxed(spec).screen(body="Is this crap email abcdef@abcd.com?")).endswith(
        "a sandbox answer>"
    )


def posting(media: str, schema: dict[str, Any]) -> dict[str, Any]:
    doc = document([])
    doc["paths"] = {
        "/pages": {
            "post": {
                "operationId": "rotate",
                "requestBody": {"required": True, "content": {media: {"schema": schema}}},
                "responses": {"204": {"description": "rotated"}},
            }
        }
    }
    return doc


def test_multipart_parts_are_checked_as_the_types_of_their_properties() -> None:
    schema = {
        "type": "object",
        "required": ["file", "angle"],
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "angle": {"type": "integer", "enum": [0, 90, 180]},
            "scale": {"type": "number"},
            "notify": {"type": "boolean"},
            "code": {"type": "string"},
        },
    }
    spec = load_spec(posting("multipart/form-data", schema), name="pages")
    pages = sandboxed(spec)
    done = pages.rotate(file=b"%PDF", angle=90, scale=1.5, notify=False, code="007")
    assert repr(done).endswith("a sandbox answer>")
    client = httpx.Client(transport=SandboxTransport(spec), base_url="https://wild.example.com")
    sent = client.post("/pages", data={"angle": "45", "notify": "yes"}, files={"file": b"%PDF"})
    assert sent.status_code == 400
    assert "angle: 45 is not one of [0, 90, 180]" in sent.text
    assert "notify: 'yes' is not of type 'boolean'" in sent.text


def test_a_pattern_no_engine_reads_checks_nothing() -> None:
    schema = {
        "type": "object",
        "required": ["secret"],
        "properties": {"secret": {"type": "string", "pattern": "^(\\p{LD}|\\p{Punct}| )+$"}},
    }
    trusts = sandboxed(load_spec(posting("application/json", schema), name="trusts"))
    assert repr(trusts.rotate(secret="pa55 word!")).endswith("a sandbox answer>")


def test_a_required_name_the_schema_does_not_describe_is_an_argument() -> None:
    schema = {
        "type": "object",
        "required": ["types", "includeThumbnail"],
        "properties": {"types": {"type": "array"}, "includeThumbenail": {"type": "boolean"}},
    }
    spec = load_spec(posting("application/json", schema), name="subs")
    assert set(example_arguments(spec.operations["rotate"], spec)) == {"types", "include_thumbnail"}
    assert repr(sandboxed(spec).rotate(types=["a"], include_thumbnail=True)).endswith(
        "a sandbox answer>"
    )


def operations(paths: dict[str, Any]) -> ApiSpec:
    doc = document([])
    doc["paths"] = paths
    return load_spec(doc, name="wild")


def op(operation_id: str, **parts: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": {"204": {"description": "done"}}, **parts}


def body(media: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema}}}


def test_a_parameter_given_as_json_content_is_sent_as_json() -> None:
    from workbench.openapi.requests import build_request

    as_json = {"content": {"application/json": {"schema": {"type": "string"}}}}
    hard = {"content": {"application/json": {"schema": {"type": "boolean"}}}}
    user = {"name": "user_id", "in": "path", "required": True, **as_json}
    parameters = [user, {"name": "hard_delete", "in": "query", **hard}]
    spec = operations({"/users/{user_id}": {"delete": op("deleteUser", parameters=parameters)}})
    values = {"user_id": "ann", "hard_delete": True}
    sent = build_request(spec.operations["delete_user"], spec, values, base_url="https://w.test")
    assert str(sent.url) == "https://w.test/users/%22ann%22?hard_delete=true"
    assert repr(sandboxed(spec).delete_user(**values)).endswith("a sandbox answer>")


def test_headers_the_client_sets_itself_are_not_held_against_the_request() -> None:
    encoding = {"name": "Accept-Encoding", "in": "header", "schema": {"enum": ["base64"]}}
    spec = operations({"/token": {"post": op("token", parameters=[encoding])}})
    assert repr(sandboxed(spec).token()).endswith("a sandbox answer>")


@pytest.mark.parametrize(
    ("media", "schema", "value"),
    [
        ("*/*", {"type": "object", "properties": {"spec": {"type": "object"}}}, {"a": 1}),
        ("application/json-patch+json", {"type": "object"}, {"op": "add"}),
        ("application/octet-stream", {"type": "string", "format": "byte"}, "ZXhhbXBsZQ=="),
    ],
)
def test_bodies_are_checked_as_they_are_sent(
    media: str, schema: dict[str, Any], value: Any
) -> None:
    spec = operations({"/things": {"patch": op("patchThing", requestBody=body(media, schema))}})
    wild = sandboxed(spec)
    if spec.operations["patch_thing"].body.fields:
        assert repr(wild.patch_thing(spec=value)).endswith("a sandbox answer>")
    else:
        assert repr(wild.patch_thing(body=value)).endswith("a sandbox answer>")


def test_multipart_object_parts_are_json_and_union_parts_take_a_branch() -> None:
    schema = {
        "type": "object",
        "required": ["chat_id", "media"],
        "properties": {
            "chat_id": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "media": {
                "oneOf": [{"type": "object", "required": ["type"], "properties": {"type": {}}}]
            },
            "caption": {"type": "object", "properties": {"text": {"type": "string"}}},
        },
    }
    spec = operations({"/edit": {"post": op("edit", requestBody=body(MULTIPART, schema))}})
    done = sandboxed(spec).edit(chat_id=1, media={"type": "photo"}, caption={"text": "hi"})
    assert repr(done).endswith("a sandbox answer>")


def test_of_two_templates_alike_the_request_goes_to_the_one_it_fits() -> None:
    by_id = {"name": "AttachmentID", "in": "path", "schema": {"type": "string", "format": "uuid"}}
    by_name = {"name": "FileName", "in": "path", "schema": {"type": "string"}}
    spec = operations(
        {
            "/files/{AttachmentID}": {"get": op("byId", parameters=[{**by_id, "required": True}])},
            "/files/{FileName}": {"get": op("byName", parameters=[{**by_name, "required": True}])},
        }
    )
    wild = sandboxed(spec)
    assert repr(wild.by_name(file_name="report.pdf")).endswith("a sandbox answer>")
    assert repr(wild.by_id(attachment_id="e3e70682-c209-4cac-a29f-6fbed82c07cd")).endswith(
        "a sandbox answer>"
    )


def test_a_body_closed_over_its_all_of_parts_is_checked_as_them_merged() -> None:
    doc = document([])
    pickup = {"properties": {"label_ids": {"type": "array", "items": {"type": "string"}}}}
    closed = {"additionalProperties": False, "required": ["label_ids"], "type": "object",
              "allOf": [{"$ref": "#/components/schemas/pickup"}]}  # fmt: skip
    doc["components"] = {"schemas": {"pickup": pickup, "closed": closed}}
    request = body("application/json", {"$ref": "#/components/schemas/closed"})
    doc["paths"] = {"/pickups": {"post": op("schedulePickup", requestBody=request)}}
    pickups = sandboxed(load_spec(doc, name="wild"))
    assert repr(pickups.schedule_pickup(label_ids=["se-1"])).endswith("a sandbox answer>")
