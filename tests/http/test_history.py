"""Every HTTP request is recorded; action calls in wb.history() sum their requests."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pandas as pd
import pytest
from servers import serve

import workbench as wb
from workbench.errors import ActionError
from workbench.http import RetryPolicy, build_client
from workbench.redaction import register_secret
from workbench.sdk import Connector, action
from workbench.sdk.calls import calls, requests

SECRETS = {
    "token": "tok-hist-1a2b3c",
    "api_key": "key-hist-4d5e6f",
    "password": "pw-hist-7a8b9c",
    "client_secret": "cs-hist-0d1e2f",
    "X-Amz-Signature": "sig-hist-3a4b5c",
}


class Api(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps([{"id": i} for i in range(25)]).encode()
        self.send_response(404 if self.path.startswith("/missing") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Api) as url:
        yield url


class Shop(Connector):
    """A small HTTP connector, as connectors use workbench.http."""

    name = "shop"

    def __init__(self, base_url: str, **options: Any) -> None:
        super().__init__(connection="shop-prod")
        self.http = build_client(base_url, **options)

    @action
    def orders(self, path: str = "/orders", times: int = 1) -> list[Any]:
        """Orders, asked for ``times`` times."""
        out: list[Any] = []
        for _ in range(times):
            response = self.http.get(path, params={"page": 2, **SECRETS})
            response.raise_for_status()
            out = response.json()
        return out

    @action
    def local(self) -> int:
        """No HTTP at all."""
        return 1


def test_an_action_call_sums_its_requests(server: str) -> None:
    shop = Shop(server)
    shop.orders(times=3)
    shop.local()
    call, local = calls()
    assert (call.method, call.http_status, call.requests, call.retries) == ("GET", 200, 3, 0)
    assert call.bytes == 3 * len(json.dumps([{"id": i} for i in range(25)]))
    assert call.url == (
        f"{server}/orders?page=2&token=***&api_key=***&password=***&client_secret=***"
        "&X-Amz-Signature=***"
    )
    assert (local.method, local.url, local.requests, local.bytes) == (None,) * 4

    frame = wb.history()
    assert frame["requests"].tolist() == [3, pd.NA]
    assert frame["http_status"].dtype == "Int64"
    per_request = wb.history(requests=True)
    assert len(per_request) == 3
    assert set(per_request["connection"]) == {"shop-prod"}
    assert set(per_request["action"]) == {"orders"}
    assert (per_request["ms"] > 0).all()
    shop.http.close()


def test_no_secret_value_reaches_the_history(server: str) -> None:
    register_secret("path-secret-5e6f7a")
    shop = Shop(server)
    shop.orders(path="/orders/path-secret-5e6f7a")
    shown = "\n".join(
        [
            wb.history().to_string(),
            wb.history(requests=True).to_string(),
            repr(calls()),
            repr(requests()),
        ]
    )
    for secret in [*SECRETS.values(), "path-secret-5e6f7a"]:
        assert secret not in shown
    assert "/orders/***?page=2" in shown
    shop.http.close()


def test_failed_requests_are_recorded_with_the_error(server: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    shop = Shop(f"http://127.0.0.1:{closed}", retry=None)
    with pytest.raises(ActionError):
        shop.orders()
    call = calls()[-1]
    assert (call.status, call.requests, call.http_status) == ("error", 1, None)
    assert requests()[-1].error is not None and "ConnectError" in requests()[-1].error

    shop = Shop(server)
    with pytest.raises(ActionError, match="404"):
        shop.orders(path="/missing")
    assert (calls()[-1].status, calls()[-1].http_status) == ("error", 404)
    shop.http.close()


def test_retries_are_counted() -> None:
    answers = iter([503, 429, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json=[])

    shop = Shop(
        "https://api.example.com",
        transport=httpx.MockTransport(flaky),
        retry=RetryPolicy(backoff=0),  # no wait between tries
    )
    shop.orders()
    assert (calls()[-1].requests, calls()[-1].retries) == (1, 2)
    assert requests()[-1].retries == 2


def test_requests_outside_actions_are_recorded_too(server: str) -> None:
    with build_client(server, connection="adhoc") as client:
        client.get("/x", params={"signature": "abc-123-sig"})
    with build_client(server) as client, client.stream("GET", "/y") as response:
        assert sum(len(chunk) for chunk in response.iter_bytes()) > 0
    first, second = requests()
    assert (first.connection, first.action, first.url) == (
        "adhoc",
        None,
        f"{server}/x?signature=***",
    )
    assert (second.connection, second.http_status) == ("", 200)
    assert second.bytes == len(json.dumps([{"id": i} for i in range(25)]))
    assert calls() == []
