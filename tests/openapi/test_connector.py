"""Connectors generated from a spec: metadata, settings, typed lazy actions, auth, results."""

from __future__ import annotations

import base64
import inspect
import json
import pydoc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import pytest
from petstore import document
from servers import serve

import workbench as wb
from workbench.errors import ActionArgumentError, ActionError, ConnectionFailedError
from workbench.openapi import load_spec
from workbench.openapi.actions import OperationSpec
from workbench.openapi.connector import ApiConnector, connector_class
from workbench.results import Result

TOKEN = "tok-oauth-7f3e91-secret"
SECRET = "cs-2b9d41-secret"


def petstore() -> type[ApiConnector]:
    return connector_class(load_spec(document(), name="petstore"), "petstore")


class Api(BaseHTTPRequestHandler):
    """Records each request; /token is an OAuth2 token endpoint; /v1/pets/missing is a 404."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle_one(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        url = urlsplit(self.path)
        self.seen.append(
            {
                "path": url.path,
                "query": dict(parse_qsl(url.query)),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        if url.path == "/token":
            self.reply(200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600})
        elif url.path.endswith("/missing"):
            self.reply(
                404, {"message": f"no pet here; you sent key {self.headers.get('X-API-Key')}"}
            )
        elif url.path == "/v1/pets":
            self.reply(200, [{"id": 1, "name": "Rex"}], Set_Cookie="session=abc123xyz")
        else:
            self.reply(200, {"ok": True})

    def reply(self, status: int, payload: Any, **headers: str) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = handle_one


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Api) as url:
        yield url


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    Api.seen.clear()
    return Api.seen


def test_the_class_describes_the_api() -> None:
    Petstore = petstore()
    assert Petstore.name == "petstore"
    assert Petstore.title == "Petstore"
    assert Petstore.description == "A small pet store API."
    assert Petstore.category == "api"
    assert Petstore.auth_kinds == ("api_key", "bearer", "basic", "oauth2")
    assert sorted(Petstore.action_specs) == [
        "create_order",
        "create_pet",
        "delete_pet",
        "get_inventory",
        "get_pet",
        "list_pets",
        "upload_photo",
    ]


def test_settings_come_from_servers_and_security_schemes_and_are_all_optional() -> None:
    Config = petstore().config_model
    config = Config()
    assert config.base_url == "http://petstore.test/v1"
    assert (config.mode, config.sandbox, config.timeout, config.rate_limit) == (
        "live",
        False,
        30.0,
        None,
    )
    assert config.token_url == "http://auth.test/token"  # type: ignore[attr-defined]
    assert Config.secret_field_names() == [
        "api_key",
        "token",
        "password",
        "client_secret",
        "refresh_token",
        "service_account",
    ]
    assert {"username", "client_id", "scopes", "subject", "headers"} <= set(Config.model_fields)
    assert Config(sandbox=True).mode == "sandbox"
    assert Config(mode="sandbox").sandbox is True
    assert Config(mode="sandbox", sandbox=False).mode == "live"


def test_actions_are_methods_with_real_signatures_and_docs() -> None:
    pets = petstore()()
    assert "list_pets" in dir(pets)
    signature = inspect.signature(pets.create_pet)
    assert [(p.name, p.kind.name, p.default) for p in signature.parameters.values()] == [
        ("name", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty),
        ("tag", "KEYWORD_ONLY", None),
        ("born", "KEYWORD_ONLY", None),
        ("owner", "KEYWORD_ONLY", None),
        ("records", "KEYWORD_ONLY", None),
        ("raw", "KEYWORD_ONLY", False),
    ]
    assert signature.parameters["name"].annotation is str
    assert signature.return_annotation is Result
    assert (
        str(inspect.signature(pets.get_inventory))
        == "(store_id: int, *, records: str | None = None, raw: bool = False)"
        " -> workbench.results.result.Result"
    )
    assert pets.list_pets.__doc__ == "List pets\n\nReturns the pets, newest first.\n\nGET /pets"
    text = pydoc.render_doc(pets.list_pets, renderer=pydoc.plaintext)
    assert "list_pets(*, limit: int | None = 20" in text  # the spec's default, shown
    assert "Returns the pets, newest first." in text
    assert "List pets" in pets.actions.set_index("action").loc["list_pets", "summary"]


def test_wrong_arguments_name_the_field_the_expectation_and_the_value() -> None:
    pets = petstore()(petstore().config_model(sandbox=True))
    with pytest.raises(ActionArgumentError) as caught:
        pets.list_pets(limit="many")
    message = str(caught.value)
    assert "'limit'" in message and "valid integer" in message and "'many'" in message
    with pytest.raises(ActionArgumentError, match="'status': expected 'available', 'pending'"):
        pets.list_pets(status="lost")
    with pytest.raises(ActionArgumentError, match=r"owner\.name.*valid string.*got 5"):
        pets.create_pet("Rex", owner={"name": 5})
    with pytest.raises(ActionArgumentError, match="missing a required argument: 'name'"):
        pets.create_pet()
    with pytest.raises(ActionArgumentError, match="unexpected keyword argument 'colour'"):
        pets.create_pet("Rex", colour="red")


def test_models_are_built_on_first_use_only() -> None:
    Petstore = petstore()
    specs = list(Petstore.action_specs.values())
    assert all(isinstance(s, OperationSpec) for s in specs)
    assert all("signature" not in vars(s) and "input_model" not in vars(s) for s in specs)
    assert Petstore.types.models_built == 0
    Petstore(Petstore.config_model(sandbox=True)).create_pet("Rex", owner={"name": "Ada"})
    built = [s.name for s in specs if "input_model" in vars(s)]
    assert built == ["create_pet"]
    assert Petstore.types.models_built == 1  # Owner


def test_input_schemas_are_forms_with_descriptions_enums_defaults_and_required() -> None:
    specs = petstore().action_specs
    schema = specs["list_pets"].input_schema()
    limit = schema["properties"]["limit"]
    assert limit["description"] == "How many pets to return"
    assert limit["default"] == 20
    status = schema["properties"]["status"]["anyOf"][0]
    assert status == {"enum": ["available", "pending", "sold"], "type": "string"}
    assert "required" not in schema
    create = specs["create_pet"].input_schema()
    assert create["required"] == ["name"]
    assert create["properties"]["name"]["description"] == "The pet's name"
    output = specs["get_pet"].output_schema()
    assert output is not None and output["properties"]["owner"]["required"] == ["name"]


def test_unsupported_operations_are_listed_with_the_reason_and_not_callable() -> None:
    pets = petstore()()
    table = pets.unsupported
    assert table.to_dict("records") == [
        {
            "action": "send_report",
            "method": "POST",
            "path": "/reports",
            "reason": "#/paths/~1reports/post/requestBody: "
            "the application/x-www-form-urlencoded body has no schema",
        }
    ]
    assert not hasattr(pets, "send_report")


def test_operations_named_like_connector_members_get_an_underscore() -> None:
    doc = document(paths={"/health": {"get": {"operationId": "check", "responses": {"200": {}}}}})
    Health = connector_class(load_spec(doc, name="health"), "health")
    assert list(Health.action_specs) == ["check_"]
    assert Health(Health.config_model(sandbox=True)).check().startswith("sandbox of Petstore")


def test_calls_return_results_with_the_raw_response_masked(server: str, seen: Any) -> None:
    Petstore = petstore()
    config = Petstore.config_model(base_url=server + "/v1", api_key="key-91c2e4-secret")
    with Petstore(config, connection="shop_api") as pets:
        result = pets.list_pets(limit=2)
    assert result.data == [{"id": 1, "name": "Rex"}]
    assert result.df.shape == (1, 2)
    assert (result.connection, result.action) == ("shop_api", "list_pets")
    assert result.raw["status"] == 200
    assert result.raw["url"] == f"{server}/v1/pets?limit=2"
    assert result.raw["headers"]["set-cookie"] == "***"
    assert "key-91c2e4-secret" not in repr(result.raw)


def test_error_statuses_raise_action_errors_with_status_and_a_redacted_body(
    server: str, seen: Any
) -> None:
    Petstore = petstore()
    config = Petstore.config_model(base_url=server + "/v1", api_key="key-5d7a13-secret")
    with pytest.raises(ActionError) as caught:
        Petstore(config, connection="shop_api").get_pet("missing")
    assert caught.value.status == 404  # type: ignore[attr-defined]
    message = str(caught.value)
    assert "shop_api.get_pet: GET" in message and "HTTP 404 Not Found" in message
    assert "no pet here" in message and "key-5d7a13-secret" not in message


def test_an_unreachable_server_is_a_connection_error() -> None:
    Petstore = petstore()
    config = Petstore.config_model(base_url="http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(ConnectionFailedError, match=r"cannot reach http://127\.0\.0\.1:9/v1/pets"):
        Petstore(config).list_pets()


@pytest.mark.parametrize(
    ("action", "args", "fields", "header", "expected"),
    [
        ("list_pets", (), {"api_key": "k-4e1f"}, "x-api-key", "k-4e1f"),
        ("delete_pet", ("7",), {"token": "t-9a8b"}, "authorization", "Bearer t-9a8b"),
        (
            "create_order",
            (5, "eur"),
            {"username": "ada", "password": "pw-3c2d"},
            "authorization",
            "Basic " + base64.b64encode(b"ada:pw-3c2d").decode(),
        ),
        ("get_inventory", (3,), {"token": "t-ready"}, "authorization", "Bearer t-ready"),
    ],
)
def test_auth_follows_the_operation_s_security_scheme(
    server: str,
    seen: list[dict[str, Any]],
    action: str,
    args: tuple[Any, ...],
    fields: dict[str, Any],
    header: str,
    expected: str,
) -> None:
    Petstore = petstore()
    with Petstore(Petstore.config_model(base_url=server + "/v1", **fields)) as pets:
        getattr(pets, action)(*args)
    assert seen[-1]["headers"][header] == expected


def test_oauth2_client_credentials_fetch_a_token_once(
    server: str, seen: list[dict[str, Any]]
) -> None:
    Petstore = petstore()
    config = Petstore.config_model(
        base_url=server + "/v1",
        client_id="app",
        client_secret=SECRET,
        token_url=server + "/token",
        scopes=["read"],
    )
    with Petstore(config) as pets:
        pets.get_inventory(1)
        pets.get_inventory(2)
    token_calls = [r for r in seen if r["path"] == "/token"]
    assert len(token_calls) == 1
    assert dict(parse_qsl(token_calls[0]["body"]))["grant_type"] == "client_credentials"
    assert dict(parse_qsl(token_calls[0]["body"]))["scope"] == "read"
    calls = [r for r in seen if r["path"].startswith("/v1/stores")]
    assert [r["headers"]["authorization"] for r in calls] == [f"Bearer {TOKEN}"] * 2


def test_without_credentials_requests_go_unauthenticated(
    server: str, seen: list[dict[str, Any]]
) -> None:
    Petstore = petstore()
    with Petstore(Petstore.config_model(base_url=server + "/v1")) as pets:
        pets.get_pet("1")
    assert "authorization" not in seen[-1]["headers"]
    assert "x-api-key" not in seen[-1]["headers"]


def test_from_openapi_registers_a_connector_that_connect_finds(tmp_path: Path) -> None:
    spec_file = tmp_path / "petstore.json"
    spec_file.write_text(json.dumps(document()))
    Petstore = wb.Connector.from_openapi(spec_file, name="petstore")
    assert "petstore" in set(wb.catalog()["name"])
    pets = wb.connect("petstore")
    assert isinstance(pets, Petstore)
    assert pets.config.mode == "sandbox"  # no connection of that name: try it in the sandbox
    assert pets.list_pets(limit=5).data == [{"id": 1, "name": "Rex", "status": "available"}]
    assert wb.connect("petstore", sandbox=True).config.mode == "sandbox"
    assert wb.connect("petstore", sandbox=False).config.mode == "live"
    assert wb.connect("petstore", mode="live").config.mode == "live"


def test_a_named_connection_is_live_by_default(project: Path) -> None:
    wb.Connector.from_openapi(document(), name="petstore")
    (project / "workbench.toml").write_text(
        '[connections.pets]\nconnector = "petstore"\nbase_url = "http://127.0.0.1:9/v1"\n'
    )
    pets = wb.connect("pets")
    assert pets.config.mode == "live"
    assert pets.config.base_url == "http://127.0.0.1:9/v1"
    assert wb.connect("pets", sandbox=True).list_pets().data[0]["name"] == "Rex"
