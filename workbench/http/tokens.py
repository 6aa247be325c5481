"""The shared machinery of OAuth2 auth flows: a cached access token and the token endpoint.

A subclass says which form fields to post to the token endpoint; :class:`OAuth2Flow`
sends them (as a request yielded from the httpx auth flow, so it goes through the
client's transports), caches the token until ``skew`` seconds before ``expires_in``,
and fetches a new one once after a 401. One lock per flow makes concurrent requests
share a single token fetch.
"""

from __future__ import annotations

import asyncio
import threading
import time
from base64 import b64encode
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx

from workbench.errors import ConnectionFailedError
from workbench.http.masking import safe_url
from workbench.redaction import redact, register_secret

TOKEN_REQUEST = "workbench.token_request"  # noqa: S105 - a name, not a secret
"""The request extension that marks a request to a token endpoint."""

Clock = Callable[[], float]


class _Token(NamedTuple):
    value: str
    refresh_at: float | None  # clock time after which it is refreshed; None: only after a 401


class OAuth2Flow(httpx.Auth):
    """Base class: bearer tokens from an OAuth2 token endpoint, cached and refreshed.

    A subclass names its ``grant`` and the form fields to post.

    Example:
        >>> class Password(OAuth2Flow):
        ...     grant = "password"
        ...     def token_fields(self):
        ...         return {"grant_type": "password", "username": "ada", "password": "pw-1234"}
        >>> def idp(request):
        ...     if request.url.path == "/token":
        ...         return httpx.Response(200, json={"access_token": "at-1234", "expires_in": 60})
        ...     return httpx.Response(200, json={"auth": request.headers["Authorization"]})
        >>> client = httpx.Client(transport=httpx.MockTransport(idp))
        >>> auth = Password("https://id.example.com/token")
        >>> client.get("https://api.example.com/me", auth=auth).json()
        {'auth': 'Bearer at-1234'}
    """

    grant = ""

    def __init__(self, token_url: str, *, clock: Clock = time.monotonic, skew: float = 60) -> None:
        self.token_url = token_url
        self._clock = clock
        self._skew = skew
        self._token: _Token | None = None
        self._lock = threading.RLock()
        self._async_lock: asyncio.Lock | None = None
        self._async_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token_url={safe_url(self.token_url)!r})"

    # -- what subclasses provide -------------------------------------------------------

    def token_fields(self) -> dict[str, str]:
        """The form fields posted to the token endpoint (grant type and credentials)."""
        raise NotImplementedError

    def token_headers(self) -> dict[str, str]:
        """Extra headers for the token request (such as HTTP Basic client authentication)."""
        return {}

    def accept(self, payload: Mapping[str, Any]) -> None:
        """Called with each successful token response (to pick up a rotated refresh token)."""

    # -- the flow ------------------------------------------------------------------------

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._fresh()
        if token is None:
            token = yield from self._fetch(request)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        current = self._token
        if current is not None and current.value != token:  # another request refreshed it
            token = current.value
        else:
            self._token = None
            token = yield from self._fetch(request)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()  # so the request can be sent again after a 401
        flow = self.auth_flow(request)
        response: httpx.Response | None = None
        while True:
            with self._lock:  # decisions and token fetches happen one request at a time
                try:
                    outgoing = next(flow) if response is None else flow.send(response)
                except StopIteration:
                    return
                while outgoing.extensions.get(TOKEN_REQUEST):
                    answer = yield outgoing
                    answer.read()
                    outgoing = flow.send(answer)
            response = yield outgoing

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        loop = asyncio.get_running_loop()
        if self._async_lock is None or self._async_loop is not loop:  # one lock per event loop
            self._async_lock, self._async_loop = asyncio.Lock(), loop
        flow = self.auth_flow(request)
        response: httpx.Response | None = None
        while True:
            async with self._async_lock:
                try:
                    outgoing = next(flow) if response is None else flow.send(response)
                except StopIteration:
                    return
                while outgoing.extensions.get(TOKEN_REQUEST):
                    answer = yield outgoing
                    await answer.aread()
                    outgoing = flow.send(answer)
            response = yield outgoing

    def request_token(self, client: httpx.Client) -> str:
        """Fetch an access token now, through ``client`` (outside any request's auth flow).

        A transport failure is a ConnectionFailedError naming the token endpoint.
        """
        with self._lock:
            flow = self._fetch(httpx.Request("POST", self.token_url))
            request = next(flow)
            try:
                response = client.send(request)
            except httpx.TransportError as exc:
                raise ConnectionFailedError(
                    redact(
                        f"OAuth2 {self.grant} grant: cannot reach {safe_url(self.token_url)}: "
                        f"{type(exc).__name__}: {exc}"
                    )
                ) from None
            try:
                flow.send(response)
            except StopIteration as done:
                return str(done.value)
            raise RuntimeError("the token flow asked for a second request")  # pragma: no cover

    def _fresh(self) -> str | None:
        token = self._token
        if token is None:
            return None
        if token.refresh_at is not None and self._clock() >= token.refresh_at:
            return None
        return token.value

    def _fetch(self, trigger: httpx.Request) -> Generator[httpx.Request, httpx.Response, str]:
        """Yield a token request; parse and cache its answer; return the access token."""
        from workbench.http.origins import ORIGIN

        # The token URL is where the client credentials may go, whatever the API's origin.
        extensions: dict[str, Any] = {TOKEN_REQUEST: True, ORIGIN: self.token_url}
        if "timeout" in trigger.extensions:
            extensions["timeout"] = trigger.extensions["timeout"]
        headers = {"Accept": "application/json", **self.token_headers()}
        token_request = httpx.Request(
            "POST", self.token_url, data=self.token_fields(), headers=headers, extensions=extensions
        )
        response = yield token_request
        payload = self._payload(response)
        value = str(payload["access_token"])
        register_secret(value)
        self._token = _Token(value, self._refresh_at(payload.get("expires_in")))
        self.accept(payload)
        return value

    def _payload(self, response: httpx.Response) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            payload = {}
        token = payload.get("access_token")
        if response.is_success and isinstance(token, str) and token:
            return payload
        code = payload.get("error") or ("no access_token" if response.is_success else "no error")
        described = payload.get("error_description")
        detail = f"{code} ({described})" if described else str(code)
        raise ConnectionFailedError(
            redact(
                f"OAuth2 {self.grant} grant failed at {safe_url(self.token_url)}: "
                f"HTTP {response.status_code}: {detail}"
            )
        )

    def _refresh_at(self, expires_in: Any) -> float | None:
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            return None
        # Refresh `skew` seconds early, but never before half the token's life.
        return self._clock() + max(lifetime - self._skew, lifetime / 2)


def basic_client_auth(client_id: str, client_secret: str) -> dict[str, str]:
    """The RFC 6749 ``client_secret_basic`` header (its value registered as a secret).

    Example:
        >>> basic_client_auth("app", "s3cret")
        {'Authorization': 'Basic YXBwOnMzY3JldA=='}
    """
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    encoded = b64encode(pair.encode()).decode("ascii")
    register_secret(encoded)
    return {"Authorization": f"Basic {encoded}"}
