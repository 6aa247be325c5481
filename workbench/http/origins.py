"""Credentials stay with their connection's origin.

The origin of a URL is its scheme, host and port (RFC 6454); a client from
:func:`~workbench.http.build_client` has the origin of its base URL. A request to another
origin (an absolute URL given as a path, a pagination next link or ``Link`` header, a
redirect) goes *without* the connection's credentials; it is not refused:

* the client's auth (bearer, basic, API key in a header, query or cookie, the OAuth2 and
  JWT bearer grants) runs only for requests to its origin (:class:`OriginBoundAuth`), so no
  token is even fetched for another one;
* :class:`OriginGuard`, the transport next to the network, removes from a request to
  another origin the connection's credential headers (secret-looking names, or values
  holding a registered secret, among the client's headers, while unchanged) and whatever
  the auth added to the request it came from (a next page copies its headers, a redirect
  keeps them): those headers by name, query parameters by value;
* headers given for one request are the caller's own and go where the caller sends them
  (httpx drops their ``Authorization`` when a redirect leaves the origin);
* a request may name one more origin of its own in the ``workbench.origin`` extension (an
  OpenAPI operation's own server, an OAuth2 token URL), which its credentials may go to;
* an OAuth2 token request redirected to another origin is refused with
  :class:`~workbench.errors.ConnectionFailedError`, as its body holds client credentials.

Example:
    >>> origin_of("https://API.example.com/v1"), origin_of("http://127.0.0.1:8080/x")
    (('https', 'api.example.com', 443), ('http', '127.0.0.1', 8080))
    >>> origin_of("/relative") is None
    True
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import httpx

from workbench.errors import ConnectionFailedError
from workbench.http.headers import check_header, raw_problem
from workbench.http.masking import safe_url
from workbench.http.tokens import TOKEN_REQUEST
from workbench.redaction import looks_secret, redact

Origin = tuple[str, str, int]

ORIGIN = "workbench.origin"
"""The request extension naming one more origin (a URL) the request's credentials may go to."""

CREDENTIALS = "workbench.credentials"
"""The request extension listing what the connection's auth added (a :class:`Added`)."""

_PORTS = {"http": 80, "https": 443}
_CARRIED = frozenset({CREDENTIALS, TOKEN_REQUEST})  # extensions of requests with credentials


def origin_of(url: httpx.URL | str | None) -> Origin | None:
    """``(scheme, host, port)`` of an absolute URL, the default port filled in; else None."""
    if not url:
        return None
    if isinstance(url, str):
        return _text_origin(url)
    return _url_origin(url)


@lru_cache(maxsize=256)
def _text_origin(url: str) -> Origin | None:
    return _url_origin(httpx.URL(url))


def _url_origin(parsed: httpx.URL) -> Origin | None:
    scheme, host = parsed.scheme.lower(), parsed.host.lower()
    if not scheme or not host:
        return None
    return (scheme, host, parsed.port or _PORTS.get(scheme, 0))


def at_home(request: httpx.Request, home: Origin | None) -> bool:
    """Whether ``request`` goes to ``home`` or to the origin the request itself names.

    Example:
        >>> home = origin_of("https://api.example.com")
        >>> at_home(httpx.Request("GET", "https://api.example.com:443/a"), home)
        True
        >>> at_home(httpx.Request("GET", "https://cdn.example.com/a"), home)
        False
    """
    target = origin_of(request.url)
    if target is None:
        return False
    return target == home or target == origin_of(request.extensions.get(ORIGIN))


@dataclass
class Added:
    """The credentials an auth flow put on a request: header names, query pairs."""

    headers: set[str] = field(default_factory=set)
    params: set[tuple[str, str]] = field(default_factory=set)


def credential_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """The headers among ``headers`` that carry a credential (by name or known value).

    Example:
        >>> credential_headers({"X-Team": "ops", "X-API-Key": "k-1", "Accept": "*/*"})
        {'X-API-Key': 'k-1'}
    """
    return {
        name: value
        for name, value in (headers or {}).items()
        if looks_secret(name) or redact(value) != value
    }


class OriginBoundAuth(httpx.Auth):
    """Run ``auth`` only for requests to ``home``; others are sent as they are.

    What the auth adds to a request is noted in its ``workbench.credentials`` extension,
    for :class:`OriginGuard` to take off again where the request (a copy of it for the
    next page, a redirect) goes to another origin.

    Example:
        >>> from workbench.http.auth import BearerAuth
        >>> auth = OriginBoundAuth(BearerAuth("tok-123456"), origin_of("https://a.example"))
        >>> echo = httpx.MockTransport(lambda r: httpx.Response(200, text=str(r.headers.get(
        ...     "Authorization"))))
        >>> client = httpx.Client(transport=echo, auth=auth)
        >>> client.get("https://a.example/me").text, client.get("https://b.example/me").text
        ('Bearer tok-123456', 'None')
    """

    def __init__(self, auth: httpx.Auth, home: Origin | None) -> None:
        self.auth, self.home = auth, home

    def __repr__(self) -> str:
        return f"OriginBoundAuth({self.auth!r})"

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        if not at_home(request, self.home):
            yield request
            return
        before = _snapshot(request)
        flow = self.auth.sync_auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                if outgoing is request:
                    _note(request, before)
                response = yield outgoing
                outgoing = flow.send(response)
        except StopIteration:
            return
        finally:
            flow.close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not at_home(request, self.home):
            yield request
            return
        before = _snapshot(request)
        flow = self.auth.async_auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                if outgoing is request:
                    _note(request, before)
                response = yield outgoing
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        finally:
            await flow.aclose()


def bind_auth(auth: Any, home: Origin | None) -> Any:
    """``auth`` (an httpx auth, a ``(user, password)`` pair or a callable) bound to ``home``.

    None and already bound auths are returned as they are.
    """
    if auth is None or isinstance(auth, OriginBoundAuth) or not _is_auth(auth):
        return auth
    if isinstance(auth, tuple):
        auth = httpx.BasicAuth(*auth)
    elif not isinstance(auth, httpx.Auth):
        auth = _FunctionAuth(auth)
    return OriginBoundAuth(auth, home)


def _is_auth(auth: Any) -> bool:
    return isinstance(auth, httpx.Auth | tuple) or callable(auth)


class _FunctionAuth(httpx.Auth):
    """A callable that changes the request, as httpx accepts for ``auth``."""

    def __init__(self, function: Callable[[httpx.Request], httpx.Request]) -> None:
        self.function = function

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self.function(request)


def _snapshot(request: httpx.Request) -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    return headers, set(request.url.params.multi_items())


def _note(
    request: httpx.Request, before: tuple[dict[str, list[str]], set[tuple[str, str]]]
) -> None:
    """Record in the request what the auth added since ``before``."""
    headers, params = _snapshot(request)
    added = request.extensions.get(CREDENTIALS)
    if not isinstance(added, Added):
        added = request.extensions[CREDENTIALS] = Added()
    added.headers.update(name for name, values in headers.items() if values != before[0].get(name))
    added.params.update(params - before[1])


def screen(request: httpx.Request, home: Origin | None, defaults: Mapping[str, str]) -> None:
    """Check the request's headers; take the connection's credentials off it when it goes
    to another origin (see the module's rules).

    Example:
        >>> request = httpx.Request("GET", "https://cdn.example.com/f",
        ...                         headers={"X-API-Key": "k-123456", "X-Team": "ops"})
        >>> screen(request, origin_of("https://api.example.com"), {"X-API-Key": "k-123456"})
        >>> sorted(request.headers)
        ['host', 'x-team']
    """
    if raw_problem(request.headers.raw):
        for raw_name, raw_value in request.headers.raw:
            check_header(raw_name.decode("latin-1"), raw_value, safe_url(request.url))
    if not (defaults or _CARRIED & request.extensions.keys()) or at_home(request, home):
        return  # nothing of the connection's on it, or it goes to the connection's origin
    if request.extensions.get(TOKEN_REQUEST):
        raise ConnectionFailedError(
            f"the OAuth2 token request was sent on to another origin ({safe_url(request.url)}); "
            "refused, as it carries the client's credentials"
        )
    for name, value in defaults.items():
        if request.headers.get(name) == value:
            del request.headers[name]
    added = request.extensions.get(CREDENTIALS)
    if isinstance(added, Added):
        for added_name in added.headers:
            request.headers.pop(added_name, None)
        kept = [pair for pair in request.url.params.multi_items() if pair not in added.params]
        if len(kept) < len(request.url.params.multi_items()):
            request.url = request.url.copy_with(params=kept)


class OriginGuard(httpx.BaseTransport):
    """Screen each request (see :func:`screen`) before ``inner`` sends it.

    Example:
        >>> seen = []
        >>> inner = httpx.MockTransport(lambda r: seen.append(r.headers.get("X-Key")) or
        ...                             httpx.Response(204))
        >>> guard = OriginGuard(inner, origin_of("https://a.example"), {"X-Key": "k-123456"})
        >>> with httpx.Client(transport=guard, headers={"X-Key": "k-123456"}) as client:
        ...     _ = client.get("https://a.example/"), client.get("https://b.example/")
        >>> seen
        ['k-123456', None]
    """

    def __init__(
        self, inner: httpx.BaseTransport, home: Origin | None, defaults: Mapping[str, str]
    ) -> None:
        self.inner, self.home, self.defaults = inner, home, dict(defaults)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        screen(request, self.home, self.defaults)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncOriginGuard(httpx.AsyncBaseTransport):
    """The asynchronous :class:`OriginGuard`.

    Example:
        >>> import asyncio
        >>> inner = httpx.MockTransport(lambda r: httpx.Response(200, text=r.url.query.decode()))
        >>> guard = AsyncOriginGuard(inner, origin_of("https://a.example"), {})
        >>> async def main():
        ...     async with httpx.AsyncClient(transport=guard) as client:
        ...         return (await client.get("https://b.example/?page=2")).text
        >>> asyncio.run(main())
        'page=2'
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, home: Origin | None, defaults: Mapping[str, str]
    ) -> None:
        self.inner, self.home, self.defaults = inner, home, dict(defaults)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        screen(request, self.home, self.defaults)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
