"""Google service accounts in generated connectors: the JSON key from the secret store is
traded for access tokens with the JWT bearer grant, at the key's own token endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from servers import JsonHandler, serve

import workbench as wb
from workbench.config.secrets import default_secret_store
from workbench.errors import ConfigError

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
SCOPE = "https://www.googleapis.com/auth/spreadsheets"


class Google(JsonHandler):
    """A token endpoint that checks the signed assertion, and an API that wants its token."""

    claims: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            self.send_json(400, {"error": "unsupported_grant_type"})
            return
        audience = f"http://{self.headers['Host']}/token"
        try:
            claims = jwt.decode(
                form["assertion"][0], KEY.public_key(), algorithms=["RS256"], audience=audience
            )
        except jwt.PyJWTError as exc:
            self.send_json(400, {"error": "invalid_grant", "error_description": str(exc)})
            return
        type(self).claims.append(claims)
        self.send_json(200, {"access_token": "ya29.sheet-access", "expires_in": 3600})

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer ya29.sheet-access":
            self.send_json(401, {"error": {"status": "UNAUTHENTICATED"}})
            return
        self.send_json(200, {"values": [["a", "b"], ["1", "2"]]})


@pytest.fixture
def google() -> Iterator[str]:
    Google.claims = []
    with serve(Google) as url:
        yield url


def spec(url: str) -> dict[str, Any]:
    flows = {
        "authorizationCode": {
            "authorizationUrl": "https://accounts.google.com/o/oauth2/auth",
            "tokenUrl": "https://accounts.google.com/o/oauth2/token",
            "scopes": {SCOPE: "See, edit, create, and delete your spreadsheets"},
        }
    }
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Sheets", "version": "4"},
        "servers": [{"url": url}],
        "components": {"securitySchemes": {"Oauth2c": {"type": "oauth2", "flows": flows}}},
        "security": [{"Oauth2c": [SCOPE]}],
        "paths": {"/values": {"get": {"operationId": "getValues", "responses": ok}}},
    }


def key_file(url: str) -> str:
    return json.dumps(
        {
            "type": "service_account",
            "client_email": "reports@project-1.iam.gserviceaccount.com",
            "private_key_id": "k-1",
            "private_key": PEM,
            "token_uri": f"{url}/token",
        }
    )


def test_a_service_account_key_from_the_store_signs_in(google: str, project: Path) -> None:
    default_secret_store().set("sheets/service-account", key_file(google))
    wb.Connector.from_openapi(spec(google), name="sheets_sa")
    (project / "workbench.toml").write_text(
        '[connections.sheets]\nconnector = "sheets_sa"\n'
        'service_account = { secret = "sheets/service-account" }\n'
        'subject = "ada@example.com"\n'
    )
    sheets = wb.connect("sheets")
    assert sheets.get_values(raw=True).data == {"values": [["a", "b"], ["1", "2"]]}
    assert sheets.get_values(raw=True).data["values"][1] == ["1", "2"]
    (claims,) = Google.claims  # one token, reused
    assert claims["iss"] == "reports@project-1.iam.gserviceaccount.com"
    assert (claims["sub"], claims["scope"]) == ("ada@example.com", SCOPE)
    history = repr(wb.history().to_dict("records"))
    assert "PRIVATE KEY" not in history and "ya29.sheet-access" not in history


@pytest.mark.parametrize(
    ("key", "problem"),
    [("not json", "expected the JSON key file"), ('{"client_email": "x"}', "lacks private_key")],
)
def test_a_key_that_is_not_a_service_account_s_is_named(
    google: str, key: str, problem: str
) -> None:
    wb.Connector.from_openapi(spec(google), name="sheets_bad")
    sheets = wb.connect("sheets_bad", mode="live", service_account=key)
    with pytest.raises(ConfigError, match=problem) as raised:
        sheets.get_values()
    assert "service_account" in str(raised.value) and key not in str(raised.value)
