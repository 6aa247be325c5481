"""Secrets out of URLs and bodies: masked query parameters and fields, passwords and known
secret values.

Which parameter and header names hold a secret is :func:`workbench.redaction.looks_secret`
(re-exported here for the HTTP layer).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import httpx

from workbench.redaction import MASK, looks_secret, redact

__all__ = ["looks_secret", "safe_body", "safe_url"]


def _secret_parameter(name: str) -> bool:
    """A query parameter holding a secret: a secret-looking name, or a bare ``key`` (the
    API key of Google's and many other APIs)."""
    return looks_secret(name) or name.lower() == "key"


def safe_url(url: httpx.URL | str) -> str:
    """``url`` with secret-looking query values, any password and known secrets masked.

    Example:
        >>> safe_url("https://ada:pw@api.example.com/items?page=2&api_key=abc123")
        'https://ada:***@api.example.com/items?page=2&api_key=***'
    """
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    if parsed.query:
        pairs = parsed.params.multi_items()
        if any(_secret_parameter(name) for name, _ in pairs):
            masked = [(name, MASK if _secret_parameter(name) else value) for name, value in pairs]
            parsed = parsed.copy_with(query=urlencode(masked, safe="*").encode())
    if parsed.password:
        userinfo = f"{quote(parsed.username, safe='')}:{MASK}"
        parsed = parsed.copy_with(userinfo=userinfo.encode())
    return redact(str(parsed))


def safe_body(text: str, content_type: str) -> str:
    """A request body's ``text`` with the values of secret-looking fields masked (in a form
    or JSON body, at any depth) and known secrets masked everywhere.

    Example:
        >>> safe_body("token=xoxb-1-2&text=hi", "application/x-www-form-urlencoded")
        'token=***&text=hi'
        >>> safe_body('{"user": {"password": "pw-1", "name": "ada"}}', "application/json")
        '{"user": {"password": "***", "name": "ada"}}'
    """
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(text, keep_blank_values=True)
        if any(looks_secret(name) for name, _ in pairs):
            masked = [(name, MASK if looks_secret(name) else value) for name, value in pairs]
            text = urlencode(masked, safe="*")
    elif kind.endswith("json"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return redact(text)
        masked = _masked_fields(parsed)
        if masked != parsed:
            text = json.dumps(masked, ensure_ascii=False)
    return redact(text)


def _masked_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: MASK if isinstance(k, str) and looks_secret(k) else _masked_fields(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked_fields(item) for item in value]
    return value
