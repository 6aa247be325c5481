"""Auth flows against a local OAuth2 token endpoint and a protected API (real HTTP)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from itertools import count
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from servers import serve

from workbench.config.secrets import default_secret_store
from workbench.errors import ConnectionFailedError
from workbench.http import build_async_client, build_client
from workbench.http.auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    JwtBearerAuth,
    RefreshTokenAuth,
    persist_rotation,
)
from workbench.redaction import redact
from workbench.sdk.calls import requests

CLIENT_ID, CLIENT_SECRET = "app-42", "cs-9f8e7d6c-client-secret"
REFRESH_1 = "rt-0001-5e4d3c2b-refresh"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ISSUER, KEY_ID = "svc@project.iam.example.com", "key-1"


@dataclass
class Provider:
    """What the fake identity provider knows: clients, live tokens, and what it was asked."""

    expires_in: int = 3600
    rotate: bool = True
    public_key: Any = None
    audience: str = ""
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=lambda: {REFRESH_1})
    grants: list[str] = field(default_factory=list)
    client_auth: list[str] = field(default_factory=list)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, prefix: str) -> str:
        token = f"{prefix}-{next(self.ids):04d}-token-value"
        (self.access if prefix == "at" else self.refresh).add(token)
        return token


class Current:
    """The provider the module's one server answers for (a fresh one per test)."""

    provider = Provider()


def handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, status: int, body: Any, **headers: str) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            provider = Current.provider
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query))
            cookies = self.headers.get("Cookie", "")
            provider.seen.append(
                f"{self.headers.get('Authorization')}|{self.headers.get('X-API-Key')}"
                f"|{query.get('api_key')}|{cookies}"
            )
            auth = self.headers.get("Authorization", "")
            if url.path == "/echo":
                self.reply(200, {"seen": provider.seen[-1]})
            elif auth.startswith("Bearer ") and auth[7:] in provider.access:
                self.reply(200, {"me": "ok"})
            else:
                self.reply(401, {"error": "invalid_token"}, WWW_Authenticate="Bearer")

        def do_POST(self) -> None:
            provider = Current.provider
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            with provider.lock:
                status, body = self.token(form)
            self.reply(status, body)

        def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
            provider = Current.provider
            grant = form.get("grant_type", "")
            provider.grants.append(grant)
            if grant == JWT_BEARER:
                return self.jwt_grant(form)
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                pair = base64.b64decode(basic[6:]).decode()
                client, secret = (unquote(part) for part in pair.split(":", 1))
                provider.client_auth.append("basic")
            else:
                client, secret = form.get("client_id", ""), form.get("client_secret", "")
                provider.client_auth.append("post")
            if (client, secret) != (CLIENT_ID, CLIENT_SECRET):
                return 401, {"error": "invalid_client", "error_description": f"bad {secret}"}
            answer: dict[str, Any] = {"token_type": "Bearer", "expires_in": provider.expires_in}
            if grant == "refresh_token":
                old = form.get("refresh_token", "")
                if old not in provider.refresh:
                    return 400, {"error": "invalid_grant", "error_description": "refresh revoked"}
                if provider.rotate:
                    provider.refresh.discard(old)
                    answer["refresh_token"] = provider.issue("rt")
            elif grant == "client_credentials":
                answer["scope"] = form.get("scope", "")
            else:
                return 400, {"error": "unsupported_grant_type"}
            answer["access_token"] = provider.issue("at")
            return 200, answer

        def jwt_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
            provider = Current.provider
            assertion = form.get("assertion", "")
            try:
                header = jwt.get_unverified_header(assertion)
                claims = jwt.decode(
                    assertion,
                    provider.public_key,
                    algorithms=["RS256"],
                    audience=provider.audience,
                    issuer=ISSUER,
                    options={"require": ["exp", "iat", "iss", "aud", "jti"]},
                )
            except jwt.PyJWTError as exc:
                return 400, {"error": "invalid_grant", "error_description": str(exc)}
            provider.assertions.append({**claims, "kid": header.get("kid")})
            token = provider.issue("at")
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    return Handler


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(handler()) as url:
        yield url


@pytest.fixture
def provider() -> Provider:
    Current.provider = Provider()
    return Current.provider


@pytest.fixture
def idp(server: str, provider: Provider) -> str:
    """The identity provider's URL, with a fresh provider behind it."""
    return server


def test_client_credentials_caches_the_token_until_it_nearly_expires(
    idp: str, provider: Provider, clock: Any
) -> None:
    auth = ClientCredentialsAuth(f"{idp}/token", CLIENT_ID, CLIENT_SECRET, ["read"], clock=clock)
    with build_client(idp, auth=auth) as client:
        assert client.get("/me").json() == {"me": "ok"}
        assert client.get("/me").status_code == 200
        assert provider.grants == ["client_credentials"]
        assert provider.client_auth == ["basic"]

        clock.advance(3600 - 61)  # still more than `skew` seconds left
        client.get("/me")
        assert len(provider.grants) == 1
        clock.advance(2)  # now within 60 s of expiry: refreshed ahead of time
        assert client.get("/me").status_code == 200
        assert len(provider.grants) == 2


def test_client_credentials_in_the_form_body(idp: str, provider: Provider) -> None:
    auth = ClientCredentialsAuth(f"{idp}/token", CLIENT_ID, CLIENT_SECRET, client_auth="post")
    with build_client(idp, auth=auth) as client:
        assert client.get("/me").status_code == 200
    assert provider.client_auth == ["post"]


def test_a_401_fetches_a_new_token_once(idp: str, provider: Provider, clock: Any) -> None:
    auth = ClientCredentialsAuth(f"{idp}/token", CLIENT_ID, CLIENT_SECRET, clock=clock)
    with build_client(idp, auth=auth) as client:
        client.get("/me")
        provider.access.clear()  # the provider revoked every token early
        assert client.get("/me").status_code == 200
        assert len(provider.grants) == 2

        provider.expires_in = 0
        original = provider.issue

        def useless(prefix: str) -> str:  # tokens the API never accepts
            return original(prefix) + "-x" if prefix == "at" else original(prefix)

        provider.issue = useless  # type: ignore[method-assign]
        provider.access.clear()
        response = client.get("/me")
    assert response.status_code == 401  # refreshed once, then the 401 is the answer
    assert len(provider.grants) == 3


def test_concurrent_requests_share_one_token_fetch(idp: str, provider: Provider) -> None:
    auth = ClientCredentialsAuth(f"{idp}/token", CLIENT_ID, CLIENT_SECRET)
    with build_client(idp, auth=auth) as client:
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda: statuses.append(client.get("/me").status_code))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 8
    assert provider.grants == ["client_credentials"]


def test_async_client_fetches_one_token_for_concurrent_requests(
    idp: str, provider: Provider
) -> None:
    auth = ClientCredentialsAuth(f"{idp}/token", CLIENT_ID, CLIENT_SECRET)

    async def main() -> list[int]:
        async with build_async_client(idp, auth=auth) as client:
            responses = await asyncio.gather(*(client.get("/me") for _ in range(5)))
            return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 5
    assert provider.grants == ["client_credentials"]


def test_a_rotated_refresh_token_is_persisted_and_used_next(
    idp: str, provider: Provider, clock: Any
) -> None:
    store = default_secret_store()
    store.set("crm/refresh-token", REFRESH_1)
    auth = RefreshTokenAuth(
        f"{idp}/token",
        CLIENT_ID,
        CLIENT_SECRET,
        refresh_token=store.get("crm/refresh-token") or "",
        on_rotate=persist_rotation(store, "crm/refresh-token"),
        clock=clock,
    )
    with build_client(idp, auth=auth) as client:
        assert client.get("/me").status_code == 200
        rotated = default_secret_store().get("crm/refresh-token")  # a fresh read of the file
        assert rotated is not None and rotated != REFRESH_1
        assert rotated in provider.refresh and REFRESH_1 not in provider.refresh

        clock.advance(3600)  # expired: the rotated refresh token must be the one sent
        assert client.get("/me").status_code == 200
    assert provider.grants == ["refresh_token", "refresh_token"]
    assert default_secret_store().get("crm/refresh-token") != rotated
    assert default_secret_store().names() == ["crm/refresh-token"]


def test_a_given_access_token_is_used_until_the_api_refuses_it(
    idp: str, provider: Provider
) -> None:
    live = provider.issue("at")
    rotations: list[str] = []
    auth = RefreshTokenAuth(
        f"{idp}/token",
        CLIENT_ID,
        CLIENT_SECRET,
        REFRESH_1,
        access_token=live,
        on_rotate=rotations.append,
    )
    with build_client(idp, auth=auth) as client:
        client.get("/me")
        assert provider.grants == []
        provider.access.discard(live)
        assert client.get("/me").status_code == 200
    assert provider.grants == ["refresh_token"]
    assert len(rotations) == 1


def test_a_given_access_token_is_used_until_its_recorded_expiry(
    idp: str, provider: Provider
) -> None:
    live = provider.issue("at")
    now = dt.datetime.now(dt.UTC)
    for expires_at, grants in ((now + dt.timedelta(hours=1), []), (now, ["refresh_token"])):
        provider.grants.clear()
        auth = RefreshTokenAuth(
            f"{idp}/token",
            CLIENT_ID,
            CLIENT_SECRET,
            REFRESH_1,
            access_token=live,
            access_token_expires_at=expires_at,
        )
        with build_client(idp, auth=auth) as client:
            assert client.get("/me").status_code == 200
        assert provider.grants == grants  # a token that ran out is never sent


def test_a_revoked_refresh_token_fails_with_the_oauth_error_and_no_secret(
    idp: str, provider: Provider
) -> None:
    provider.refresh.clear()
    auth = RefreshTokenAuth(f"{idp}/token", CLIENT_ID, CLIENT_SECRET, REFRESH_1)
    with build_client(idp, auth=auth) as client, pytest.raises(ConnectionFailedError) as failure:
        client.get("/me")
    message = str(failure.value)
    assert message == (
        f"OAuth2 refresh_token grant failed at {idp}/token: HTTP 400: "
        "invalid_grant (refresh revoked)"
    )
    assert failure.value.exit_code == 7


def test_wrong_client_credentials_name_the_endpoint_never_the_secret(idp: str) -> None:
    wrong = "cs-wrong-0b1c2d3e-secret"
    auth = ClientCredentialsAuth(f"{idp}/token", CLIENT_ID, wrong)
    with build_client(idp, auth=auth) as client, pytest.raises(ConnectionFailedError) as failure:
        client.get("/me")
    message = str(failure.value)
    assert f"failed at {idp}/token: HTTP 401: invalid_client" in message
    assert wrong not in message and wrong not in repr(auth)
    assert repr(auth) == f"ClientCredentialsAuth(token_url='{idp}/token', client_id='{CLIENT_ID}')"


def rsa_key() -> tuple[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key.public_key()


def test_jwt_bearer_grant_is_signed_with_the_private_key(
    idp: str, provider: Provider, clock: Any
) -> None:
    pem, public = rsa_key()
    provider.public_key, provider.audience = public, f"{idp}/token"
    auth = JwtBearerAuth(
        f"{idp}/token",
        ISSUER,
        "ada@example.com",
        f"{idp}/token",
        pem,
        scopes=["https://www.googleapis.com/auth/drive.readonly"],
        key_id=KEY_ID,
        clock=clock,
    )
    with build_client(idp, auth=auth) as client:
        assert client.get("/me").status_code == 200
        client.get("/me")
        clock.advance(3600)
        client.get("/me")
    assert provider.grants == [JWT_BEARER, JWT_BEARER]
    first = provider.assertions[0]
    assert (first["sub"], first["kid"], first["scope"]) == (
        "ada@example.com",
        KEY_ID,
        "https://www.googleapis.com/auth/drive.readonly",
    )
    assert first["exp"] - first["iat"] <= 180
    assert provider.assertions[0]["jti"] != provider.assertions[1]["jti"]
    assert "PRIVATE KEY" not in repr(auth)


def test_jwt_signed_with_another_key_is_refused(idp: str, provider: Provider) -> None:
    pem, _ = rsa_key()
    provider.public_key, provider.audience = rsa_key()[1], f"{idp}/token"
    auth = JwtBearerAuth(f"{idp}/token", ISSUER, None, f"{idp}/token", pem)
    with build_client(idp, auth=auth) as client, pytest.raises(ConnectionFailedError) as failure:
        client.get("/me")
    assert "jwt-bearer grant failed" in str(failure.value)
    assert "invalid_grant (Signature verification failed)" in str(failure.value)


@pytest.mark.parametrize(
    ("auth", "seen"),
    [
        (BearerAuth("tok-bearer-77aa"), "Bearer tok-bearer-77aa|None|None|"),
        (ApiKeyAuth("X-API-Key", "key-header-88bb"), "None|key-header-88bb|None|"),
        (ApiKeyAuth("api_key", "key-query-99cc", "query"), "None|None|key-query-99cc|"),
        (ApiKeyAuth("sid", "key-cookie-00dd", "cookie"), "None|None|None|sid=key-cookie-00dd"),
        (BasicAuth("ada", "pw-basic"), "Basic YWRhOnB3LWJhc2lj|None|None|"),
    ],
)
def test_static_credentials_are_sent_where_they_belong(
    idp: str, auth: httpx.Auth, seen: str
) -> None:
    with build_client(idp, auth=auth) as client:
        assert client.get("/echo").json() == {"seen": seen}


def test_no_secret_reaches_history_or_reprs(idp: str, provider: Provider) -> None:
    key = ApiKeyAuth("api_key", "key-query-hist-11ee", "query")
    oauth = ClientCredentialsAuth(f"{idp}/token", CLIENT_ID, CLIENT_SECRET)
    with build_client(idp, auth=key) as client:
        client.get("/echo")
    with build_client(idp, auth=oauth) as client:
        client.get("/me")
    issued = sorted(provider.access)
    shown = repr(requests()) + repr(key) + repr(oauth)
    for secret in ["key-query-hist-11ee", CLIENT_SECRET, *issued]:
        assert secret not in shown
        assert redact(secret) == "***"  # every token obtained is registered
    assert [r.url for r in requests()] == [
        f"{idp}/echo?api_key=***",
        f"{idp}/token",
        f"{idp}/me",
    ]


def test_bad_key_locations_and_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="location: expected 'header', 'query' or 'cookie'"):
        ApiKeyAuth("k", "v-123456", "body")  # type: ignore[arg-type]
    with pytest.raises(Exception, match="private_key_pem is not a private key usable with RS256"):
        JwtBearerAuth("https://id.example.com/token", ISSUER, None, "aud", "not a key")
