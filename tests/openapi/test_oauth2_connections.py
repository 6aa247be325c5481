"""OAuth2 in generated connectors: a refresh token from the secret store fetches access
tokens, and a rotated refresh token is written back under the same secret name."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
from servers import JsonHandler, serve

import workbench as wb
from workbench.config.secrets import default_secret_store


class Service(JsonHandler):
    """A token endpoint that rotates refresh tokens, and an API that wants a fresh token."""

    refresh_tokens: ClassVar[list[str]] = []
    issued = 0

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        client = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
        if self.path != "/token" or client != "app-1:app-secret-1":
            self.send_json(401, {"error": "invalid_client"})
            return
        presented = form["refresh_token"][0]
        if form["grant_type"] != ["refresh_token"] or presented != type(self).refresh_tokens[-1]:
            self.send_json(400, {"error": "invalid_grant"})
            return
        type(self).issued += 1
        rotated = f"refresh-{type(self).issued + 1:04d}-xyz"
        type(self).refresh_tokens.append(rotated)
        body = {"access_token": f"access-{type(self).issued}", "expires_in": 3600}
        self.send_json(200, {**body, "token_type": "bearer", "refresh_token": rotated})

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer access-{type(self).issued}":
            self.send_json(401, {"error": "token"})
            return
        self.send_json(200, [{"id": 1}])


@pytest.fixture
def service() -> Iterator[str]:
    Service.refresh_tokens = ["refresh-0001-xyz"]
    Service.issued = 0
    with serve(Service) as url:
        yield url


def spec(url: str) -> dict[str, Any]:
    flows = {
        "authorizationCode": {
            "authorizationUrl": f"{url}/authorize",
            "tokenUrl": f"{url}/token",
            "scopes": {},
        }
    }
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Notes", "version": "1"},
        "servers": [{"url": url}],
        "components": {"securitySchemes": {"oauth": {"type": "oauth2", "flows": flows}}},
        "security": [{"oauth": []}],
        "paths": {"/notes": {"get": {"operationId": "listNotes", "responses": ok}}},
    }


def test_refresh_token_from_the_store_is_used_and_its_rotation_saved(
    service: str, project: Path
) -> None:
    store = default_secret_store()
    store.set("notes/refresh", "refresh-0001-xyz")
    store.set("notes/client-secret", "app-secret-1")
    wb.Connector.from_openapi(spec(service), name="notes")
    (project / "workbench.toml").write_text(
        '[connections.notes]\nconnector = "notes"\nclient_id = "app-1"\n'
        'client_secret = { secret = "notes/client-secret" }\n'
        'refresh_token = { secret = "notes/refresh" }\n'
    )
    notes = wb.connect("notes")
    assert notes.list_notes().data == [{"id": 1}]
    assert store.get("notes/refresh") == "refresh-0002-xyz"  # the rotated token, saved
    assert notes.list_notes().data == [{"id": 1}]  # the access token is reused
    assert Service.issued == 1
    assert "refresh-0002-xyz" not in repr(wb.history().to_dict("records"))


def test_an_override_is_not_written_back(service: str) -> None:
    store = default_secret_store()
    wb.Connector.from_openapi(spec(service), name="notes")
    notes = wb.connect(
        "notes",
        mode="live",
        client_id="app-1",
        client_secret="app-secret-1",
        refresh_token="refresh-0001-xyz",
    )
    assert notes.list_notes().data == [{"id": 1}]
    assert store.names() == []
