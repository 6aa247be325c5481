"""Header values a user gives must be ASCII without line breaks: an argument error, never a
traceback, never a request sent, never the value echoed.

A real server on 127.0.0.1 counts the requests that reach it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from servers import JsonHandler, serve

from workbench.connectors.http import Http, HttpConfig
from workbench.errors import ActionArgumentError
from workbench.http.auth import ApiKeyAuth, BearerAuth
from workbench.openapi import load_spec
from workbench.openapi.connector import connector_class

RECEIVED: list[str] = []
SECRET = "sécret-key-7c41d9"


class Count(JsonHandler):
    def do_GET(self) -> None:
        RECEIVED.append(self.path)
        self.send_json(200, {"ok": True})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Count) as url:
        yield url


@pytest.fixture(autouse=True)
def _nothing_received() -> Iterator[None]:
    RECEIVED.clear()
    yield
    assert RECEIVED == [], "a request with a bad header value reached the server"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("X-Note", "café", "not ASCII"),
        ("X-Note", "a\r\nX-Injected: yes", "line break"),
        ("X-Note", "a\nb", "line break"),
        ("X-Note", "a\x00b", "control character"),
        ("X Note", "plain", "not a valid header name"),
        ("X-Nöte", "plain", "not a valid header name"),
    ],
)
def test_a_bad_header_argument_is_an_argument_error(
    server: str, name: str, value: str, problem: str
) -> None:
    with Http(HttpConfig(base_url=server), connection="api") as api:
        with pytest.raises(ActionArgumentError) as failure:
            api.get("items", headers={name: value})
        message = str(failure.value)
    assert message.startswith(f"api.get: header {name!r}")
    assert problem in message
    assert value not in message or value == "plain"


def test_a_secret_header_value_is_never_echoed(server: str) -> None:
    with (
        Http(HttpConfig(base_url=server), connection="api") as api,
        pytest.raises(ActionArgumentError) as failure,
    ):
        api.post("items", headers={"X-API-Key": SECRET})
    assert "'X-API-Key'" in str(failure.value)
    assert SECRET not in str(failure.value)
    assert "sécret" not in repr(failure.value)


def test_connection_headers_are_checked_before_the_first_request(server: str) -> None:
    config = HttpConfig(base_url=server, headers={"X-Team": "Zoë"})
    with (
        Http(config, connection="api") as api,
        pytest.raises(ActionArgumentError, match=r"api: header 'X-Team' .*headers.*ASCII"),
    ):
        api.get("items")


def test_a_token_that_cannot_be_a_header_names_its_field(server: str) -> None:
    for token, problem in [("tök-en-5566aa", "not ASCII"), ("tok-en-5566aa\n", "line break")]:
        with (
            Http(HttpConfig(base_url=server, token=token), connection="api") as api,
            pytest.raises(ActionArgumentError) as failure,
        ):
            api.get("items")
        message = str(failure.value)
        assert message.startswith("api: the field 'token'")
        assert problem in message
        assert "5566aa" not in message


def test_auth_flows_refuse_values_that_cannot_be_headers() -> None:
    with pytest.raises(ActionArgumentError, match=r"bearer token: .*not ASCII") as failure:
        BearerAuth("tök-123456")
    assert "tök" not in str(failure.value)
    with pytest.raises(ActionArgumentError, match=r"API key 'X-Key': .*line break"):
        ApiKeyAuth("X-Key", "k-1234\r\n")
    assert ApiKeyAuth("key", "ké-in-a-query", "query").location == "query"  # encoded there


def _spec() -> dict[str, Any]:
    note = {"name": "X-Request-Note", "in": "header", "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Notes", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "parameters": [note],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }


def test_generated_actions_check_header_parameters_and_connection_headers(server: str) -> None:
    Notes = connector_class(load_spec(_spec(), name="notes"), "notes")
    with Notes(Notes.config_model(base_url=server), connection="notes") as notes:
        with pytest.raises(ActionArgumentError) as failure:
            notes.list_items(x_request_note="naïve\r\nX-Admin: 1")
        assert "header 'X-Request-Note'" in str(failure.value)
        assert "argument 'x_request_note'" in str(failure.value)
        assert "naïve" not in str(failure.value)
        assert notes.list_items(x_request_note="plain").data == {"ok": True}
        RECEIVED.clear()
    bad = Notes.config_model(base_url=server, headers={"X-Team": "Zoë"})
    with (
        Notes(bad, connection="notes") as notes,
        pytest.raises(ActionArgumentError, match=r"notes: header 'X-Team' .*headers"),
    ):
        notes.list_items()
