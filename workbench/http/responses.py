"""HTTP responses as action results: parsed bodies, masked details, status errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from workbench.errors import ActionError, ConnectionFailedError
from workbench.http.masking import looks_secret, safe_body, safe_url
from workbench.redaction import MASK, redact

ERROR_BODY_CHARS = 200
REQUEST_BODY_CHARS = 10_000
"""Characters of a request's body kept in ``Result.raw``."""


class HttpStatusError(ActionError):
    """The service answered an action with a status outside 2xx.

    ``status`` holds the status and ``headers`` the response headers; the message and the
    headers are masked here, whoever raises it.

    Example:
        >>> from workbench.redaction import register_secret
        >>> register_secret("echoed/key")
        >>> err = HttpStatusError("denied echoed%2Fkey", 401, {"X-Echo": "echoed%2fkey"})
        >>> str(err), err.headers
        ('denied ***', {'X-Echo': '***'})
    """

    def __init__(self, message: str, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(redact(message))
        self.status = status
        self.headers = safe_headers(headers)


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The JSON object a response carries (read now if it was streamed), None for any other
    body: what a connector looks into for a service's own error code.

    Example:
        >>> json_object(httpx.Response(400, json={"ok": False, "error": "not_authed"}))
        {'ok': False, 'error': 'not_authed'}
        >>> json_object(httpx.Response(502, text="<html>bad gateway</html>")) is None
        True
    """
    if "json" not in response.headers.get("content-type", ""):
        return None
    response.read()
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def parse_body(response: httpx.Response) -> Any:
    """JSON as Python objects; text for text-like media; bytes otherwise; None when empty.

    Example:
        >>> parse_body(httpx.Response(200, json={"a": 1})), parse_body(httpx.Response(204))
        ({'a': 1}, None)
    """
    if not response.content:
        return None
    content_type = response.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    if kind.endswith("json"):
        try:
            return response.json()
        except ValueError:  # declared as JSON, but is not
            return response.text
    textual = kind.startswith("text/") or kind.endswith(("xml", "javascript", "csv", "yaml"))
    if textual or not kind or "charset" in content_type:
        return response.text
    return response.content


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as a plain dict, secret-looking values masked and known secrets redacted.

    Example:
        >>> safe_headers({"Content-Type": "application/json", "Set-Cookie": "s=1"})
        {'Content-Type': 'application/json', 'Set-Cookie': '***'}
    """
    return {name: MASK if looks_secret(name) else redact(value) for name, value in headers.items()}


def details(response: httpx.Response) -> dict[str, Any]:
    """What ``Result.raw`` holds for an HTTP action: method, status, URL and headers, and the
    request that was sent (its headers and body), all masked.

    Example:
        >>> request = httpx.Request("POST", "https://api.example.com/x", json={"a": 1},
        ...                         headers={"Authorization": "Bearer t0k"})
        >>> sent = details(httpx.Response(201, request=request))["request"]
        >>> sent["headers"]["authorization"], sent["body"]
        ('***', '{"a":1}')
    """
    request = response.request
    return {
        "method": request.method,
        "status": response.status_code,
        "url": safe_url(request.url),
        "headers": safe_headers(response.headers),
        "request": {"headers": safe_headers(request.headers), "body": _sent_body(request)},
    }


def _sent_body(request: httpx.Request) -> str | None:
    """The request's body as masked text (cut short), None when there was none."""
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed body, never held in memory
        return "(a streamed body)"
    if not content:
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:  # binary: an upload, an image
        return f"({len(content):,} bytes of {request.headers.get('content-type', 'binary data')})"
    text = safe_body(text, request.headers.get("content-type", ""))
    if len(text) > REQUEST_BODY_CHARS:
        text = text[:REQUEST_BODY_CHARS] + f"… ({len(content):,} bytes)"
    return text


def check_status(response: httpx.Response, label: str) -> None:
    """Raise :class:`HttpStatusError` for a status outside 2xx, with a short, redacted body.

    Example:
        >>> request = httpx.Request("GET", "https://api.example.com/x")
        >>> check_status(httpx.Response(404, text="gone", request=request), "api.get")
        Traceback (most recent call last):
        ...
        workbench.http.responses.HttpStatusError: api.get: GET https://api.example.com/x returned HTTP 404 Not Found: gone
    """  # noqa: E501
    if response.is_success:
        return
    body = redact(response.text.strip())[:ERROR_BODY_CHARS]
    raise HttpStatusError(
        f"{label}: {response.request.method} {safe_url(response.request.url)} returned "
        f"HTTP {response.status_code} {response.reason_phrase}: {body}",
        response.status_code,
        safe_headers(response.headers),
    )


def send(
    client: httpx.Client,
    request: httpx.Request,
    label: str,
    *,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """Send ``request``; a server that cannot be reached raises ConnectionFailedError.

    The message names the action (``label``), the URL with secrets masked and the reason.
    """
    try:
        if auth is None:
            return client.send(request)
        return client.send(request, auth=auth)
    except httpx.TransportError as exc:
        if isinstance(exc, httpx.TimeoutException):
            timeout = request.extensions.get("timeout", {}).get("read")
            within = f" within {timeout:g} s" if isinstance(timeout, int | float) else ""
            reason = f"no answer{within} ({type(exc).__name__})"
        else:
            reason = str(exc) or type(exc).__name__
        raise ConnectionFailedError(
            redact(f"{label}: cannot reach {safe_url(request.url)}: {reason}")
        ) from None


SANDBOX_HEADER = "X-Workbench-Sandbox"
"""The header the sandbox sets on every answer it makes up."""


def from_sandbox(response: httpx.Response) -> bool:
    """Whether ``response`` was made up by the sandbox.

    Example:
        >>> import httpx
        >>> from_sandbox(httpx.Response(200, headers={SANDBOX_HEADER: "true"})), from_sandbox(httpx.Response(200))
        (True, False)
    """  # noqa: E501
    return SANDBOX_HEADER in response.headers
