"""Paginated reads: lazy pages, a progress bar, ``max_items``, and prefetch where it pays.

:func:`paginate` sends the first request, hands each page over as soon as it is read,
and stops at an empty page, a short page, a missing cursor or next link, or
``max_items``. For addressable strategies (offset, page) it keeps ``prefetch`` page
requests in flight on a small thread pool and still yields the pages in order; unless
the strategy knows the total (``total_path``) or ``max_items`` is set, up to
``prefetch - 1`` requests past the last page are sent and their answers dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.errors import ActionError
from workbench.http.masking import safe_url
from workbench.http.paginators import AddressablePaginator, Paginator, PaginatorConfig, paginators
from workbench.http.responses import check_status
from workbench.sdk.progress import progress_bar

Send = Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True)
class Page:
    """One page: its records, the response it came in, and its number (from 1).

    Example:
        >>> Page([{"id": 1}], httpx.Response(200), 1).records
        [{'id': 1}]
    """

    records: list[Any]
    response: httpx.Response
    number: int


def paginate(
    send: Send,
    first: httpx.Request,
    strategy_config: Mapping[str, Any] | PaginatorConfig | Paginator,
    *,
    max_items: int | None = None,
    progress: bool = True,
    prefetch: int = 4,
) -> Iterator[Page]:
    """Iterate over the pages of a paginated read, lazily, in order.

    ``send`` sends one request (``client.send``); ``first`` is the first page's request;
    ``strategy_config`` names the strategy and its fields (see
    :mod:`workbench.http.paginators`). The config is checked before anything is sent.

    Example:
        >>> def api(request):
        ...     offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        ...     return httpx.Response(200, json={"data": list(range(250))[offset:offset + limit]})
        >>> client = httpx.Client(transport=httpx.MockTransport(api))
        >>> first = client.build_request("GET", "https://api.example.com/numbers")
        >>> offsets = {"type": "offset", "limit": 100, "records": "data"}
        >>> pages = paginate(client.send, first, offsets, max_items=220, progress=False)
        >>> [(page.number, len(page.records)) for page in pages]
        [(1, 100), (2, 100), (3, 20)]
    """
    paginator = paginators.build(strategy_config)
    if max_items is not None and max_items < 0:
        raise ValueError(f"max_items must be 0 or more, got {max_items}")
    if isinstance(paginator, AddressablePaginator) and prefetch > 1:
        pages = _prefetched(send, first, paginator, prefetch, max_items)
    else:
        pages = _sequential(send, first, paginator)
    return _limited(pages, max_items, progress)


def _limited(
    pages: Generator[Page, None, None], max_items: int | None, progress: bool
) -> Iterator[Page]:
    bar = progress_bar(total=max_items, unit=" records", enabled=progress)
    seen = 0
    try:
        if max_items == 0:
            return
        for page in pages:
            records = page.records
            if max_items is not None and seen + len(records) > max_items:
                records = records[: max_items - seen]
                page = Page(records, page.response, page.number)
            seen += len(records)
            bar.update(len(records))
            yield page
            if max_items is not None and seen >= max_items:
                return
    finally:
        bar.close()
        pages.close()


def _sequential(
    send: Send, first: httpx.Request, paginator: Paginator
) -> Generator[Page, None, None]:
    request: httpx.Request | None = paginator.first_request(first)
    number = 1
    while request is not None:
        response = send(request)
        body, records = _read(paginator, request, response, number)
        if records or number == 1:
            yield Page(records, response, number)
        request = paginator.next_request(request, response, body, records)
        number += 1


def _prefetched(
    send: Send,
    first: httpx.Request,
    paginator: AddressablePaginator,
    prefetch: int,
    max_items: int | None,
) -> Generator[Page, None, None]:
    limit = paginator.page_count(None, max_items)
    pool = ThreadPoolExecutor(max_workers=prefetch, thread_name_prefix="workbench-pages")
    pending: deque[tuple[int, httpx.Request, Future[httpx.Response]]] = deque()
    next_index = 0

    def fill() -> None:
        nonlocal next_index
        while len(pending) < prefetch and (limit is None or next_index < limit):
            request = paginator.page_request(first, next_index)
            # Each task runs in a copy of this context, so its requests join the action call.
            pending.append((next_index, request, pool.submit(copy_context().run, send, request)))
            next_index += 1

    try:
        fill()
        while pending:
            index, request, future = pending.popleft()
            response = future.result()
            body, records = _read(paginator, request, response, index + 1)
            count = paginator.page_count(body, max_items)
            if count is not None:
                limit = count if limit is None else min(limit, count)
            last = paginator.is_last(index, body, records)
            if not last:
                fill()  # before handing the page over, so the next ones are on their way
            if records or index == 0:
                yield Page(records, response, index + 1)
            if last:
                return
    finally:  # pages asked for past the end are dropped; none is left running
        for _, _, future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _read(
    paginator: Paginator, request: httpx.Request, response: httpx.Response, number: int
) -> tuple[Any, list[Any]]:
    """The page's JSON body and records; ActionError naming the page when they are wrong."""
    where = f"page {number}: {request.method} {safe_url(request.url)}"
    check_status(response, f"page {number}")
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        raise ActionError(f"{where} did not return JSON ({kind})") from None
    try:
        return body, paginator.records(body)
    except ValueError as exc:
        raise ActionError(f"{where}: {exc}") from None
