"""The one place Workbench builds HTTP clients: auth flows, retries, rate limits,
pagination and call history.

Example:
    >>> from workbench.http import build_client, RetryPolicy
    >>> client = build_client("https://api.example.com", retry=RetryPolicy(max_attempts=2))
    >>> client.close()
"""

from workbench.http.auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    JwtBearerAuth,
    RefreshTokenAuth,
    persist_rotation,
)
from workbench.http.client import build_async_client, build_client
from workbench.http.masking import safe_url
from workbench.http.pagination import Page, paginate
from workbench.http.paginators import Paginator, PaginatorConfig, paginators
from workbench.http.ratelimit import TokenBucket, parse_rate
from workbench.http.retry import AsyncRetryTransport, RetryPolicy, RetryTransport

__all__ = [
    "ApiKeyAuth",
    "AsyncRetryTransport",
    "BasicAuth",
    "BearerAuth",
    "ClientCredentialsAuth",
    "JwtBearerAuth",
    "Page",
    "Paginator",
    "PaginatorConfig",
    "RefreshTokenAuth",
    "RetryPolicy",
    "RetryTransport",
    "TokenBucket",
    "build_async_client",
    "build_client",
    "paginate",
    "paginators",
    "parse_rate",
    "persist_rotation",
    "safe_url",
]
