"""The built-in pagination strategies: cursor, offset, page, link and next_url.

Example:
    >>> from workbench.http.paginators import paginators
    >>> paginators.build({"type": "page", "size": 50}).config.page_param
    'page'
"""

from __future__ import annotations

import math
from typing import Any, Literal

import httpx
from pydantic import Field

from workbench.http.paginators import (
    AddressablePaginator,
    Paginator,
    PaginatorConfig,
    with_params,
    with_url,
)
from workbench.http.records import dig

_EXAMPLE = httpx.Request("GET", "https://api.example.com/items")


class CursorConfig(PaginatorConfig):
    """``cursor_param``: the query parameter; ``cursor_path``: where the body has the next one."""

    type: Literal["cursor"] = "cursor"
    cursor_param: str = "cursor"
    cursor_path: str = "next_cursor"


class CursorPaginator(Paginator):
    """The next page is asked for with the cursor the last page returned.

    Example:
        >>> cursor = CursorPaginator(CursorConfig(cursor_path="meta.next"))
        >>> body = {"items": [1, 2], "meta": {"next": "c2"}}
        >>> str(cursor.next_request(_EXAMPLE, httpx.Response(200), body, [1, 2]).url)
        'https://api.example.com/items?cursor=c2'
    """

    config_model = CursorConfig
    config: CursorConfig

    def next_request(
        self, request: httpx.Request, response: httpx.Response, body: Any, records: list[Any]
    ) -> httpx.Request | None:
        cursor = dig(body, self.config.cursor_path)
        if not records or cursor in (None, "", [], {}):
            return None
        return with_params(request, {self.config.cursor_param: str(cursor)})


class OffsetConfig(PaginatorConfig):
    """Page size ``limit``, the two parameter names, the first offset, an optional total."""

    type: Literal["offset"] = "offset"
    limit: int = Field(100, gt=0, description="page size")
    offset_param: str = "offset"
    limit_param: str = "limit"
    start: int = Field(0, ge=0)
    total_path: str | None = Field(None, description="dotted path to the total record count")


class OffsetPaginator(AddressablePaginator):
    """``?offset=200&limit=100``: the page's first record and the page size.

    Example:
        >>> offsets = OffsetPaginator(OffsetConfig(limit=100))
        >>> str(offsets.page_request(_EXAMPLE, 2).url)
        'https://api.example.com/items?offset=200&limit=100'
        >>> offsets.is_last(2, {}, [{}] * 40)  # a short page
        True
    """

    config_model = OffsetConfig
    config: OffsetConfig

    def page_request(self, first: httpx.Request, index: int) -> httpx.Request:
        c = self.config
        offset = c.start + index * c.limit
        page = with_params(first, {c.offset_param: str(offset), c.limit_param: str(c.limit)})
        page.extensions["workbench.page"] = index
        return page

    def is_last(self, index: int, body: Any, records: list[Any]) -> bool:
        if len(records) < self.config.limit:
            return True
        pages = self.page_count(body, None)
        return pages is not None and index + 1 >= pages

    def page_count(self, body: Any, max_items: int | None) -> int | None:
        counts = [] if max_items is None else [math.ceil(max_items / self.config.limit)]
        total = dig(body, self.config.total_path) if self.config.total_path else None
        if isinstance(total, int):
            counts.append(math.ceil(max(total - self.config.start, 0) / self.config.limit))
        return min(counts) if counts else None


class PageConfig(PaginatorConfig):
    """Page parameter and first page number, optional size parameter, size and page count."""

    type: Literal["page"] = "page"
    page_param: str = "page"
    size_param: str | None = "per_page"
    size: int | None = Field(None, gt=0, description="page size, sent as size_param when set")
    first_page: int = 1
    total_pages_path: str | None = None


class PagePaginator(AddressablePaginator):
    """``?page=3&per_page=100``: page numbers from ``first_page``.

    Example:
        >>> pages = PagePaginator(PageConfig(size=100, first_page=0))
        >>> str(pages.page_request(_EXAMPLE, 3).url)
        'https://api.example.com/items?page=3&per_page=100'
    """

    config_model = PageConfig
    config: PageConfig

    def page_request(self, first: httpx.Request, index: int) -> httpx.Request:
        c = self.config
        params = {c.page_param: str(c.first_page + index)}
        if c.size_param and c.size:
            params[c.size_param] = str(c.size)
        page = with_params(first, params)
        page.extensions["workbench.page"] = index
        return page

    def is_last(self, index: int, body: Any, records: list[Any]) -> bool:
        size = self.config.size
        if not records or (size is not None and len(records) < size):
            return True
        pages = self.page_count(body, None)
        return pages is not None and index + 1 >= pages

    def page_count(self, body: Any, max_items: int | None) -> int | None:
        size, path = self.config.size, self.config.total_pages_path
        counts = [math.ceil(max_items / size)] if max_items is not None and size else []
        total = dig(body, path) if path else None
        if isinstance(total, int):
            counts.append(total)
        return min(counts) if counts else None


class LinkConfig(PaginatorConfig):
    """``rel``: the link relation to follow."""

    type: Literal["link"] = "link"
    rel: str = "next"


class LinkPaginator(Paginator):
    """The next page's URL is in the ``Link`` header (RFC 5988), as GitHub sends it.

    Example:
        >>> answer = httpx.Response(200, headers={"Link": '</items?page=2>; rel="next"'})
        >>> str(LinkPaginator(LinkConfig()).next_request(_EXAMPLE, answer, [1], [1]).url)
        'https://api.example.com/items?page=2'
    """

    config_model = LinkConfig
    config: LinkConfig

    def next_request(
        self, request: httpx.Request, response: httpx.Response, body: Any, records: list[Any]
    ) -> httpx.Request | None:
        url = response.links.get(self.config.rel, {}).get("url")
        return with_url(request, url) if url and records else None


class NextUrlConfig(PaginatorConfig):
    """``next_path``: where the body has the next page's URL."""

    type: Literal["next_url"] = "next_url"
    next_path: str = "next"


class NextUrlPaginator(Paginator):
    """The next page's URL is in the body (``{"next": "https://...?page=3"}``).

    Example:
        >>> body = {"data": [1], "next": "/items?page=3"}
        >>> next_url = NextUrlPaginator(NextUrlConfig(records="data"))
        >>> str(next_url.next_request(_EXAMPLE, httpx.Response(200), body, [1]).url)
        'https://api.example.com/items?page=3'
    """

    config_model = NextUrlConfig
    config: NextUrlConfig

    def next_request(
        self, request: httpx.Request, response: httpx.Response, body: Any, records: list[Any]
    ) -> httpx.Request | None:
        url = dig(body, self.config.next_path)
        return with_url(request, url) if isinstance(url, str) and url and records else None
