"""What a connector that talks HTTP is built from (see :mod:`workbench.http`).

==========================  ============================================================
names                       what they are
==========================  ============================================================
``HttpConnector``           the base: one client per connection, built on first use
``build_client``, ...       the only way a client is made: limits, retries, history
``ApiKeyAuth``, ...         auth flows (key, bearer, basic, OAuth2 grants, JWT bearer)
``RetryPolicy``, ...        retries with backoff, and ``Retry-After``
``paginate``, ...           pagination: the strategies by name, and their configs
``send``, ``check_status``  sending one request and reading its answer and errors
``dig``, ...                records and values in a JSON body by dotted path
``safe_url``, ...           masking what must not be shown; header checks
``ORIGIN``                  the request extension naming the origin a request's
                            credentials belong to (a token that names its own host)
==========================  ============================================================

Example:
    >>> from workbench.sdk.http import HttpConnector, RetryPolicy, build_client
    >>> class Status(HttpConnector):
    ...     name = "status_example"
    ...     def build_http_client(self):
    ...         return build_client("https://status.example.com", retry=RetryPolicy())
    >>> page = Status()
    >>> str(page.http().base_url)
    'https://status.example.com'
    >>> page.close()
"""

from workbench.http import (
    ApiKeyAuth,
    AsyncRetryTransport,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    JwtBearerAuth,
    Page,
    Paginator,
    PaginatorConfig,
    RefreshTokenAuth,
    RetryPolicy,
    RetryTransport,
    TokenBucket,
    build_async_client,
    build_client,
    paginate,
    paginators,
    parse_rate,
    persist_rotation,
    safe_url,
)
from workbench.http.connector import HttpConnector
from workbench.http.headers import check_headers, check_value
from workbench.http.limits import DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLargeError
from workbench.http.masking import looks_secret, safe_body
from workbench.http.origins import ORIGIN, credential_headers
from workbench.http.paginators import AddressablePaginator, with_params, with_url
from workbench.http.records import dig, select_records
from workbench.http.responses import (
    SANDBOX_HEADER,
    HttpStatusError,
    check_status,
    details,
    from_sandbox,
    json_object,
    parse_body,
    send,
)
from workbench.http.strategies import (
    CursorConfig,
    CursorPaginator,
    LinkConfig,
    LinkPaginator,
    NextUrlConfig,
    NextUrlPaginator,
    OffsetConfig,
    OffsetPaginator,
    PageConfig,
    PagePaginator,
)
from workbench.http.tokens import OAuth2Flow

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ORIGIN",
    "SANDBOX_HEADER",
    "AddressablePaginator",
    "ApiKeyAuth",
    "AsyncRetryTransport",
    "BasicAuth",
    "BearerAuth",
    "ClientCredentialsAuth",
    "CursorConfig",
    "CursorPaginator",
    "HttpConnector",
    "HttpStatusError",
    "JwtBearerAuth",
    "LinkConfig",
    "LinkPaginator",
    "NextUrlConfig",
    "NextUrlPaginator",
    "OAuth2Flow",
    "OffsetConfig",
    "OffsetPaginator",
    "Page",
    "PageConfig",
    "PagePaginator",
    "Paginator",
    "PaginatorConfig",
    "RefreshTokenAuth",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RetryTransport",
    "TokenBucket",
    "build_async_client",
    "build_client",
    "check_headers",
    "check_status",
    "check_value",
    "credential_headers",
    "details",
    "dig",
    "from_sandbox",
    "json_object",
    "looks_secret",
    "paginate",
    "paginators",
    "parse_body",
    "parse_rate",
    "persist_rotation",
    "safe_body",
    "safe_url",
    "select_records",
    "send",
    "with_params",
    "with_url",
]
