"""A local OAuth2 authorization server with PKCE, and an API that wants its access tokens.

``/authorize`` signs the user in at once and redirects to the ``redirect_uri`` with a code
and the ``state`` (or with ``error=access_denied`` when the user is set to decline);
``/token`` trades a code for tokens only when ``code_verifier`` hashes (S256) to the
challenge the code was issued for, and a refresh token for a new access token; ``/notes``
answers a currently valid access token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from served import serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "notes-app"


@dataclass
class Provider:
    """The server's state: codes issued, tokens valid, what was asked, and how to answer."""

    decline: bool = False
    expires_in: int = 3600
    give_refresh_token: bool = True
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    authorize_queries: list[dict[str, str]] = field(default_factory=list)
    token_forms: list[dict[str, str]] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)

    def issue(self) -> dict[str, Any]:
        access = f"at-{secrets.token_hex(8)}"
        self.access_tokens.add(access)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": "notes.read",
        }
        if self.give_refresh_token:
            refresh = f"rt-{secrets.token_hex(8)}"
            self.refresh_tokens.add(refresh)
            body["refresh_token"] = refresh
        return body


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def app(provider: Provider) -> Starlette:
    async def authorize(request: Request) -> Response:
        query = dict(request.query_params)
        provider.authorize_queries.append(query)
        redirect = query["redirect_uri"]
        if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if provider.decline:
            answer = {"error": "access_denied", "error_description": "The user said no"}
        else:
            code = f"code-{secrets.token_hex(8)}"
            provider.codes[code] = {"challenge": query["code_challenge"], "redirect": redirect}
            answer = {"code": code}
        query_string = urlencode({**answer, "state": query["state"]})
        return RedirectResponse(f"{redirect}?{query_string}", status_code=302)

    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        provider.token_forms.append(form)
        if form.get("client_id") != CLIENT_ID:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in provider.refresh_tokens:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return JSONResponse(provider.issue())
        issued = provider.codes.pop(form.get("code", ""), None)
        if issued is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if issued["redirect"] != form.get("redirect_uri"):
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "redirect_uri differs"},
                status_code=400,
            )
        if s256(form.get("code_verifier", "")) != issued["challenge"]:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "PKCE verification failed"},
                status_code=400,
            )
        return JSONResponse(provider.issue())

    async def notes(request: Request) -> Response:
        sent = request.headers.get("Authorization", "")
        provider.api_calls.append(sent)
        if sent.removeprefix("Bearer ") not in provider.access_tokens:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse([{"id": 1, "text": "buy milk"}])

    return Starlette(
        routes=[
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
            Route("/notes", notes),
        ]
    )


@contextmanager
def authorization_server(provider: Provider) -> Iterator[str]:
    """The server on a free loopback port while in the block; its base URL."""
    with serve_app(app(provider)) as url:
        yield url


def spec(url: str) -> dict[str, Any]:
    """An API whose operations want a user's token from the server at ``url``."""
    flows = {
        "authorizationCode": {
            "authorizationUrl": f"{url}/authorize",
            "tokenUrl": f"{url}/token",
            "scopes": {"notes.read": "Read notes"},
        }
    }
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Notes", "version": "1"},
        "servers": [{"url": url}],
        "components": {"securitySchemes": {"user": {"type": "oauth2", "flows": flows}}},
        "security": [{"user": ["notes.read"]}],
        "paths": {"/notes": {"get": {"operationId": "listNotes", "responses": ok}}},
    }
