"""Secrets out of URLs: masked query parameters, passwords and known secret values."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlencode

import httpx

from workbench.redaction import MASK, redact

# A name is secret when it contains one of these words or ends with one of these endings,
# compared without case and separators ("X-API-Key" -> "xapikey").
_SECRET_WORDS = (
    "token",
    "password",
    "passwd",
    "secret",
    "signature",
    "credential",
    "authorization",
    "cookie",
    "apikey",
    "assertion",
)
_SECRET_ENDINGS = ("key", "sig", "pwd")
_SEPARATORS = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=1024)
def looks_secret(name: str) -> bool:
    """True for query parameter and header names that usually carry a secret.

    Example:
        >>> [looks_secret(n) for n in ("access_token", "X-API-Key", "sig", "page", "limit")]
        [True, True, True, False, False]
    """
    compact = _SEPARATORS.sub("", name.lower())
    return any(word in compact for word in _SECRET_WORDS) or compact.endswith(_SECRET_ENDINGS)


def safe_url(url: httpx.URL | str) -> str:
    """``url`` with secret-looking query values, any password and known secrets masked.

    Example:
        >>> safe_url("https://ada:pw@api.example.com/items?page=2&api_key=abc123")
        'https://ada:***@api.example.com/items?page=2&api_key=***'
    """
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    if parsed.query:
        pairs = parsed.params.multi_items()
        if any(looks_secret(name) for name, _ in pairs):
            masked = [(name, MASK if looks_secret(name) else value) for name, value in pairs]
            parsed = parsed.copy_with(query=urlencode(masked, safe="*").encode())
    if parsed.password:
        userinfo = f"{quote(parsed.username, safe='')}:{MASK}"
        parsed = parsed.copy_with(userinfo=userinfo.encode())
    return redact(str(parsed))
