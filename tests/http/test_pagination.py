"""Every pagination strategy against a local API serving 1,050 records."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from servers import serve

import workbench as wb
from workbench.errors import ActionError, ConfigError
from workbench.http import build_client, paginate
from workbench.http.paginators import Paginator, PaginatorConfig, paginators
from workbench.sdk import Connector, action
from workbench.sdk.calls import calls, requests
from workbench.sdk.progress import progress_listener

TOTAL = 1050


def record(i: int) -> dict[str, Any]:
    return {"id": i, "name": f"r{i}", "tags": {"even": i % 2 == 0}}


class Stats:
    hits: ClassVar[Counter[str]] = Counter()
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()


class Api(BaseHTTPRequestHandler):
    """One route per strategy; ``n`` sets how many records exist (1,050 by default)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        q = dict(parse_qsl(url.query))
        n = int(q.get("n", TOTAL))
        route = url.path.strip("/")
        with Stats.lock:
            Stats.hits[route] += 1
            Stats.in_flight += 1
            Stats.most_in_flight = max(Stats.most_in_flight, Stats.in_flight)
        try:
            self.route(route, q, n)
        finally:
            with Stats.lock:
                Stats.in_flight -= 1

    def route(self, route: str, q: dict[str, str], n: int) -> None:
        if route in ("offset", "slow", "broken"):
            offset, limit = int(q["offset"]), int(q["limit"])
            if route == "slow":  # the first pages answer last
                time.sleep(max(0.0, 0.2 - 0.05 * offset / limit))
            if route == "broken" and offset >= 300:
                return self.reply(500, {"error": "database down"})
            return self.reply(200, {"data": rows(offset, limit, n), "total": n})
        if route == "page":
            size = int(q.get("per_page", 30))
            start = (int(q["page"]) - 1) * size
            return self.reply(200, {"items": rows(start, size, n), "pages": -(-n // size)})
        if route == "cursor":
            start = int(q.get("cursor", 0))
            following = str(start + 100) if start + 100 < n else None
            return self.reply(200, {"results": rows(start, 100, n), "meta": {"next": following}})
        if route == "link":
            page = int(q.get("page", 1))
            start = (page - 1) * 100
            links = {}
            if start + 100 < n:
                host = self.headers["Host"]
                links["Link"] = f'<http://{host}/link?page={page + 1}&n={n}>; rel="next"'
            return self.reply(200, rows(start, 100, n), **links)
        if route == "next":
            page = int(q.get("page", 1))
            start = (page - 1) * 100
            following = f"/next?page={page + 1}&n={n}" if start + 100 < n else None
            return self.reply(200, {"data": rows(start, 100, n), "next": following})
        return self.reply(404, {"error": "no route"})

    def reply(self, status: int, body: Any, **headers: str) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def rows(start: int, size: int, n: int) -> list[dict[str, Any]]:
    return [record(i) for i in range(start, min(start + size, n))]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Api) as url:
        yield url


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    Stats.hits.clear()
    Stats.most_in_flight = 0
    with build_client(server, retry=None) as http:
        yield http


STRATEGIES = {
    "offset": ("/offset", {"type": "offset", "limit": 100, "records": "data"}, 11),
    "page": ("/page", {"type": "page", "size": 100, "records": "items"}, 11),
    "cursor": ("/cursor", {"type": "cursor", "cursor_path": "meta.next"}, 11),
    "link": ("/link", {"type": "link"}, 11),
    "next_url": ("/next", {"type": "next_url", "records": "data"}, 11),
}


def read(client: httpx.Client, path: str, config: Any, **options: Any) -> list[Any]:
    first = client.build_request("GET", path)
    return list(paginate(client.send, first, config, progress=False, **options))


@pytest.mark.parametrize("prefetch", [1, 4])
@pytest.mark.parametrize("name", list(STRATEGIES))
def test_every_strategy_reads_every_record_in_order(
    client: httpx.Client, name: str, prefetch: int
) -> None:
    path, config, pages = STRATEGIES[name]
    read_pages = read(client, path, config, prefetch=prefetch)
    assert [p.number for p in read_pages] == list(range(1, pages + 1))
    assert [r["id"] for p in read_pages for r in p.records] == list(range(TOTAL))
    assert read_pages[-1].response.status_code == 200
    asked = sum(Stats.hits.values())
    if prefetch == 1 or name not in ("offset", "page"):
        assert asked == pages  # a short last page: no request after it
    else:  # prefetch asks ahead: at most prefetch - 1 pages past the end
        assert pages <= asked <= pages + prefetch - 1


def test_a_progress_listener_hears_each_page_read(client: httpx.Client) -> None:
    path, config, _ = STRATEGIES["cursor"]
    heard: list[tuple[int, int | None]] = []
    with progress_listener(lambda done, total: heard.append((done, total))):
        read(client, path, config, max_items=230)
    assert heard == [(100, 230), (200, 230), (230, 230)]
    heard.clear()
    read(client, path, config, max_items=230)  # outside the listener: nothing reported
    assert heard == []


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_max_items_trims_the_last_page_and_stops_asking(client: httpx.Client, name: str) -> None:
    path, config, _ = STRATEGIES[name]
    pages = read(client, path, config, max_items=230)
    assert [len(p.records) for p in pages] == [100, 100, 30]
    assert [r["id"] for p in pages for r in p.records] == list(range(230))
    assert sum(Stats.hits.values()) == 3
    assert read(client, path, config, max_items=0) == []


def test_an_exact_last_page_costs_one_empty_page_unless_the_total_is_known(
    client: httpx.Client,
) -> None:
    config = {"type": "offset", "limit": 100, "records": "data"}
    pages = read(client, "/offset?n=1000", config, prefetch=1)
    assert (len(pages), Stats.hits["offset"]) == (10, 11)  # the 11th answer was empty

    Stats.hits.clear()
    pages = read(client, "/offset?n=1000", {**config, "total_path": "total"})
    assert (len(pages), Stats.hits["offset"]) == (10, 10)
    assert sum(len(p.records) for p in pages) == 1000


def test_prefetch_keeps_pages_in_order_when_they_arrive_out_of_order(
    client: httpx.Client,
) -> None:
    config = {"type": "offset", "limit": 100, "records": "data"}
    first = client.build_request("GET", "/slow", params={"n": 800})
    numbers, ids = [], []
    for page in paginate(client.send, first, config, progress=False, prefetch=4):
        numbers.append(page.number)
        ids.extend(r["id"] for r in page.records)
    assert numbers == list(range(1, 9))
    assert ids == list(range(800))
    assert Stats.most_in_flight > 1


def test_an_empty_first_page_is_still_a_page(client: httpx.Client) -> None:
    pages = read(client, "/cursor?n=0", {"type": "cursor", "cursor_path": "meta.next"})
    assert [(p.number, p.records) for p in pages] == [(1, [])]


def test_a_failing_page_names_the_page_and_status(client: httpx.Client, server: str) -> None:
    config = {"type": "offset", "limit": 100, "records": "data"}
    with pytest.raises(ActionError) as failure:
        read(client, "/broken", config)
    assert str(failure.value).startswith(
        f"page 4: GET {server}/broken?offset=300&limit=100 returned HTTP 500 "
        "Internal Server Error: {"
    )
    with pytest.raises(ActionError, match=r"page 1: .* records 'nope': not in the body"):
        read(client, "/offset", {"type": "offset", "records": "nope"})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "offsett"}, "pagination: unknown type 'offsett' (one of cursor, link, "),
        ({"limit": 10}, "pagination: the field 'type' is required (one of cursor, "),
        ({"type": "offset", "limt": 10}, "pagination 'offset': unknown field 'limt'"),
        (
            {"type": "offset", "limit": 0},
            "pagination 'offset': field 'limit': Input should be greater than 0, got 0",
        ),
        (
            {"type": "page", "first_page": "one"},
            "pagination 'page': field 'first_page': Input should be a valid integer",
        ),
    ],
)
def test_configs_are_checked_before_anything_is_sent(
    client: httpx.Client, config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as failure:
        paginate(client.send, client.build_request("GET", "/offset"), config)
    assert str(failure.value).startswith(message)
    assert not Stats.hits


class HeaderCursorConfig(PaginatorConfig):
    header: str = "X-Next-Page"


class HeaderCursor(Paginator):
    """A plugin strategy: the next page's number in a header (here: the Link route's page)."""

    config_model = HeaderCursorConfig

    def next_request(
        self, request: httpx.Request, response: httpx.Response, body: Any, records: list[Any]
    ) -> httpx.Request | None:
        url = response.links.get("next", {}).get("url")
        return httpx.Request("GET", url, headers=request.headers) if url else None


def test_strategies_register_by_name_like_the_built_ins(client: httpx.Client) -> None:
    paginators.register("header_cursor", HeaderCursor)
    try:
        pages = read(client, "/link", {"type": "header_cursor"})
        assert len(pages) == 11
        assert "header_cursor" in paginators.names()
    finally:
        paginators._strategies.pop("header_cursor")


class Catalog(Connector):
    """A connector whose action reads every page."""

    name = "catalog"

    def __init__(self, base_url: str) -> None:
        super().__init__(connection="shop-api")
        self.http = build_client(base_url, connection=self.connection)

    @action
    def items(self, max_items: int | None = None) -> list[dict[str, Any]]:
        """Every item."""
        first = self.http.build_request("GET", "/offset")
        config = {"type": "offset", "limit": 100, "records": "data"}
        pages = paginate(self.http.send, first, config, max_items=max_items, progress=False)
        return [r for page in pages for r in page.records]


def test_prefetched_pages_join_the_action_call_in_the_history(server: str) -> None:
    Stats.hits.clear()
    catalog = Catalog(server)
    assert catalog.items().rows == TOTAL
    call = calls()[-1]
    asked = Stats.hits["offset"]
    assert (call.connection, call.action, call.requests, call.http_status) == (
        "shop-api",
        "items",
        asked,
        200,
    )
    assert call.bytes == sum(r.bytes for r in requests()) > 50_000
    assert {(r.connection, r.action) for r in requests()} == {("shop-api", "items")}
    assert wb.history()["requests"].tolist() == [asked]
    urls = set(wb.history(requests=True)["url"])  # in the order the answers came
    assert {f"{server}/offset?offset={n}&limit=100" for n in range(0, TOTAL, 100)} <= urls

    Stats.hits.clear()
    assert catalog.items(max_items=150).rows == 150
    assert calls()[-1].requests == Stats.hits["offset"] == 2
    catalog.http.close()
