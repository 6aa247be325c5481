"""The sandbox: requests checked against the spec and answered from it, offline, no credentials."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from petstore import document

import workbench as wb
from workbench.errors import ActionError
from workbench.http.responses import SANDBOX_HEADER
from workbench.openapi import example_arguments, load_spec
from workbench.openapi.connector import ApiConnector, connector_class
from workbench.openapi.model import ApiSpec
from workbench.openapi.reply import to_result
from workbench.openapi.sandbox import NOTE_HEADER, SandboxTransport, echo
from workbench.openapi.schemas import inline


@pytest.fixture
def spec() -> ApiSpec:
    return load_spec(document(), name="petstore")


@pytest.fixture
def client(spec: ApiSpec) -> Iterator[httpx.Client]:
    """A plain httpx client on the sandbox: requests reach it exactly as written."""
    transport = SandboxTransport(spec)
    with httpx.Client(transport=transport, base_url="http://petstore.test/v1") as client:
        yield client


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the sandbox touched the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def pets(spec: ApiSpec, offline: None) -> ApiConnector:
    Petstore = connector_class(spec, "petstore")
    return Petstore(Petstore.config_model(sandbox=True), connection="pets")


def response_valid(spec: ApiSpec, operation: str, status: str, body: Any) -> None:
    """Raise unless ``body`` is valid for the documented response (an independent validator)."""
    response = next(r for r in spec.operations[operation].responses if r.status == status)
    assert response.schema is not None
    schema = inline(response.schema, spec.resolve, depth=20)
    OAS30ReadValidator(schema, format_checker=oas30_format_checker).validate(body)


def test_answers_use_the_spec_s_examples_first(pets: ApiConnector) -> None:
    result = pets.list_pets(limit=5)
    assert result.data == [{"id": 1, "name": "Rex", "status": "available"}]
    assert result.raw["status"] == 200
    assert result.raw["headers"][SANDBOX_HEADER.lower()] == "true"


def test_otherwise_they_are_generated_and_valid_for_the_response_schema(
    spec: ApiSpec, pets: ApiConnector
) -> None:
    pet = pets.get_pet("7").data
    response_valid(spec, "get_pet", "200", pet)
    assert pet["name"] == "Rex"  # the property's example
    assert pet["owner"]["e-mail"] == "user@example.com"
    order = pets.create_order(5, "eur").data
    response_valid(spec, "create_order", "200", order)
    inventory = pets.get_inventory(3).data
    response_valid(spec, "get_inventory", "200", inventory)
    assert pets.create_pet("Rex").raw["status"] == 201
    deleted = pets.delete_pet("7")
    assert (deleted.raw["status"], deleted.data) == (204, None)


def test_answers_are_the_same_each_time(pets: ApiConnector) -> None:
    assert pets.get_pet("1").data == pets.get_pet("2").data


def test_no_credentials_and_no_network_are_needed(pets: ApiConnector) -> None:
    assert pets.config.public_fields()["api_key"] is None
    assert pets.upload_photo(1, photo=b"PNG").raw["status"] == 200
    assert pets.delete_pet("7").raw["status"] == 204  # bearer-only operation


def test_invalid_requests_get_400_with_the_reason(client: httpx.Client) -> None:
    response = client.get("/pets", params={"limit": "many"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["operation"] == "list_pets"
    assert error["errors"] == ["query parameter 'limit': expected integer, got 'many'"]
    assert error["message"].startswith("invalid request to list_pets: query parameter 'limit'")

    response = client.get("/pets", params={"limit": 500})
    assert "500 is greater than the maximum of 100" in response.json()["error"]["message"]

    response = client.post("/pets", json={"tag": "x"})
    assert response.json()["error"]["errors"] == ["request body: 'name' is a required property"]

    response = client.post("/pets", content=b"Rex", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert "text/plain" in response.json()["error"]["message"]

    response = client.get("/pets", params={"filter[age]": "old"})
    assert response.json()["error"]["errors"] == [
        "query parameter 'filter': expected integer, got 'old'"
    ]


def test_unknown_paths_get_404_and_wrong_methods_405(client: httpx.Client) -> None:
    missing = client.get("/cats")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "GET /v1/cats: no such path in the API"
    wrong = client.put("/pets/1")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, DELETE"


def test_an_invalid_call_fails_the_way_the_api_would(pets: ApiConnector) -> None:
    with pytest.raises(ActionError) as caught:
        pets.create_order(0, "EURO")  # types are right; the spec's limits are not met
    assert caught.value.status == 400  # type: ignore[attr-defined]
    message = str(caught.value)
    assert "pets.create_order: POST http://petstore.test/v1/orders returned HTTP 400" in message
    assert "0 is less than the minimum of 1" in message


def test_stripe_style_nested_form_fields_are_read_back(client: httpx.Client) -> None:
    body = "amount=5&currency=eur&metadata[order]=42&items[0][sku]=a&items[0][qty]=2"
    response = client.post(
        "/orders", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200, response.text
    wrong = body.replace("qty]=2", "qty]=two")
    response = client.post(
        "/orders", content=wrong, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400


def test_any_base_url_works(spec: ApiSpec, offline: None) -> None:
    Petstore = connector_class(spec, "petstore")
    config = Petstore.config_model(sandbox=True, base_url="https://staging.example.com/api")
    assert Petstore(config).get_pet("1").raw["url"] == "https://staging.example.com/api/pets/1"


def test_connect_defaults_to_the_sandbox_for_a_spec_backed_connector(offline: None) -> None:
    wb.Connector.from_openapi(document(), name="petstore")
    pets = wb.connect("petstore")
    assert pets.config.mode == "sandbox"
    assert pets.list_pets(limit=5).df["name"].tolist() == ["Rex"]
    assert wb.connect("petstore", sandbox=True).check() == "sandbox of Petstore (7 actions)"


@pytest.fixture(scope="module")
def slack() -> ApiConnector:
    from specs import SPECS

    Slack = connector_class(load_spec(SPECS / "slack.com.json"), "slack")
    return Slack(Slack.config_model(sandbox=True), connection="slack")


def test_credentials_a_spec_declares_as_parameters_are_optional(slack: ApiConnector) -> None:
    signature = inspect.signature(slack.chat_post_message)
    assert next(iter(signature.parameters)) == "channel"
    token = signature.parameters["token"]
    assert (token.kind, token.default) == (inspect.Parameter.KEYWORD_ONLY, None)


def test_the_sandbox_calls_every_slack_action_without_a_credential(slack: ApiConnector) -> None:
    refused = {}
    for spec in slack.action_specs.values():
        arguments = {
            k: v
            for k, v in example_arguments(spec.operation, slack.api).items()
            if not any(a.name == k and a.credential for a in spec.arguments)
        }
        try:
            getattr(slack, spec.name)(**arguments)
        except ActionError as exc:
            refused[spec.name] = str(exc)[:200]
    assert refused == {}
    assert len(slack.action_specs) == 174


def test_a_sandbox_answer_echoes_the_request_and_says_it_is_a_sandbox(
    slack: ApiConnector,
) -> None:
    result = slack.chat_post_message(channel="C0123", text="Order 7 shipped")
    assert result.data["channel"] == "C0123"
    assert result.data["message"]["text"] == "Order 7 shipped"
    assert result.sandbox is True
    assert repr(result).endswith(", a sandbox answer>")
    assert "a sandbox answer" in result._repr_html_()


def test_a_value_that_looks_secret_is_not_echoed_into_the_answer() -> None:
    answer = {"token": "made-up", "text": "example"}
    assert echo(answer, {"token": "xoxb-real-1234567", "text": "hi"}) == {
        "token": "made-up",
        "text": "hi",
    }


def test_an_answer_from_the_service_is_not_marked_as_a_sandbox_one() -> None:
    request = httpx.Request("GET", "https://api.test/x")
    assert to_result(httpx.Response(200, json=[], request=request), None, "x.y").sandbox is False


def test_an_example_without_the_required_records_gets_them_generated(slack: ApiConnector) -> None:
    """Slack's reminders.list example is ``{"ok": true}``; its schema requires ``reminders``."""
    operation = slack.api.operations["reminders_list"]
    (response,) = [r for r in operation.responses if r.status == "200"]
    assert response.examples == ({"ok": True},)
    body = slack.reminders_list(raw=True)
    assert body.data["ok"] is True
    assert isinstance(body.data["reminders"], list) and body.data["reminders"]
    assert body.raw["headers"][NOTE_HEADER.lower()] == (
        "the spec's example lacks required reminders: generated"
    )
    response_valid(slack.api, "reminders_list", "200", body.data)
    rows = slack.reminders_list().df
    assert len(rows) == len(body.data["reminders"])
    assert rows["id"].tolist() == [r["id"] for r in body.data["reminders"]]


def test_an_example_with_what_the_schema_requires_is_answered_as_it_is(
    slack: ApiConnector,
) -> None:
    answer = slack.conversations_list(raw=True)
    assert [c["name"] for c in answer.data["channels"]] == ["general", "random"]
    assert NOTE_HEADER.lower() not in answer.raw["headers"]
