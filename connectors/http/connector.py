"""The http connector: any REST API, with JSON responses as Results."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.connectors.http.body import select_records
from workbench.connectors.http.config import HttpConfig
from workbench.sdk import Result, action, register_secret
from workbench.sdk.errors import ActionArgumentError, ConnectionFailedError
from workbench.sdk.http import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    HttpConnector,
    RetryPolicy,
    build_client,
    check_headers,
    check_status,
    check_value,
    details,
    looks_secret,
    parse_body,
    safe_url,
    send,
)

if TYPE_CHECKING:
    import httpx


_COMMON_ARGS = """
    path: URL path relative to base_url (or a full URL)
    params: query parameters
    headers: extra headers for this request
    records: dotted path to the list of records in the JSON body, such as ``data.items``"""
_BODY_ARGS = """
    json: a JSON body (any JSON-serialisable value)
    data: a form body (fields and values)"""


def _without_body(method: str) -> Any:
    """An action sending ``method`` with no request body (GET, DELETE)."""

    def send(
        self: Http,
        path: str = "",
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        records: str | None = None,
    ) -> Result:
        return self._call(method, path, params=params, headers=headers, records=records)

    return _as_action(send, method, _COMMON_ARGS)


def _with_body(method: str) -> Any:
    """An action sending ``method`` with a JSON or form body (POST, PUT, PATCH)."""

    def send(
        self: Http,
        path: str = "",
        json: Any = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        records: str | None = None,
    ) -> Result:
        return self._call(
            method, path, json=json, data=data, params=params, headers=headers, records=records
        )

    return _as_action(send, method, _COMMON_ARGS + _BODY_ARGS)


def _as_action(send: Callable[..., Result], method: str, args: str) -> Any:
    send.__name__ = method.lower()
    send.__qualname__ = f"Http.{send.__name__}"
    send.__doc__ = (
        f"Send a {method} request; return the JSON body (or the text when it is not JSON).\n\n"
        f"Args:{args}\n"
    )
    return action(send)


class Http(HttpConnector):
    """Any REST API over HTTP: JSON responses as DataFrames, with bearer, basic or key auth.

    Paths are relative to ``base_url``. ``records="data.items"`` picks the list of records
    in a nested JSON body; ``.raw`` holds the status, URL and response headers, with
    secrets masked. A connection in workbench.toml::

        [connections.github]
        connector = "http"
        base_url = "https://api.github.com"
        token = { secret = "github/token" }     # auth "bearer", inferred from the token

    Example:
        >>> from workbench.connectors.http import Http, HttpConfig
        >>> api = Http(HttpConfig(base_url="https://api.github.com"), connection="github")
        >>> sorted(api.action_specs)
        ['delete', 'get', 'patch', 'post', 'put']
        >>> repos = api.get("orgs/python/repos", params={"per_page": 5})  # doctest: +SKIP
        >>> repos.df[["name", "owner.login"]].shape  # doctest: +SKIP
        (5, 2)
        >>> api.close()
    """

    name = "http"
    title = "HTTP / REST"
    category = "api"
    auth_kinds = ("none", "bearer", "basic", "header")
    config_model = HttpConfig
    config: HttpConfig

    get = _without_body("GET")
    delete = _without_body("DELETE")
    post = _with_body("POST")
    put = _with_body("PUT")
    patch = _with_body("PATCH")

    def check(self) -> str:
        """GET ``base_url``: ``HTTP <status> from <url>`` when the server answers.

        401 and 403 (credentials refused), a 5xx, and a server that cannot be reached
        raise :class:`ConnectionFailedError`.
        """
        if not self.config.base_url:
            raise ConnectionFailedError(f"{self.connection}: no base_url is set; nothing to check")
        return self.check_url(self.config.base_url)

    def build_http_client(self) -> httpx.Client:
        """The connection's client: its auth and secret headers go to base_url's origin only."""
        config = self.config
        policy = RetryPolicy(max_attempts=config.max_attempts, budget=config.time_budget)
        return build_client(
            config.base_url,
            headers=_register_secrets(config.headers),
            auth=self._auth(),
            timeout=config.timeout,
            verify=config.verify,
            retry=policy,
            connection=self.connection,
            max_response_bytes=config.max_response_bytes,
        )

    def _auth(self) -> httpx.Auth | None:
        config = self.config
        kind = config.auth_kind
        if kind == "bearer" and config.token is not None:
            token = config.token.get_secret_value()
            check_value(token, f"{self.connection}: the field 'token'")
            return BearerAuth(token)
        if kind == "basic" and config.password is not None:
            username, password = config.username or "", config.password.get_secret_value()
            pair = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
            register_secret(f"Basic {pair}")  # the whole header value, masked where echoed
            return BasicAuth(username, password)
        if kind == "header" and config.api_key is not None:
            key = config.api_key.get_secret_value()
            check_value(key, f"{self.connection}: the field 'api_key'")
            return ApiKeyAuth(config.api_key_header, key)
        return None

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Send one request; unreachable servers raise :class:`ConnectionFailedError`."""
        import httpx

        label = f"{self.connection}.{method.lower()}"
        scheme = httpx.URL(path).scheme or httpx.URL(self.config.base_url).scheme
        if scheme not in ("http", "https"):
            raise ActionArgumentError(
                f"{self.connection}: {method} {safe_url(path)}: not an http(s) URL; "
                "set base_url or pass a full URL"
            )
        headers = dict(_register_secrets(options.pop("headers", None)))
        check_headers(headers, label, "argument headers")
        keyed = any(name.lower() == "idempotency-key" for name in headers)
        if self.config.idempotency_keys and method in ("POST", "PATCH") and not keyed:
            headers["Idempotency-Key"] = str(uuid.uuid4())  # the same on every retry
        client = self.http()
        request = client.build_request(method, path, headers=headers, **options)
        return send(client, request, self.connection)

    def _call(self, method: str, path: str, *, records: str | None, **options: Any) -> Result:
        label = f"{self.connection}.{method.lower()}"
        response = self._send(method, path, **options)
        check_status(response, label)
        data = parse_body(response)
        if records:
            try:
                data = select_records(data, records)
            except LookupError as exc:
                raise ActionArgumentError(f"{label}: records={records!r}: {exc}") from None
        return Result(data, raw=details(response))


def _register_secrets(headers: dict[str, str] | None) -> dict[str, str]:
    """Register the values of secret-looking headers for redaction; return the headers."""
    for name, value in (headers or {}).items():
        if looks_secret(name):
            register_secret(value)
    return headers or {}
