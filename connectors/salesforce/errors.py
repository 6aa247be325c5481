"""Salesforce's error answers as :class:`SalesforceError`, naming Salesforce's error code.

The REST API answers a failure with a JSON list of errors, each with a ``message`` and an
``errorCode`` (``INVALID_FIELD``, ``NOT_FOUND``, ``INVALID_SESSION_ID``, ...) and sometimes
the ``fields`` concerned; the Bulk API answers the same way.

Example:
    >>> import httpx
    >>> request = httpx.Request("GET", "https://acme.my.salesforce.com/services/data/v62.0/query")
    >>> body = [{"message": "No such column 'Nmae' on entity 'Account'.",
    ...          "errorCode": "INVALID_FIELD"}]
    >>> check_answer(httpx.Response(400, json=body, request=request), "crm.query")
    Traceback (most recent call last):
    ...
    workbench.connectors.salesforce.errors.SalesforceError: crm.query: Salesforce error INVALID_FIELD (HTTP 400): No such column 'Nmae' on entity 'Account'.
"""  # noqa: E501

from __future__ import annotations

import json
from typing import Any

import httpx

from workbench.sdk import redact
from workbench.sdk.errors import ActionError

HINTS = {
    "INVALID_SESSION_ID": "the access token was refused even after a new one was fetched; "
    "check the connected app's policies and the user's access",
    "MALFORMED_QUERY": "the SOQL is not valid",
    "INVALID_TYPE": "no sObject of that name (check its API name, such as Account or My__c)",
    "REQUEST_LIMIT_EXCEEDED": "the org's API request limit is reached; wait and try again",
}


class SalesforceError(ActionError):
    """Salesforce refused a request: ``code`` is its ``errorCode``, ``status`` the HTTP status
    and ``errors`` every error of the answer (``message``, ``errorCode``, ``fields``).

    Example:
        >>> err = SalesforceError("crm.get: Salesforce error NOT_FOUND", code="NOT_FOUND",
        ...                       status=404)
        >>> err.code, err.status
        ('NOT_FOUND', 404)
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.code = code
        self.status = status
        self.errors = errors or []


def error_list(response: httpx.Response) -> list[dict[str, Any]] | None:
    """The errors of a Salesforce error answer, or None when its body is not one.

    Example:
        >>> error_list(httpx.Response(404, json=[{"errorCode": "NOT_FOUND", "message": "x"}]))
        [{'errorCode': 'NOT_FOUND', 'message': 'x'}]
        >>> error_list(httpx.Response(500, text="<html>down</html>")) is None
        True
    """
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None
    if isinstance(body, dict):  # the OAuth2 endpoints and some gateways answer one object
        body = [body]
    if not isinstance(body, list):
        return None
    found = [item for item in body if isinstance(item, dict) and "errorCode" in item]
    return found or None


def check_answer(response: httpx.Response, label: str) -> None:
    """Raise :class:`SalesforceError` for an answer outside 2xx (Salesforce's code named,
    else the HTTP status)."""
    if response.is_success:
        return
    response.read()
    errors = error_list(response)
    status = response.status_code
    if errors is None:
        text = redact(response.text.strip())[:300] or response.reason_phrase
        raise SalesforceError(
            f"{label}: Salesforce answered HTTP {status}: {text}",
            code=f"HTTP_{status}",
            status=status,
        )
    first = errors[0]
    code = str(first.get("errorCode"))
    message = f"{label}: Salesforce error {code} (HTTP {status}): {first.get('message') or ''}"
    fields = first.get("fields")
    if isinstance(fields, list) and fields:
        message += f" (fields: {', '.join(str(f) for f in fields)})"
    hint = HINTS.get(code)
    if hint:
        message += f"; {hint}"
    if len(errors) > 1:
        message += f"; and {len(errors) - 1} more error(s)"
    raise SalesforceError(message.strip(), code=code, status=status, errors=errors)
