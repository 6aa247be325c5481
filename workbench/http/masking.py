"""Secrets out of URLs: masked query parameters, passwords and known secret values.

Which parameter and header names hold a secret is :func:`workbench.redaction.looks_secret`
(re-exported here for the HTTP layer).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import httpx

from workbench.redaction import MASK, looks_secret, redact

__all__ = ["looks_secret", "safe_url"]


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
