"""Masking of secrets in URLs and headers before they reach a result or an error message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from workbench.sdk import redact

MASK = "***"

if TYPE_CHECKING:
    import httpx

# A name is secret when it contains one of these words or ends with one of these endings
# (compared without case, separators removed: "X-API-Key" -> "xapikey").
_SECRET_WORDS = (
    "token",
    "password",
    "passwd",
    "secret",
    "signature",
    "credential",
    "authorization",
    "cookie",
)
_SECRET_ENDINGS = ("key", "sig", "pwd")


def looks_secret(name: str) -> bool:
    """True for query parameter and header names that usually carry a secret.

    Example:
        >>> [looks_secret(n) for n in ("access_token", "X-API-Key", "Set-Cookie", "page")]
        [True, True, True, False]
    """
    compact = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(word in compact for word in _SECRET_WORDS) or compact.endswith(_SECRET_ENDINGS)


def safe_url(url: httpx.URL | str) -> str:
    """``url`` with secret-looking query values, any password and known secrets masked.

    Example:
        >>> safe_url("https://api.example.com/v1/items?page=2&api_key=abc123")
        'https://api.example.com/v1/items?page=2&api_key=***'
    """
    import httpx

    parsed = httpx.URL(url)
    pairs = parsed.params.multi_items()
    if any(looks_secret(name) for name, _ in pairs):
        masked = [(name, MASK if looks_secret(name) else value) for name, value in pairs]
        parsed = parsed.copy_with(query=urlencode(masked, safe="*").encode())
    if parsed.password:
        userinfo = f"{quote(parsed.username, safe='')}:{MASK}"
        parsed = parsed.copy_with(userinfo=userinfo.encode())
    return redact(str(parsed))


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as a plain dict, secret-looking values masked and known secrets redacted."""
    return {name: MASK if looks_secret(name) else redact(value) for name, value in headers.items()}
