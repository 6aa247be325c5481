"""Building httpx clients (sync and async) for one connection.

The transport stack, innermost first: the network (or the ``transport`` given, such as
a sandbox), the connection's rate limit, retries, then the call-history recorder. The
proxies named by ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``NO_PROXY`` get the same stack.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

import httpx

from workbench.http.ratelimit import (
    AsyncRateLimitTransport,
    RateLimitTransport,
    TokenBucket,
    bucket_for,
)
from workbench.http.recording import AsyncRecordingTransport, RecordingTransport
from workbench.http.retry import AsyncRetryTransport, RetryPolicy, RetryTransport

USER_AGENT = "workbench/0.1"
DEFAULT_RETRY = RetryPolicy()

AuthArg = httpx.Auth | tuple[str, str] | None
T = TypeVar("T", httpx.BaseTransport, httpx.AsyncBaseTransport)


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
) -> httpx.Client:
    """A synchronous httpx client for one connection, with retries, rate limit and history.

    ``retry=None`` sends each request once; ``rate_limit="10/s"`` shares one token bucket
    among the clients of ``connection``; ``transport`` replaces the network (a sandbox,
    ``httpx.MockTransport``) and is still wrapped by the rate limit and retries.

    Example:
        >>> client = build_client("https://api.example.com", timeout=5, rate_limit="10/s")
        >>> str(client.base_url), client.headers["User-Agent"]
        ('https://api.example.com', 'workbench/0.1')
        >>> client.close()
    """
    bucket = _bucket(rate_limit, connection)

    def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
        if bucket is not None:
            inner = RateLimitTransport(inner, bucket)
        if retry is not None:
            inner = RetryTransport(inner, retry)
        return RecordingTransport(inner, connection=connection)

    network = transport or httpx.HTTPTransport(verify=verify)
    mounts = {} if transport else _proxy_mounts(partial(httpx.HTTPTransport, verify=verify))
    return httpx.Client(
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

    def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        if bucket is not None:
            inner = AsyncRateLimitTransport(inner, bucket)
        if retry is not None:
            inner = AsyncRetryTransport(inner, retry)
        return AsyncRecordingTransport(inner, connection=connection)

    network = transport or httpx.AsyncHTTPTransport(verify=verify)
    mounts = {} if transport else _proxy_mounts(partial(httpx.AsyncHTTPTransport, verify=verify))
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        auth=auth,
        timeout=timeout,
        follow_redirects=follow_redirects,
        transport=wrap(network),
        mounts={pattern: None if t is None else wrap(t) for pattern, t in mounts.items()},
    )


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
