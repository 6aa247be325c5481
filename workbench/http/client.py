"""Building httpx clients (sync and async) for one connection.

The transport stack, innermost first: the network (or the ``transport`` given, such as
a sandbox), the response size cap, the origin guard, the connection's rate limit,
retries, then the call-history recorder. The proxies named by ``HTTP_PROXY`` /
``HTTPS_PROXY`` / ``NO_PROXY`` get the same stack.

The clients are httpx clients whose credentials stay with the origin of their base URL
(see :mod:`workbench.http.origins`): their auth, and any auth given to ``send``, runs only
for that origin. Connection headers and auth given to a client without a base URL are
refused, as they would have no origin to stay with.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import httpx

from workbench.errors import ConfigError
from workbench.http.headers import check_headers
from workbench.http.limits import (
    DEFAULT_MAX_RESPONSE_BYTES,
    AsyncSizeLimitTransport,
    SizeLimitTransport,
)
from workbench.http.origins import (
    AsyncOriginGuard,
    Origin,
    OriginGuard,
    bind_auth,
    credential_headers,
    origin_of,
)
from workbench.http.ratelimit import (
    AsyncRateLimitTransport,
    RateLimitTransport,
    TokenBucket,
    bucket_for,
)
from workbench.http.recording import AsyncRecordingTransport, RecordingTransport
from workbench.http.retry import BUFFERED, AsyncRetryTransport, RetryPolicy, RetryTransport

USER_AGENT = "workbench/0.1"
DEFAULT_RETRY = RetryPolicy()

AuthArg = httpx.Auth | tuple[str, str] | None
T = TypeVar("T", httpx.BaseTransport, httpx.AsyncBaseTransport)


class Client(httpx.Client):
    """An httpx client whose auth runs only for the origin of its base URL.

    Auth given to one request of a client without a base URL runs for that request's
    origin (and is kept from a redirect to another).

    Example:
        >>> from workbench.http.auth import BearerAuth
        >>> echo = httpx.MockTransport(lambda r: httpx.Response(200, text=str(r.headers.get(
        ...     "Authorization"))))
        >>> client = Client(base_url="https://a.example", transport=echo)
        >>> client.get("/me", auth=BearerAuth("tok-123456")).text
        'Bearer tok-123456'
        >>> client.get("https://b.example/me", auth=BearerAuth("tok-123456")).text
        'None'
    """

    def __init__(self, *, auth: AuthArg = None, **options: Any) -> None:
        super().__init__(**options)
        self.home: Origin | None = _home(self.base_url, auth)
        self.auth = bind_auth(auth, self.home)

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        if not stream:
            request.extensions[BUFFERED] = True
        if auth is not httpx.USE_CLIENT_DEFAULT:  # no base URL: the request's own origin
            auth = bind_auth(auth, self.home or origin_of(request.url))
        return super().send(request, stream=stream, auth=auth, follow_redirects=follow_redirects)


class AsyncClient(httpx.AsyncClient):
    """The asynchronous :class:`Client`."""

    def __init__(self, *, auth: AuthArg = None, **options: Any) -> None:
        super().__init__(**options)
        self.home: Origin | None = _home(self.base_url, auth)
        self.auth = bind_auth(auth, self.home)

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        if not stream:
            request.extensions[BUFFERED] = True
        if auth is not httpx.USE_CLIENT_DEFAULT:  # no base URL: the request's own origin
            auth = bind_auth(auth, self.home or origin_of(request.url))
        return await super().send(
            request, stream=stream, auth=auth, follow_redirects=follow_redirects
        )


_stand_in: httpx.MockTransport | None = None
"""What clients built without a transport send to instead of the network (see
:func:`network_replaced`)."""


@contextmanager
def network_replaced(transport: httpx.MockTransport) -> Iterator[httpx.MockTransport]:
    """Make every client built in the block without a ``transport`` send to ``transport``
    instead of the network (sync and async alike); what was built before is unchanged.

    Example:
        >>> echo = httpx.MockTransport(lambda r: httpx.Response(200, text=r.url.path))
        >>> with network_replaced(echo):
        ...     client = build_client("https://api.example.com", retry=None)
        >>> client.get("/ping").text
        '/ping'
        >>> client.close()
    """
    global _stand_in
    previous, _stand_in = _stand_in, transport
    try:
        yield transport
    finally:
        _stand_in = previous


def build_client(
    base_url: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    auth: AuthArg = None,
    timeout: float | httpx.Timeout = 30.0,
    verify: bool | ssl.SSLContext = True,
    follow_redirects: bool = True,
    retry: RetryPolicy | None = DEFAULT_RETRY,
    rate_limit: str | TokenBucket | None = None,
    transport: httpx.BaseTransport | None = None,
    connection: str | None = None,
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
) -> httpx.Client:
    """A synchronous httpx client for one connection, with retries, rate limit and history.

    ``retry=None`` sends each request once; ``rate_limit="10/s"`` shares one token bucket
    among the clients of ``connection``; ``transport`` replaces the network (a sandbox,
    ``httpx.MockTransport``) and is still wrapped by the rate limit and retries.
    ``max_response_bytes`` caps each response body (None: no cap). ``headers`` are checked
    (:class:`~workbench.errors.ActionArgumentError` for a value that cannot be sent); those
    holding credentials, and ``auth``, go only to the origin of ``base_url``.

    Example:
        >>> client = build_client("https://api.example.com", timeout=5, rate_limit="10/s")
        >>> str(client.base_url), client.headers["User-Agent"]
        ('https://api.example.com', 'workbench/0.1')
        >>> client.close()
    """
    bucket = _bucket(rate_limit, connection)
    home, defaults = _credentials(base_url, headers, auth, connection)

    def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
        if max_response_bytes is not None:
            inner = SizeLimitTransport(inner, max_response_bytes, connection=connection)
        inner = OriginGuard(inner, home, defaults)
        if bucket is not None:
            inner = RateLimitTransport(inner, bucket)
        if retry is not None:
            inner = RetryTransport(inner, retry)
        return RecordingTransport(inner, connection=connection)

    transport = transport or _stand_in
    network = transport or httpx.HTTPTransport(verify=verify)
    mounts = {} if transport else _proxy_mounts(partial(httpx.HTTPTransport, verify=verify))
    return Client(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        auth=auth,
        timeout=timeout,
        follow_redirects=follow_redirects,
        transport=wrap(network),
        mounts={pattern: None if t is None else wrap(t) for pattern, t in mounts.items()},
    )


def build_async_client(
    base_url: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    auth: AuthArg = None,
    timeout: float | httpx.Timeout = 30.0,
    verify: bool | ssl.SSLContext = True,
    follow_redirects: bool = True,
    retry: RetryPolicy | None = DEFAULT_RETRY,
    rate_limit: str | TokenBucket | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    connection: str | None = None,
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
) -> httpx.AsyncClient:
    """The asynchronous :func:`build_client`: the same options, an ``httpx.AsyncClient``.

    Example:
        >>> import asyncio
        >>> client = build_async_client("https://api.example.com", retry=None)
        >>> str(client.base_url)
        'https://api.example.com'
        >>> asyncio.run(client.aclose())
    """
    bucket = _bucket(rate_limit, connection)
    home, defaults = _credentials(base_url, headers, auth, connection)

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        if max_response_bytes is not None:
            inner = AsyncSizeLimitTransport(inner, max_response_bytes, connection=connection)
        inner = AsyncOriginGuard(inner, home, defaults)
        if bucket is not None:
            inner = AsyncRateLimitTransport(inner, bucket)
        if retry is not None:
            inner = AsyncRetryTransport(inner, retry)
        return AsyncRecordingTransport(inner, connection=connection)

    transport = transport or _stand_in
    network = transport or httpx.AsyncHTTPTransport(verify=verify)
    mounts = {} if transport else _proxy_mounts(partial(httpx.AsyncHTTPTransport, verify=verify))
    return AsyncClient(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        auth=auth,
        timeout=timeout,
        follow_redirects=follow_redirects,
        transport=wrap(network),
        mounts={pattern: None if t is None else wrap(t) for pattern, t in mounts.items()},
    )


def _home(base_url: httpx.URL, auth: AuthArg) -> Origin | None:
    """The client's origin; a client given auth needs one."""
    home = origin_of(base_url)
    if home is None and auth is not None:
        raise ConfigError("auth needs a base URL: credentials are sent only to its origin")
    return home


def _credentials(
    base_url: str,
    headers: Mapping[str, str] | None,
    auth: AuthArg,
    connection: str | None,
) -> tuple[Origin | None, dict[str, str]]:
    """The client's origin and its credential headers, after checking every header."""
    where = connection or "http"
    check_headers(headers, where, "connection headers")
    home, defaults = origin_of(base_url), credential_headers(headers)
    if home is None and (auth is not None or defaults):
        given = "auth" if auth is not None else f"the header {next(iter(defaults))!r}"
        raise ConfigError(
            f"{where}: {given} needs a base URL: credentials are sent only to its origin"
        )
    return home, defaults


def _bucket(rate_limit: str | TokenBucket | None, connection: str | None) -> TokenBucket | None:
    if rate_limit is None or isinstance(rate_limit, TokenBucket):
        return rate_limit
    return bucket_for(rate_limit, connection)


def _proxy_mounts(make: Callable[..., T]) -> dict[str, T | None]:
    """Transports for the proxies in the environment (httpx skips them for a custom transport).

    Patterns excluded by ``NO_PROXY`` map to None: they use the direct transport.
    """
    try:
        from httpx._utils import get_environment_proxies
    except ImportError:  # pragma: no cover - a future httpx moved it
        return {}
    return {
        pattern: None if proxy is None else make(proxy=proxy)
        for pattern, proxy in get_environment_proxies().items()
    }
