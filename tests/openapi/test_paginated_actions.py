"""Actions that declare pagination read every page into one Result, lazily and bounded."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from servers import JsonHandler, serve

from workbench.errors import ConnectionFailedError
from workbench.openapi import connector_class, load_spec

ITEMS = [{"id": i, "name": f"item {i}"} for i in range(250)]


class Items(JsonHandler):
    requested: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requested.append(url.path + "?" + url.query)
        url = url._replace(path="/items")
        if self.headers.get("X-API-Key") != "key-pages-1":
            self.send_json(401, {"error": "bad key"})
            return
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
        self.send_json(200, {"data": {"items": ITEMS[offset : offset + limit]}})


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve(Items) as base:
        yield base


def manifest(base_url: str) -> dict[str, object]:
    return {
        "name": "stock",
        "base_url": base_url,
        "auth": {"type": "api_key", "header": "X-API-Key"},
        "pagination": {"type": "offset", "limit": 100},
        "actions": {
            "list_items": {"path": "/items", "records": "data.items"},
            "first_page": {"path": "/items/page", "records": "data.items", "pagination": False},
        },
    }


def connect(base_url: str) -> object:
    spec = load_spec(manifest(base_url))
    stock = connector_class(spec, "stock")
    return stock(stock.config_model(api_key="key-pages-1"), connection="stock")


def test_every_page_is_read_into_one_result(url: str) -> None:
    Items.requested = []
    result = connect(url).list_items()
    assert result.data == ITEMS
    assert result.pages == 3
    assert list(result.df.columns) == ["id", "name"]
    assert sorted(Items.requested)[:3] == [
        "/items?offset=0&limit=100",
        "/items?offset=100&limit=100",
        "/items?offset=200&limit=100",
    ]


def test_max_items_stops_early_and_is_part_of_the_signature(url: str) -> None:
    stock = connect(url)
    parameter = inspect.signature(stock.list_items).parameters["max_items"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    result = stock.list_items(max_items=120)
    assert [r["id"] for r in result.data] == list(range(120))
    assert "max_items" not in inspect.signature(stock.first_page).parameters


def test_an_action_without_pagination_reads_one_page(url: str) -> None:
    result = connect(url).first_page()
    assert len(result.data) == 100
    assert result.pages == 1


def test_an_unreachable_server_names_the_action(url: str) -> None:
    spec = load_spec(manifest("http://127.0.0.1:9"))
    stock = connector_class(spec, "stock")
    client = stock(stock.config_model(api_key="key-pages-1", timeout=2), connection="stock")
    with pytest.raises(ConnectionFailedError, match=r"^stock\.list_items: cannot reach "):
        client.list_items()
