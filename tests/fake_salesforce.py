"""A local Salesforce for the tests: OAuth2 token endpoint, REST API and Bulk API 2.0.

Served by uvicorn on a loopback port, it signs in the way Salesforce documents
(``/services/oauth2/token`` with the JWT bearer grant, whose assertion it checks against
the connected app's certificate, the client credentials grant and the refresh token grant)
and answers with an ``instance_url`` on another origin (``localhost`` where the login URL
is ``127.0.0.1``): the REST API answers only there, and only with a token it issued; a
token it has expired gets ``401 [{"errorCode": "INVALID_SESSION_ID"}]``. The data calls
are answered by the sample org (:class:`~workbench.connectors.salesforce.org.SampleOrg`).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jwt
from served import serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from workbench.connectors.salesforce.org import SampleOrg

CLIENT_ID = "3MVG9fake.consumer.key"
CLIENT_SECRET = "fake-consumer-secret-6d1c"
USERNAME = "integration@acme.example"
REFRESH_TOKEN = "5Aep861fake.refresh.token"
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@dataclass
class FakeSalesforce:
    """The fake's state: the app's credentials, the issued tokens, what was asked."""

    public_key: Any
    org: SampleOrg = field(default_factory=lambda: SampleOrg(page_size=5))
    login_url: str = ""
    instance_url: str = ""
    tokens: set[str] = field(default_factory=set)
    grants: list[str] = field(default_factory=list)
    calls: list[tuple[str, str, str, int]] = field(
        default_factory=list
    )  # method, host, path, status
    refuse_every_token: bool = False

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (tokens that timed out)."""
        self.tokens.clear()

    def api_calls(
        self, method: str | None = None, path: str = ""
    ) -> list[tuple[str, str, str, int]]:
        return [
            c
            for c in self.calls
            if c[2] != "/services/oauth2/token"
            and (method is None or c[0] == method)
            and path in c[2]
        ]

    async def token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        grant = str(form.get("grant_type", ""))
        self.grants.append(grant)
        refused = self._refusal(grant, form, request.headers.get("authorization", ""))
        if refused is not None:
            return JSONResponse(
                {"error": refused[0], "error_description": refused[1]}, status_code=400
            )
        token = f"00Dfake!{secrets.token_urlsafe(24)}"
        self.tokens.add(token)
        issued = str(int(time.time() * 1000))
        answer = {
            "access_token": token,
            "instance_url": self.instance_url,
            "id": f"{self.login_url}/id/00Dfake000000001/005D0000001KyEIIA0",
            "token_type": "Bearer",
            "issued_at": issued,
            "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        if grant == "refresh_token":
            answer["scope"] = "api refresh_token"
        return JSONResponse(answer)

    def _refusal(
        self, grant: str, form: dict[str, Any], authorization: str
    ) -> tuple[str, str] | None:
        """Salesforce's OAuth2 error for a bad grant, or None when it is good."""
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                claims = jwt.decode(
                    str(form.get("assertion", "")),
                    self.public_key,
                    algorithms=["RS256"],
                    audience=self.login_url,
                    options={"require": ["iss", "sub", "aud", "exp"]},
                )
            except jwt.InvalidTokenError as exc:
                return "invalid_grant", f"invalid assertion: {exc}"
            if claims["iss"] != CLIENT_ID:
                return "invalid_client_id", "client identifier invalid"
            if claims["sub"] != USERNAME:
                return "invalid_grant", "user hasn't approved this consumer"
            if claims["exp"] - time.time() > 300:
                return "invalid_grant", "expiration is too far in the future"
            return None
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.lower().startswith("basic "):
            pair = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = pair.partition(":")
        if client_id != CLIENT_ID:
            return "invalid_client_id", "client identifier invalid"
        if grant == "client_credentials":
            return (
                None
                if secret == CLIENT_SECRET
                else ("invalid_client", "invalid client credentials")
            )
        if grant == "refresh_token":
            if secret is not None and secret != CLIENT_SECRET:
                return "invalid_client", "invalid client credentials"
            if form.get("refresh_token") != REFRESH_TOKEN:
                return "invalid_grant", "expired access/refresh token"
            return None
        return "unsupported_grant_type", "grant type not supported"

    async def api(self, request: Request) -> Response:
        response = await self._api(request)
        self.calls.append(
            (
                request.method,
                request.headers.get("host", ""),
                request.url.path,
                response.status_code,
            )
        )
        return response

    async def _api(self, request: Request) -> Response:
        if request.url.path == "/services/oauth2/token" and request.method == "POST":
            return await self.token(request)
        if request.headers.get("host") != self.instance_url.split("://", 1)[1]:
            body = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
            return JSONResponse(body, status_code=404)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens or self.refuse_every_token:
            return JSONResponse(INVALID_SESSION, status_code=401)
        raw = await request.body()
        body = json.loads(raw) if raw else None
        path = request.scope["raw_path"].decode("ascii")  # segments as sent, still encoded
        reply = self.org.handle(request.method, path, dict(request.query_params), body)
        return Response(
            reply.content(),
            status_code=reply.status,
            headers=reply.headers,
            media_type=reply.content_type,
        )

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PATCH", "DELETE", "PUT"]
        return Starlette(routes=[Route("/{path:path}", self.api, methods=methods)])


@contextmanager
def serve_fake(public_key: Any) -> Iterator[FakeSalesforce]:
    """The fake, served; its login URL on 127.0.0.1, its instance on localhost."""
    fake = FakeSalesforce(public_key)
    with serve_app(fake.app()) as url:
        fake.login_url = url
        fake.instance_url = url.replace("127.0.0.1", "localhost")
        yield fake
