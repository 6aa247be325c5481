"""Swagger 2.0 read through its OpenAPI 3 form."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import SpecError
from workbench.openapi import load_spec
from workbench.openapi.swagger2 import convert


def swagger(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"swagger": "2.0", "info": {"title": "Pets", "version": "1"}, "paths": paths, **extra}


PETS = swagger(
    {
        "/pets/{id}": {
            "parameters": [{"$ref": "#/parameters/id"}, {"$ref": "#/parameters/pet"}],
            "put": {
                "operationId": "updatePet",
                "consumes": ["application/json", "text/xml"],
                "parameters": [
                    {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"},
                     "collectionFormat": "multi"},
                    {"name": "fields", "in": "query", "type": "array", "items": {"type": "string"}},
                    {"name": "X-Trace", "in": "header", "type": "string", "x-nullable": True},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "schema": {"$ref": "#/definitions/Pet"},
                        "examples": {"application/json": {"id": 1}},
                        "headers": {"X-Rate": {"type": "integer", "description": "left"}},
                    },
                    "404": {"$ref": "#/responses/NotFound"},
                },
            },
        },
        "/pets/{id}/photo": {
            "post": {
                "operationId": "uploadPhoto",
                "parameters": [
                    {"$ref": "#/parameters/id"},
                    {"name": "file", "in": "formData", "type": "file", "required": True},
                    {"name": "caption", "in": "formData", "type": "string"},
                ],
                "responses": {"201": {"description": "made"}},
            }
        },
        "/login": {
            "post": {
                "consumes": ["application/x-www-form-urlencoded"],
                "security": [],
                "parameters": [{"name": "user", "in": "formData", "type": "string"}],
                "responses": {"default": {"description": "?"}},
            }
        },
    },
    host="pets.example.com",
    basePath="/v1/",
    schemes=["https", "http"],
    produces=["application/json", "application/xml"],
    definitions={
        "Pet": {
            "type": "object",
            "discriminator": "kind",
            "properties": {
                "name": {"type": "string"},
                "parent": {"$ref": "#/definitions/Pet", "x-nullable": True},
            },
        }
    },
    parameters={
        "id": {"name": "id", "in": "path", "required": True, "type": "integer"},
        "pet": {"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}},
    },
    responses={"NotFound": {"description": "missing", "schema": {"type": "object"}}},
    securityDefinitions={
        "key": {"type": "apiKey", "name": "api_key", "in": "header"},
        "basic": {"type": "basic"},
        "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://a.example.com/t",
                "scopes": {"read": "read it"}},
        "code": {"type": "oauth2", "flow": "accessCode", "tokenUrl": "https://a.example.com/t2",
                 "authorizationUrl": "https://a.example.com/a", "scopes": {}},
    },
    security=[{"key": []}],
)  # fmt: skip


def test_the_converted_document_is_openapi_3() -> None:
    doc = convert(PETS, source="pets.json", uri="file:///pets.json")
    assert doc["openapi"] == "3.0.3"
    assert doc["servers"] == [
        {"url": "https://pets.example.com/v1/"},
        {"url": "http://pets.example.com/v1/"},
    ]
    components = doc["components"]
    pet = components["schemas"]["Pet"]
    assert pet["discriminator"] == {"propertyName": "kind"}
    assert pet["properties"]["parent"] == {"$ref": "#/components/schemas/Pet", "nullable": True}
    assert components["parameters"] == {
        "id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    }
    assert components["responses"]["NotFound"]["content"]["application/xml"] == {
        "schema": {"type": "object"}
    }
    item = doc["paths"]["/pets/{id}"]
    assert item["parameters"] == [{"$ref": "#/components/parameters/id"}]
    put = item["put"]
    assert put["requestBody"]["content"] == {
        media: {"schema": {"$ref": "#/components/schemas/Pet"}}
        for media in ("application/json", "text/xml")
    }
    tags, fields, trace = put["parameters"]
    assert (tags["style"], tags["explode"]) == ("form", True)
    assert (fields["style"], fields["explode"]) == ("form", False)
    assert trace["schema"] == {"type": "string", "nullable": True}
    ok = put["responses"]["200"]
    assert ok["content"]["application/json"]["example"] == {"id": 1}
    assert ok["headers"] == {"X-Rate": {"description": "left", "schema": {"type": "integer"}}}
    assert put["responses"]["404"] == {"$ref": "#/components/responses/NotFound"}
    assert PETS["paths"]["/pets/{id}"]["put"]["responses"]["404"] == {
        "$ref": "#/responses/NotFound"
    }


def test_swagger_operations() -> None:
    spec = load_spec(PETS, name="pets")
    assert spec.origin == "swagger" and spec.spec_version == "3.0"
    assert spec.servers == ("https://pets.example.com/v1", "http://pets.example.com/v1")
    update = spec.operations["update_pet"]
    assert [(p.name, p.location, p.python_name) for p in update.parameters] == [
        ("id", "path", "id"), ("tags", "query", "tags"), ("fields", "query", "fields"),
        ("X-Trace", "header", "x_trace"),
    ]  # fmt: skip
    assert update.body is not None and update.body.media_type == "application/json"
    assert dict(update.body.fields) == {"name": "name", "parent": "parent"}
    ok, missing = update.responses
    assert ok.examples == ({"id": 1},) and ok.schema == {"$ref": "#/components/schemas/Pet"}
    assert (missing.status, missing.description, missing.media_type) == (
        "404",
        "missing",
        "application/json",
    )
    upload = spec.operations["upload_photo"]
    assert upload.body is not None and upload.body.media_type == "multipart/form-data"
    assert upload.body.required and dict(upload.body.fields) == {
        "file": "file",
        "caption": "caption",
    }
    assert upload.body.schema["properties"]["file"] == {"type": "string", "format": "binary"}
    login = spec.operations["post_login"]
    assert login.body is not None and login.body.media_type == "application/x-www-form-urlencoded"
    assert login.security == () and spec.security == (("key",),)


def test_swagger_security_definitions() -> None:
    schemes = load_spec(PETS, name="pets").security_schemes
    assert (schemes["key"].kind, schemes["key"].name, schemes["key"].location) == (
        "apiKey",
        "api_key",
        "header",
    )
    assert (schemes["basic"].kind, schemes["basic"].scheme) == ("http", "basic")
    assert schemes["app"].flows == ("clientCredentials",) and schemes["app"].scopes == ("read",)
    assert schemes["app"].token_url == "https://a.example.com/t"
    assert schemes["code"].flows == ("authorizationCode",)
    assert schemes["code"].authorization_url == "https://a.example.com/a"


def test_without_host_the_servers_come_from_the_spec_location() -> None:
    doc = swagger({}, basePath="/api")
    assert convert(doc, source="s", uri="http://h.example.com:8080/specs/s.json")["servers"] == [
        {"url": "http://h.example.com:8080/api"}
    ]
    assert load_spec(doc, name="s").servers == ("/api",)
    assert load_spec(swagger({}), name="s").servers == ()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            swagger({"/a": {"get": {"responses": []}}}),
            "s.json: #/paths/~1a/get/responses: expected a mapping, got list",
        ),
        (
            swagger({"/a": {"get": {"parameters": [3]}}}),
            "s.json: #/paths/~1a/get/parameters/0: expected a mapping, got number",
        ),
        (swagger({}, definitions=[]), "s.json: #/definitions: expected a mapping, got list"),
        (swagger({}, consumes="text/csv"), "s.json: #/consumes: expected a list, got string"),
    ],
)
def test_malformed_swagger_names_the_pointer(document: Any, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        load_spec(document, name="s.json")
    assert str(raised.value) == message


def test_an_unresolvable_parameter_makes_the_operation_unsupported() -> None:
    spec = load_spec(
        swagger({"/a": {"get": {"parameters": [{"$ref": "#/parameters/nope"}]}}}), name="s"
    )
    (op,) = spec.operations.values()
    assert op.unsupported == (
        "#/paths/~1a/get/parameters/0: cannot resolve $ref '#/components/parameters/nope': "
        "no 'components'"
    )
