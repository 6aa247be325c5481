"""Auth as httpx auth flows: API key, bearer, basic, and the OAuth2 grants.

Every credential given to or obtained by these flows is registered for redaction, and
their reprs show no secret.

Example:
    >>> import httpx
    >>> def echo(request):
    ...     return httpx.Response(200, json={"auth": request.headers.get("Authorization"),
    ...                                      "url": str(request.url)})
    >>> client = httpx.Client(transport=httpx.MockTransport(echo))
    >>> client.get("https://api.example.com/me", auth=BearerAuth("tok-123456")).json()["auth"]
    'Bearer tok-123456'
    >>> key = ApiKeyAuth("api_key", "k-123456", location="query")
    >>> client.get("https://api.example.com/me", auth=key).json()["url"]
    'https://api.example.com/me?api_key=k-123456'
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Literal

import httpx
from httpx import BasicAuth

from workbench.http.headers import check_value
from workbench.http.jwt_bearer import JwtBearerAuth
from workbench.http.oauth2 import ClientCredentialsAuth, RefreshTokenAuth, persist_rotation
from workbench.http.tokens import OAuth2Flow
from workbench.redaction import register_secret

__all__ = [
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "ClientCredentialsAuth",
    "JwtBearerAuth",
    "OAuth2Flow",
    "RefreshTokenAuth",
    "persist_rotation",
]

KeyLocation = Literal["header", "query", "cookie"]


class ApiKeyAuth(httpx.Auth):
    """An API key sent as a header, a query parameter or a cookie named ``name``.

    Example:
        >>> ApiKeyAuth("X-API-Key", "k-123456")
        ApiKeyAuth(name='X-API-Key', location='header')
    """

    def __init__(self, name: str, value: str, location: KeyLocation = "header") -> None:
        if location not in ("header", "query", "cookie"):
            raise ValueError(
                f"ApiKeyAuth location: expected 'header', 'query' or 'cookie', got {location!r}"
            )
        register_secret(value)
        if location != "query":  # a query value is percent-encoded; a header's must be sent as is
            check_value(value, f"API key {name!r}")
        self.name, self.location = name, location
        self._value = value

    def __repr__(self) -> str:
        return f"ApiKeyAuth(name={self.name!r}, location={self.location!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.location == "header":
            request.headers[self.name] = self._value
        elif self.location == "query":
            request.url = request.url.copy_set_param(self.name, self._value)
        else:
            pair = f"{self.name}={self._value}"
            cookies = request.headers.get("Cookie")
            request.headers["Cookie"] = f"{cookies}; {pair}" if cookies else pair
        yield request


class BearerAuth(httpx.Auth):
    """A fixed bearer token: ``Authorization: Bearer <token>``.

    Example:
        >>> BearerAuth("tok-123456")
        BearerAuth()
    """

    def __init__(self, token: str) -> None:
        register_secret(token)
        check_value(token, "bearer token")
        self._header = f"Bearer {token}"
        register_secret(self._header)  # the whole header value is masked where it is echoed

    def __repr__(self) -> str:
        return "BearerAuth()"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request
