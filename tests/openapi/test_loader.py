"""load_spec: sources and formats, operations, parameters, bodies, responses, auth, servers."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml
from servers import serve

from workbench.errors import ConfigError, SpecError
from workbench.openapi import load_spec


def spec(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths, **extra}


def one(paths: dict[str, Any], **extra: Any) -> Any:
    (op,) = load_spec(spec(paths, **extra)).operations.values()
    return op


PETSTORE_YAML = """\
openapi: 3.0.3
info: {title: Petstore, version: 2021-01-01}
servers: [{url: "https://{env}.pets.example.com/v1/", variables: {env: {default: api}}}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        200:
          description: the pets
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
              example: [{id: 1, born: 2020-02-02}]
components:
  schemas:
    Pet: {type: object, properties: {id: {type: integer}}}
"""


@pytest.fixture
def petstore(tmp_path: Path) -> Path:
    path = tmp_path / "petstore.yaml"
    path.write_text(PETSTORE_YAML)
    return path


def test_yaml_file_reads_like_its_json_twin(petstore: Path, tmp_path: Path) -> None:
    from_yaml = load_spec(petstore)
    assert from_yaml.title == "Petstore"
    assert from_yaml.version == "2021-01-01"  # dates stay text
    assert from_yaml.name == "petstore"
    assert from_yaml.servers == ("https://api.pets.example.com/v1",)
    op = from_yaml.operations["list_pets"]
    assert op.responses[0].status == "200"  # integer keys are read as text
    assert op.responses[0].examples == ([{"id": 1, "born": "2020-02-02"}],)
    twin = tmp_path / "twin.json"
    twin.write_text(json.dumps(from_yaml.document))
    from_json = load_spec(str(twin), name="pets")
    assert from_json.name == "pets"
    assert from_json.operations == from_yaml.operations


def test_a_mapping_is_used_as_is(petstore: Path) -> None:
    document = yaml.safe_load(PETSTORE_YAML.replace("2021-01-01", "'1'").replace("200:", "'200':"))
    loaded = load_spec(document, name="pets")
    assert loaded.document is document
    assert loaded.source == "pets" and loaded.spec_version == "3.0" and loaded.origin == "openapi"


def test_a_spec_served_over_http_resolves_relative_servers(petstore: Path) -> None:
    text = PETSTORE_YAML.replace('"https://{env}.pets.example.com/v1/"', "/api/v1")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self.path.endswith("petstore.yaml"):
                self.send_error(404)
                return
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/yaml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with serve(Handler) as url:
        loaded = load_spec(f"{url}/specs/petstore.yaml")
        assert loaded.servers == (f"{url}/api/v1",)
        assert loaded.name == "petstore"
        with pytest.raises(SpecError, match=r"/missing.json: cannot fetch: HTTP 404"):
            load_spec(f"{url}/missing.json")
    assert load_spec(petstore).servers[0].startswith("https://")


def test_relative_servers_are_kept_for_files() -> None:
    loaded = load_spec(spec({}, servers=[{"url": "/v2/"}, {"url": "/v2"}]))
    assert loaded.servers == ("/v2",)


def test_version_31_and_the_dialect() -> None:
    loaded = load_spec({**spec({}), "openapi": "3.1.0"})
    assert loaded.spec_version == "3.1"
    assert loaded.operations == {}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"info": {}}, "not an OpenAPI or Swagger document"),
        ({"openapi": "2.5"}, "x.json: #/openapi: unsupported OpenAPI version '2.5'"),
        ({"swagger": "1.2"}, "x.json: #/swagger: unsupported Swagger version '1.2'"),
        (spec([]), "x.json: #/paths: expected a mapping, got list"),
        (spec({"/a": []}), "x.json: #/paths/~1a: expected a mapping, got list"),
        (spec({"/a": {"get": "x"}}), "x.json: #/paths/~1a/get: expected a mapping, got string"),
        (
            spec({"/pets": {"get": {"responses": []}}}),
            "x.json: #/paths/~1pets/get/responses: expected a mapping, got list",
        ),
        (
            spec({"/a": {"get": {"parameters": {"name": "x"}}}}),
            "x.json: #/paths/~1a/get/parameters: expected a list, got mapping",
        ),
        (
            spec({"/a": {"post": {"requestBody": {"content": []}}}}),
            "x.json: #/paths/~1a/post/requestBody/content: expected a mapping, got list",
        ),
        (
            spec({"/a": {"get": {"responses": {"200": {"content": {"application/json": 3}}}}}}),
            "x.json: #/paths/~1a/get/responses/200/content/application~1json: expected a mapping",
        ),
        (spec({}, servers={"url": "x"}), "x.json: #/servers: expected a list, got mapping"),
        (
            spec({}, components={"securitySchemes": {"k": {"type": 3}}}),
            "x.json: #/components/securitySchemes/k/type: expected a string, got number",
        ),
        (spec({"/a": {"get": {"security": {}}}}), "#/paths/~1a/get/security: expected a list"),
    ],
)
def test_malformed_specs_name_the_json_pointer(document: Any, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        load_spec(document, name="x.json")
    assert message in str(raised.value)
    assert isinstance(raised.value, ConfigError) and raised.value.exit_code == 3


def test_the_document_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    with pytest.raises(SpecError, match=r"list.json: expected a mapping at the top, got list"):
        load_spec(path)
    with pytest.raises(SpecError, match=r"nowhere.json: no such file"):
        load_spec(tmp_path / "nowhere.json")


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{\n  "openapi": "3.0.3",\n  "paths": {,}\n}\n')
    with pytest.raises(SpecError, match=r"bad.json:3: invalid JSON: .*\(column 13\)"):
        load_spec(bad_json)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("openapi: 3.0.3\npaths:\n  /a: {get: [}\n")
    with pytest.raises(SpecError, match=r"bad.yaml:3: invalid YAML: "):
        load_spec(bad_yaml)
    sniffed = tmp_path / "spec"
    sniffed.write_text("openapi: 3.0.3\ninfo: {title: Sniffed}\npaths: {}\n")
    assert load_spec(sniffed).title == "Sniffed"


def test_unsupported_operations_are_listed_with_the_reason() -> None:
    loaded = load_spec(
        spec(
            {
                "/ok": {"get": {"operationId": "fine"}},
                "/ref": {"get": {"parameters": [{"$ref": "#/components/parameters/missing"}]}},
                "/noname": {"get": {"parameters": [{"in": "query"}]}},
                "/form": {"post": {"requestBody": {"content": {"multipart/form-data": {}}}}},
                "/empty": {"post": {"requestBody": {"content": {}}}},
                "/response": {"get": {"responses": {"200": {"$ref": "#/nope"}}}},
                "/schema": {
                    "put": {
                        "requestBody": {
                            "content": {"application/json": {"schema": {"$ref": "#/gone"}}}
                        }
                    }
                },
            }
        )
    )
    reasons = {op.name: op.unsupported for op in loaded.unsupported()}
    assert [op.name for op in loaded.supported()] == ["fine"]
    assert reasons == {
        "get_ref": "#/paths/~1ref/get/parameters/0: cannot resolve $ref "
        "'#/components/parameters/missing': no 'components'",
        "get_noname": "#/paths/~1noname/get/parameters/0: a parameter has no name",
        "post_form": "#/paths/~1form/post/requestBody: the multipart/form-data body has no schema",
        "post_empty": "#/paths/~1empty/post/requestBody: the request body has no media type",
        "get_response": "#/paths/~1response/get/responses/200: cannot resolve $ref '#/nope': "
        "no 'nope'",
        "put_schema": "#/paths/~1schema/put/requestBody: cannot resolve $ref '#/gone': no 'gone'",
    }


def test_operation_fields() -> None:
    op = one(
        {
            "/v1/customers/{customer}": {
                "parameters": [
                    {"name": "customer", "in": "path", "schema": {"type": "string"}},
                    {"name": "expand", "in": "query", "description": "old"},
                ],
                "get": {
                    "summary": "Get a customer.",
                    "description": "Longer.",
                    "tags": ["customers"],
                    "deprecated": True,
                    "security": [{"key": []}, {}],
                    "servers": [{"url": "https://files.example.com/"}],
                    "x-workbench-records": "data",
                    "parameters": [
                        {"name": "expand", "in": "query", "description": "new", "style": "form"},
                        {"name": "Stripe-Account", "in": "header", "deprecated": True},
                        {"name": "page[size]", "in": "query", "explode": False},
                        {"name": "from", "in": "query", "required": True},
                        {
                            "name": "q",
                            "in": "query",
                            "content": {"application/json": {"schema": {}}},
                        },
                    ],
                },
            }
        },
        **{"x-workbench-pagination": {"type": "cursor"}},
    )
    assert op.name == "get_v1_customers_customer" and op.operation_id is None
    assert op.pointer == "#/paths/~1v1~1customers~1{customer}/get"
    assert op.doc == "Get a customer.\n\nLonger."
    assert op.tags == ("customers",) and op.deprecated
    assert op.security == (("key",), ())
    assert op.servers == ("https://files.example.com",)
    assert op.records == "data" and op.pagination == {"type": "cursor"}
    found = {p.name: p for p in op.parameters}
    assert [p.python_name for p in op.parameters] == [
        "customer", "expand", "stripe_account", "page_size", "from_", "q",
    ]  # fmt: skip
    assert found["customer"].required and found["customer"].schema == {"type": "string"}
    assert found["expand"].description == "new" and found["expand"].style == "form"
    assert found["Stripe-Account"].deprecated and found["Stripe-Account"].location == "header"
    assert found["page[size]"].explode is False
    assert found["from"].required


def test_undeclared_path_placeholders_become_string_parameters() -> None:
    op = one({"/users/{user_id}/posts": {"get": {}}})
    (param,) = op.parameters
    assert (param.name, param.location, param.required) == ("user_id", "path", True)


def test_python_names_are_unique_with_path_parameters_first() -> None:
    op = one(
        {
            "/a/{page-size}": {
                "get": {
                    "parameters": [
                        {"name": "page_size", "in": "query"},
                        {"name": "page-size", "in": "path"},
                        {"name": "Page-Size", "in": "header"},
                        {"name": "self", "in": "query"},
                    ]
                }
            }
        }
    )
    assert [(p.name, p.python_name) for p in op.parameters] == [
        ("page_size", "page_size_2"),
        ("page-size", "page_size"),
        ("Page-Size", "page_size_3"),
        ("self", "self_"),
    ]


def body_op(content: dict[str, Any], parameters: list[Any] | None = None, **components: Any) -> Any:
    operation = {"requestBody": {"content": content, "required": True}}
    if parameters:
        operation["parameters"] = parameters
    return one({"/things": {"post": operation}}, components={"schemas": components})


def test_json_is_preferred_then_form_then_multipart() -> None:
    schema = {"schema": {"type": "object"}}
    types = ["text/xml", "multipart/form-data", "application/x-www-form-urlencoded"]
    assert body_op({t: schema for t in types}).body.media_type == types[2]
    assert body_op({t: schema for t in types[:2]}).body.media_type == types[1]
    json_like = {**{t: schema for t in types}, "application/merge-patch+json": schema}
    assert body_op(json_like).body.media_type == "application/merge-patch+json"
    assert body_op({"text/plain": {}}).body.schema == {"type": "string", "format": "binary"}
    assert body_op({"application/json": {}}).body.schema == {}


def test_object_bodies_are_flattened_into_fields() -> None:
    op = body_op(
        {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}},
        [{"name": "dry_run", "in": "query"}],
        Base={"type": "object", "properties": {"id": {}, "class": {}}},
        New={
            "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"properties": {"displayName": {"type": "string"}}},
            ]
        },
    )
    assert op.body.required
    assert op.body.schema == {"$ref": "#/components/schemas/New"}  # not expanded
    assert dict(op.body.fields) == {"id": "id", "class_": "class", "display_name": "displayName"}


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"limit": {}, "name": {}}},  # collides with a parameter
        {"type": "object", "properties": {"a-b": {}, "a_b": {}}},  # collides with itself
        {"type": "array", "items": {}},
        {"oneOf": [{"type": "object", "properties": {"a": {}}}]},
        {"allOf": [{"type": "string"}]},
        {"type": "object"},
    ],
)
def test_other_bodies_are_passed_whole(schema: dict[str, Any]) -> None:
    op = body_op({"application/json": {"schema": schema}}, [{"name": "limit", "in": "query"}])
    assert op.body.fields == {}


def test_a_parameter_named_body_yields_to_a_whole_body() -> None:
    whole = body_op(
        {"application/json": {"schema": {"type": "array"}}}, [{"name": "body", "in": "query"}]
    )
    assert [p.python_name for p in whole.parameters] == ["body_"]
    flat = body_op(
        {"application/json": {"schema": {"properties": {"x": {}}}}},
        [{"name": "body", "in": "query"}],
    )
    assert [p.python_name for p in flat.parameters] == ["body"] and dict(flat.body.fields) == {
        "x": "x"
    }


def test_responses_with_media_types_schemas_and_examples() -> None:
    op = one(
        {
            "/a": {
                "get": {
                    "responses": {
                        "default": {"description": "error"},
                        "201": {"$ref": "#/components/responses/Created"},
                        "x-internal": {"description": "skipped"},
                        "200": {
                            "description": "ok",
                            "content": {
                                "text/csv": {"schema": {"type": "string"}},
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Pet"},
                                    "example": {"id": 0},
                                    "examples": {
                                        "one": {"value": {"id": 1}},
                                        "two": {"$ref": "#/components/examples/two"},
                                        "far": {"externalValue": "https://example.com/x.json"},
                                        "gone": {"$ref": "#/components/examples/gone"},
                                    },
                                },
                            },
                        },
                    }
                }
            }
        },
        components={
            "examples": {"two": {"value": {"id": 2}}},
            "responses": {"Created": {"description": "made", "content": {"application/json": {}}}},
        },
    )
    default, created, ok = op.responses
    assert (default.status, default.media_type, default.schema) == ("default", None, None)
    assert (created.status, created.description, created.schema) == ("201", "made", None)
    assert ok.media_type == "application/json"
    assert ok.schema == {"$ref": "#/components/schemas/Pet"}
    assert ok.examples == ({"id": 0}, {"id": 1}, {"id": 2})
    assert op.success() is ok


def test_security_schemes() -> None:
    schemes = {
        "key": {"type": "apiKey", "name": "api_key", "in": "query", "description": "The key."},
        "bearer": {"type": "http", "scheme": "Bearer"},
        "basic": {"type": "http", "scheme": "basic"},
        "oauth": {
            "type": "oauth2",
            "flows": {
                "implicit": {"authorizationUrl": "https://a.example.com/auth", "scopes": {"a": ""}},
                "password": {"tokenUrl": "https://a.example.com/password", "scopes": {"b": ""}},
                "authorizationCode": {
                    "authorizationUrl": "https://a.example.com/code",
                    "tokenUrl": "https://a.example.com/token",
                    "scopes": {"a": "", "c": ""},
                },
            },
        },
        "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://a.example.com/.well-known"},
        "shared": {"$ref": "#/components/securitySchemes/bearer"},
    }
    loaded = load_spec(spec({}, components={"securitySchemes": schemes}, security=[{"key": []}]))
    found = loaded.security_schemes
    assert (found["key"].kind, found["key"].name, found["key"].location) == (
        "apiKey",
        "api_key",
        "query",
    )
    assert found["key"].description == "The key."
    assert (found["bearer"].kind, found["bearer"].scheme) == ("http", "bearer")
    assert found["basic"].scheme == "basic" and found["shared"].scheme == "bearer"
    oauth = found["oauth"]
    assert oauth.token_url == "https://a.example.com/token"  # authorizationCode before password
    assert oauth.authorization_url == "https://a.example.com/code"
    assert oauth.scopes == ("a", "b", "c")
    assert oauth.flows == ("implicit", "password", "authorizationCode")
    assert found["oidc"].openid_connect_url == "https://a.example.com/.well-known"
    assert loaded.security == (("key",),)


def test_client_credentials_give_the_token_url() -> None:
    flows = {
        "password": {"tokenUrl": "https://a.example.com/password", "scopes": {}},
        "clientCredentials": {"tokenUrl": "https://a.example.com/cc", "scopes": {}},
    }
    schemes = {"oauth": {"type": "oauth2", "flows": flows}}
    loaded = load_spec(spec({}, components={"securitySchemes": schemes}))
    assert loaded.security_schemes["oauth"].token_url == "https://a.example.com/cc"


def test_colliding_action_names_are_resolved_by_path_then_method() -> None:
    paths = {
        "/b": {"get": {"operationId": "list"}},
        "/a": {"post": {"operationId": "list"}, "get": {"operationId": "list"}},
        "/c": {"get": {"operationId": "check"}, "post": {"operationId": "list_2"}},
    }
    loaded = load_spec(spec(paths))
    assert [(op.path, op.method, name) for name, op in loaded.operations.items()] == [
        ("/b", "get", "list_4"),
        ("/a", "post", "list_3"),
        ("/a", "get", "list"),
        ("/c", "get", "check_"),
        ("/c", "post", "list_2"),
    ]


def test_path_items_may_be_references(tmp_path: Path) -> None:
    (tmp_path / "items.yaml").write_text("pets:\n  get: {operationId: listPets}\n")
    document = spec({"/pets": {"$ref": "items.yaml#/pets"}})
    (tmp_path / "spec.json").write_text(json.dumps(document))
    loaded = load_spec(tmp_path / "spec.json")
    assert list(loaded.operations) == ["list_pets"]
    (tmp_path / "items.yaml").write_text("other: {}\n")
    with pytest.raises(SpecError, match=r"spec.json: #/paths/~1pets: cannot resolve"):
        load_spec(tmp_path / "spec.json")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no network in this test")

    monkeypatch.setattr(httpx.Client, "send", refuse)


def test_loading_a_file_needs_no_network(petstore: Path, no_network: None) -> None:
    assert load_spec(petstore).operations
