"""Routes cannot be bent: a path parameter stays inside its segment, whatever its value.

A real server on 127.0.0.1 records the request target exactly as it arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from servers import JsonHandler, serve

from workbench.errors import ActionArgumentError
from workbench.openapi import load_spec
from workbench.openapi.connector import ApiConnector, connector_class
from workbench.openapi.styles import path

TARGETS: list[str] = []


class Targets(JsonHandler):
    """Records the raw request target of every request and answers ``{}``."""

    def do_GET(self) -> None:
        TARGETS.append(self.path)
        self.send_json(200, {})

    do_DELETE = do_GET


def _spec() -> dict[str, Any]:
    def param(name: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, **extra}

    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Users", "version": "1"},
        "servers": [{"url": "http://users.invalid/v1"}],
        "paths": {
            "/users/{id}/profile": {
                "get": {"operationId": "getProfile", "parameters": [param("id")], "responses": ok}
            },
            "/users/{id}": {
                "delete": {
                    "operationId": "deleteUser",
                    "parameters": [param("id")],
                    "responses": ok,
                }
            },
            "/files/{name}{ext}": {
                "get": {
                    "operationId": "getFile",
                    "parameters": [param("name"), param("ext")],
                    "responses": ok,
                }
            },
            "/labels/{tag}/items": {
                "get": {
                    "operationId": "getLabelled",
                    "parameters": [param("tag", style="label")],
                    "responses": ok,
                }
            },
        },
    }


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Targets) as url:
        yield url


@pytest.fixture
def users(server: str) -> Iterator[ApiConnector]:
    TARGETS.clear()
    Users = connector_class(load_spec(_spec(), name="users"), "users")
    with Users(Users.config_model(base_url=server + "/v1"), connection="users") as connector:
        yield connector


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("..", "/v1/users/%2E%2E/profile"),
        (".", "/v1/users/%2E/profile"),
        ("../../admin", "/v1/users/..%2F..%2Fadmin/profile"),
        ("a/b", "/v1/users/a%2Fb/profile"),
        ("%2e%2e", "/v1/users/%252e%252e/profile"),
        ("...", "/v1/users/%2E%2E%2E/profile"),
        ("a.b", "/v1/users/a.b/profile"),
    ],
)
def test_a_path_value_stays_inside_its_segment(
    users: ApiConnector, value: str, target: str
) -> None:
    users.get_profile(value)
    assert [target] == TARGETS


def test_dot_segments_never_reach_another_route(users: ApiConnector) -> None:
    users.delete_user("..")
    users.get_file(".", ".")  # two values that would make ".." together
    users.get_labelled(".")  # label style writes ".<value>": "." would make ".."
    assert TARGETS == ["/v1/users/%2E%2E", "/v1/files/%2E%2E", "/v1/labels/.%2E/items"]


def test_an_empty_path_value_is_refused_before_anything_is_sent(users: ApiConnector) -> None:
    with pytest.raises(ActionArgumentError, match=r"delete_user: path parameter 'id' is empty"):
        users.delete_user("")
    assert TARGETS == []


def test_the_sandbox_routes_an_encoded_dot_segment_to_its_operation() -> None:
    Users = connector_class(load_spec(_spec(), name="users_sandbox"), "users_sandbox")
    with Users(Users.config_model(sandbox=True), connection="sandbox") as users:
        result = users.get_profile("..")
    assert result.raw["url"].endswith("/v1/users/%2E%2E/profile")


@pytest.mark.parametrize(
    ("style", "explode", "value", "written"),
    [
        (None, None, "..", "%2E%2E"),
        (None, None, ["..", "a"], "%2E%2E,a"),
        ("label", False, ".", ".%2E"),
        ("matrix", False, "..", ";id=%2E%2E"),
        ("matrix", True, [".", ".."], ";id=%2E;id=%2E%2E"),
    ],
)
def test_styles_encode_dot_segments(
    style: str | None, explode: bool | None, value: Any, written: str
) -> None:
    assert path("id", value, style, explode) == written
