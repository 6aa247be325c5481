"""Credentials stay with their connection's origin (scheme, host and port of base_url).

Two real servers on 127.0.0.1 (two ports, so two origins) record what each request
carried: the connection's "home" and an "other" origin. A request from a connection to
another origin (an absolute URL as the path, a pagination next link or Link header, a
redirect) goes without the connection's credentials; to its own origin it carries them.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from pydantic import ValidationError
from servers import JsonHandler, serve

from workbench.connectors.http import Http, HttpConfig
from workbench.errors import ConfigError, ConnectionFailedError
from workbench.http import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    JwtBearerAuth,
    RefreshTokenAuth,
    build_async_client,
    build_client,
    paginate,
)
from workbench.openapi import load_spec
from workbench.openapi.connector import connector_class

TOKEN = "tok-5b1e-origin-bearer"
API_KEY = "key-93c0-origin-header"
PASSWORD = "pw-4d2f-origin-basic"
CUSTOM = "svc-77aa-origin-custom"
CLIENT_ID, CLIENT_SECRET = "app-7", "cs-1f2e-origin-client"
SECRETS = (TOKEN, API_KEY, PASSWORD, CUSTOM, CLIENT_SECRET, "at-issued")


@dataclass
class Seen:
    """Every request one server received: path, headers (lower-case names), query."""

    requests: list[dict[str, Any]] = field(default_factory=list)

    def leaked(self) -> list[str]:
        """The secrets any received request carried, in any header (basic auth decoded)
        or the query."""
        text = json.dumps(self.requests)
        for request in self.requests:
            scheme, _, credential = request["headers"].get("authorization", "").partition(" ")
            if scheme.lower() == "basic":
                text += base64.b64decode(credential).decode()
        return [secret for secret in SECRETS if secret in text]

    def clear(self) -> None:
        self.requests.clear()


HOME, OTHER, IDP = Seen(), Seen(), Seen()


def recorder(seen: Seen) -> type[JsonHandler]:
    class Recorder(JsonHandler):
        """``/redirect?to=URL&status=302``, ``/pages?next=URL`` (body and Link header),
        ``/token`` (an OAuth2 token endpoint), anything else: what was received."""

        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query))
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.requests.append({"path": url.path, "headers": headers, "query": query})
            if url.path == "/redirect":
                self.send_response(int(query.get("status", "302")))
                self.send_header("Location", query["to"])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif url.path == "/pages":
                following = query.get("next")
                data = json.dumps({"items": [1], "next": following}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if following:
                    self.send_header("Link", f'<{following}>; rel="next"')
                self.end_headers()
                self.wfile.write(data)
            elif url.path == "/token":
                issued = {"access_token": "at-issued-0001", "expires_in": 3600}
                self.send_json(200, {**issued, "form": dict(parse_qsl(body))})
            else:
                self.send_json(200, {"items": [], "path": url.path})

        do_POST = do_GET

    return Recorder


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str, str]]:
    with (
        serve(recorder(HOME)) as home,
        serve(recorder(OTHER)) as other,
        serve(recorder(IDP)) as idp,
    ):
        yield home, other, idp


@pytest.fixture
def home(servers: tuple[str, str, str]) -> str:
    for seen in (HOME, OTHER, IDP):
        seen.clear()
    return servers[0]


@pytest.fixture
def other(servers: tuple[str, str, str]) -> str:
    return servers[1]


@pytest.fixture
def idp(servers: tuple[str, str, str]) -> str:
    return servers[2]


HTTP_CREDENTIALS = {
    "bearer": {"token": TOKEN},
    "basic": {"username": "ada", "password": PASSWORD},
    "header": {"api_key": API_KEY},
    "custom header": {"headers": {"X-Service-Token": CUSTOM}},
    "renamed key header": {"api_key": API_KEY, "api_key_header": "X-Org"},
}


def _http(home: str, kind: str) -> Http:
    return Http(HttpConfig(base_url=home, **HTTP_CREDENTIALS[kind]), connection="crm")


@pytest.mark.parametrize("kind", list(HTTP_CREDENTIALS))
def test_an_absolute_url_to_another_origin_goes_without_credentials(
    home: str, other: str, kind: str
) -> None:
    with _http(home, kind) as crm:
        crm.get(f"{other}/users")
        crm.post(f"{other}/users", json={"name": "Ada"})
        crm.get("users")  # the connection's own origin: credentials as before
    assert OTHER.leaked() == []
    assert len(OTHER.requests) == 2
    assert HOME.leaked() != []


@pytest.mark.parametrize("kind", list(HTTP_CREDENTIALS))
@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_to_another_origin_goes_without_credentials(
    home: str, other: str, kind: str, status: int
) -> None:
    with _http(home, kind) as crm:
        crm.get("redirect", params={"to": f"{other}/landing", "status": status})
        crm.get("redirect", params={"to": f"{home}/landing", "status": status})
    assert [r["path"] for r in OTHER.requests] == ["/landing"]
    assert OTHER.leaked() == []
    landed = Seen([r for r in HOME.requests if r["path"] == "/landing"])
    assert landed.requests and landed.leaked() != []  # the same origin: still carried


def test_the_same_host_on_another_port_or_scheme_is_another_origin(home: str) -> None:
    port = int(urlsplit(home).port or 0)
    with Http(HttpConfig(base_url=home, token=TOKEN), connection="crm") as crm:
        crm.get(f"http://localhost:{port}/users")  # another host name for the same server
    assert HOME.requests[0]["headers"].get("authorization") is None


AUTHS = {
    "bearer": lambda idp: BearerAuth(TOKEN),
    "basic": lambda idp: BasicAuth("ada", PASSWORD),
    "key header": lambda idp: ApiKeyAuth("X-API-Key", API_KEY),
    "key query": lambda idp: ApiKeyAuth("api_key", API_KEY, "query"),
    "key cookie": lambda idp: ApiKeyAuth("sid", API_KEY, "cookie"),
    "client credentials": lambda idp: ClientCredentialsAuth(
        f"{idp}/token", CLIENT_ID, CLIENT_SECRET
    ),
    "refresh token": lambda idp: RefreshTokenAuth(
        f"{idp}/token", CLIENT_ID, CLIENT_SECRET, "rt-3a3a-origin-refresh"
    ),
    "jwt bearer": lambda idp: JwtBearerAuth(
        f"{idp}/token", "svc@example.com", None, f"{idp}/token", _private_key()
    ),
}


def _private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize("kind", list(AUTHS))
@pytest.mark.parametrize("strategy", ["next_url", "link"])
def test_a_next_page_on_another_origin_goes_without_credentials(
    home: str, other: str, idp: str, kind: str, strategy: str
) -> None:
    with build_client(home, auth=AUTHS[kind](idp), connection="crm") as client:
        first = client.build_request("GET", "/pages", params={"next": f"{other}/pages"})
        pages = list(paginate(client.send, first, {"type": strategy}, progress=False))
    assert len(pages) == 2
    assert [r["path"] for r in OTHER.requests] == ["/pages"]
    assert OTHER.leaked() == []
    assert HOME.leaked() != []  # the first page, on the connection's origin, had them
    assert all(r["path"] == "/token" for r in IDP.requests)  # a token only for the home page
    assert len(IDP.requests) <= 1


@pytest.mark.parametrize("kind", list(AUTHS))
def test_every_auth_flow_is_applied_on_its_origin_only(
    home: str, other: str, idp: str, kind: str
) -> None:
    with build_client(home, auth=AUTHS[kind](idp), connection="crm") as client:
        client.get(f"{other}/users")
        client.get(f"{home}/redirect", params={"to": f"{other}/landing", "status": 307})
        client.get("/users")
    assert OTHER.leaked() == []
    assert HOME.leaked() != []


def test_the_async_client_keeps_credentials_on_their_origin(
    home: str, other: str, idp: str
) -> None:
    async def main() -> None:
        auth = ApiKeyAuth("X-API-Key", API_KEY)
        headers = {"X-Service-Token": CUSTOM}
        async with build_async_client(home, auth=auth, headers=headers) as client:
            await client.get(f"{other}/users")
            await client.get("/redirect", params={"to": f"{other}/landing"})
            await client.get("/users")

    asyncio.run(main())
    assert len(OTHER.requests) == 2
    assert OTHER.leaked() == []
    assert sorted(HOME.leaked()) == sorted([API_KEY, CUSTOM])


def test_headers_given_for_one_request_go_where_the_caller_sends_them(
    home: str, other: str
) -> None:
    with Http(HttpConfig(base_url=home, token=TOKEN), connection="crm") as crm:
        crm.get(f"{other}/users", headers={"Authorization": "Bearer other-7788-own"})
    assert OTHER.requests[0]["headers"]["authorization"] == "Bearer other-7788-own"


def _paged_spec(home: str, other: str) -> dict[str, Any]:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Crm", "version": "1"},
        "servers": [{"url": home}],
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        },
        "security": [{"key": []}],
        "paths": {
            "/pages": {
                "get": {
                    "operationId": "listPages",
                    "parameters": [{"name": "next", "in": "query", "schema": {"type": "string"}}],
                    "x-workbench-pagination": {"type": "next_url", "records": "items"},
                    "responses": ok,
                }
            },
            "/elsewhere": {
                "get": {"operationId": "elsewhere", "servers": [{"url": other}], "responses": ok}
            },
        },
    }


def test_generated_actions_send_credentials_to_their_servers_only(home: str, other: str) -> None:
    Crm = connector_class(load_spec(_paged_spec(home, other), name="crm"), "crm")
    with Crm(Crm.config_model(api_key=API_KEY), connection="crm") as crm:
        crm.list_pages(next=f"{other}/pages")
        assert OTHER.leaked() == []
        crm.elsewhere()  # an operation's own server, declared by the spec: credentials go
    assert [r["path"] for r in OTHER.requests] == ["/pages", "/elsewhere"]
    assert OTHER.requests[1]["headers"]["x-api-key"] == API_KEY
    assert HOME.requests[0]["headers"]["x-api-key"] == API_KEY


def test_a_token_endpoint_that_redirects_to_another_origin_is_refused(
    home: str, other: str, idp: str
) -> None:
    moved = f"{idp}/redirect?to={other}/token&status=307"
    auth = ClientCredentialsAuth(moved, CLIENT_ID, CLIENT_SECRET)
    with (
        build_client(home, auth=auth, retry=None) as client,
        pytest.raises(ConnectionFailedError, match="another origin"),
    ):
        client.get("/users")
    assert OTHER.requests == []


def test_credentials_need_a_base_url_to_have_an_origin() -> None:
    with pytest.raises(ValidationError, match="base_url"):
        HttpConfig(token=TOKEN)
    with pytest.raises(ValidationError, match="base_url"):
        HttpConfig(headers={"X-Service-Token": CUSTOM})
    assert HttpConfig(headers={"X-Team": "ops"}).headers == {"X-Team": "ops"}
    with pytest.raises(ConfigError, match="base URL"):
        build_client(auth=BearerAuth(TOKEN))
    with pytest.raises(ConfigError, match="base URL"):
        build_client(headers={"Authorization": f"Bearer {TOKEN}"})


def test_a_plain_client_sends_no_credentials_it_was_not_given(home: str, other: str) -> None:
    with build_client(home) as client:
        answer = client.get(f"{other}/x", headers={"X-Team": "ops"})
    assert answer.status_code == 200
    assert OTHER.requests[0]["headers"]["x-team"] == "ops"
    assert isinstance(client, httpx.Client)
