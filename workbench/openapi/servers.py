"""``servers`` as base URLs: variables replaced by their defaults, relative ones resolved."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from workbench.errors import SpecError
from workbench.openapi import shape
from workbench.openapi.parameters import SpecWarning

_VARIABLE = re.compile(r"\{([^{}]+)\}")
# A first segment that names a host: ``api.example.com``, ``localhost:8080``, ``10.0.0.1``.
_HOST = re.compile(
    r"(?:localhost|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}|\d+(?:\.\d+){3})(?::\d+)?(?:/|$)", re.I
)


def server_urls(raw: Any, source: str, pointer: str, base: str | None = None) -> tuple[str, ...]:
    """The URLs of a ``servers`` list, without a trailing slash.

    A relative URL is resolved against ``base`` when that is an http(s) URL (the spec was
    loaded from one), and kept as written otherwise (a live call then asks for a base URL).
    A URL without a scheme that starts with a host (``//api.example.com/v1`` with no
    ``base``, ``api.example.com/v1``) gets ``https://``, with a :class:`SpecWarning`.

    Example:
        >>> servers = [{"url": "https://{region}.example.com/v1/",
        ...             "variables": {"region": {"default": "eu"}}}, {"url": "/v2"}]
        >>> server_urls(servers, "s.json", "#/servers")
        ('https://eu.example.com/v1', '/v2')
        >>> server_urls(servers[1:], "s.json", "#/servers", "https://example.com/specs/s.json")
        ('https://example.com/v2',)
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     server_urls([{"url": "api.example.com/v1"}], "s.json", "#/servers")
        ('https://api.example.com/v1',)
        >>> print(caught[0].message)
        s.json: #/servers/0/url: 'api.example.com/v1' has no scheme; read as https://api.example.com/v1
    """
    if raw is None:
        return ()
    urls: list[str] = []
    for index, item in enumerate(shape.sequence(raw, source, pointer)):
        where = f"{pointer}/{index}"
        server = shape.mapping(item, source, where)
        url = shape.text(server.get("url"), source, f"{where}/url")
        variables = server.get("variables") or {}
        if isinstance(variables, Mapping):
            url = _VARIABLE.sub(functools.partial(_default, variables), url)
        url = _with_scheme(url, base, source, f"{where}/url")
        try:
            url = absolute(url, base)
            urlsplit(url).port  # noqa: B018 - a malformed host or port raises here
        except ValueError as exc:
            raise SpecError(
                f"not a URL ({exc}): {url[:100]!r}", source=source, pointer=f"{where}/url"
            ) from None
        if url not in urls:
            urls.append(url)
    return tuple(urls)


def absolute(url: str, base: str | None) -> str:
    """``url`` resolved against an http(s) ``base``, trailing slash removed (``/`` kept).

    Example:
        >>> absolute("api/", "https://example.com/docs/spec.yaml"), absolute("/", None)
        ('https://example.com/docs/api', '/')
    """
    if not urlsplit(url).scheme and base and base.startswith(("http://", "https://")):
        url = urljoin(base, url)
    return url.rstrip("/") or url


def _with_scheme(url: str, base: str | None, source: str, pointer: str) -> str:
    """``https://`` + ``url`` where it names a host but no scheme (warned about)."""
    if "://" in url or (url.startswith("/") and not url.startswith("//")):
        return url
    if url.startswith("//"):
        if base and base.startswith(("http://", "https://")):
            return url  # a network-path reference: the scheme of the spec's own URL
        fixed = "https:" + url
    elif _HOST.match(url):
        fixed = "https://" + url
    else:
        return url  # a relative path (or another scheme), resolved or kept as written
    message = f"{source}: {pointer}: {url!r} has no scheme; read as {fixed.rstrip('/')}"
    warnings.warn(message, SpecWarning, stacklevel=4)
    return fixed


def _default(variables: Mapping[str, Any], match: re.Match[str]) -> str:
    variable = variables.get(match.group(1))
    if isinstance(variable, Mapping) and variable.get("default") is not None:
        return str(variable["default"])
    return match.group(0)
