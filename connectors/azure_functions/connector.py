"""The Azure Functions connector: call an HTTP-triggered function, JSON in and out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from workbench.connectors.azure_functions.config import AzureFunctionsConfig
from workbench.sdk import Result, action
from workbench.sdk.errors import ActionArgumentError, ConnectionFailedError
from workbench.sdk.http import (
    ApiKeyAuth,
    HttpConnector,
    HttpStatusError,
    RetryPolicy,
    build_client,
    check_status,
    check_value,
    details,
    parse_body,
    safe_url,
    send,
)

if TYPE_CHECKING:
    import httpx

KEY_HEADER = "x-functions-key"
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class AzureFunctions(HttpConnector):
    """Call HTTP-triggered Azure Functions with a function key; JSON answers as DataFrames.

    ``call("orders", {"since": "2026-01-01"})`` POSTs the payload as JSON to
    ``BASE_URL/api/orders`` with the key in ``x-functions-key``; the JSON answer comes
    back as data (a list of records as a DataFrame). Requests go through Workbench's HTTP
    client: retries on 429 and 502-504, call history, secrets masked. A connection::

        [connections.orders_app]
        connector = "azure_functions"
        base_url = "https://orders-app.azurewebsites.net"
        function_key = { secret = "orders-app/key" }

    Example:
        >>> from workbench.connectors.azure_functions import AzureFunctions, AzureFunctionsConfig
        >>> app = AzureFunctions(AzureFunctionsConfig(
        ...     base_url="https://orders-app.azurewebsites.net"), connection="orders_app")
        >>> sorted(app.action_specs)
        ['call']
        >>> app.call("orders", {"status": "shipped"}).df  # doctest: +SKIP
        >>> app.close()
    """

    name = "azure_functions"
    title = "Azure Functions"
    category = "cloud"
    auth_kinds = ("function_key",)
    config_model = AzureFunctionsConfig
    config: AzureFunctionsConfig

    def build_http_client(self) -> httpx.Client:
        """The connection's client: the key goes to base_url's origin only."""
        config = self.config
        auth = None
        if config.function_key is not None:
            key = config.function_key.get_secret_value()
            check_value(key, f"{self.connection}: the field 'function_key'")
            auth = ApiKeyAuth(KEY_HEADER, key)
        return build_client(
            config.base_url,
            auth=auth,
            timeout=config.timeout,
            verify=config.verify,
            retry=RetryPolicy(max_attempts=config.max_attempts, budget=config.time_budget),
            connection=self.connection,
            max_response_bytes=config.max_response_bytes,
        )

    def check(self) -> str:
        """GET the function app's root: ``HTTP <status> from <url>`` when it answers."""
        return self.check_url(self.config.base_url)

    @action
    def call(
        self,
        function: str,
        payload: Any = None,
        method: Method = "POST",
        params: dict[str, Any] | None = None,
    ) -> Result:
        """Call an HTTP-triggered function; returns its JSON answer (or its text).

        Args:
            function: the function's route, e.g. ``orders`` or ``orders/42``
                (after the route prefix)
            payload: the body: JSON-serialisable data, a DataFrame (sent as records),
                str (sent as text) or bytes
            method: the HTTP method
            params: query parameters
        """
        label = f"{self.connection}.call"
        url = self.config.function_url(_route(label, function))
        content, kind = encode(label, payload)
        headers = {"Content-Type": kind} if kind else {}
        client = self.http()
        request = client.build_request(method, url, content=content, params=params, headers=headers)
        response = send(client, request, label)
        shown = safe_url(response.request.url)
        if response.status_code in (401, 403):
            key = "the function key" if self.config.function_key else "a call without a key"
            raise ConnectionFailedError(
                f"{label}: function {function!r} at {shown} refused {key} "
                f"(HTTP {response.status_code})"
            )
        if response.status_code == 404:
            raise HttpStatusError(
                f"{label}: no function {function!r} at {shown} (HTTP 404)",
                404,
                response.headers,
            )
        check_status(response, label)
        return Result(parse_body(response), raw=details(response))


def _route(label: str, function: str) -> str:
    route = function.strip().strip("/")
    if not route or "://" in route or any(part in (".", "..") for part in route.split("/")):
        raise ActionArgumentError(
            f"{label}: function must be a function route such as 'orders' or 'orders/42', "
            f"got {function!r}"
        )
    return route


def encode(label: str, payload: Any) -> tuple[bytes | None, str | None]:
    """A request body and its content type: JSON, a DataFrame as records, text or bytes.

    Example:
        >>> encode("app.call", {"id": 7})
        (b'{"id": 7}', 'application/json')
        >>> encode("app.call", None)
        (None, None)
    """
    if payload is None:
        return None, None
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload), "application/octet-stream"
    if isinstance(payload, str):
        return payload.encode("utf-8"), "text/plain; charset=utf-8"
    if isinstance(payload, Result):
        payload = payload.df
    if type(payload).__name__ == "DataFrame":
        text = str(payload.to_json(orient="records", date_format="iso"))
        return text.encode("utf-8"), "application/json"
    try:
        text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ActionArgumentError(
            f"{label}: payload must be JSON-serialisable, a DataFrame, str or bytes; "
            f"got {type(payload).__name__} ({exc})"
        ) from None
    return text.encode("utf-8"), "application/json"
