"""build_client / build_async_client: defaults, the transport stack, proxies."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
from servers import serve

from workbench.http import RetryPolicy, build_async_client, build_client
from workbench.http.ratelimit import TokenBucket


class Echo(BaseHTTPRequestHandler):
    """Answers with what it was sent: the request line's target and some headers."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps(
            {
                "target": self.path,
                "agent": self.headers.get("User-Agent"),
                "team": self.headers.get("X-Team"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Echo) as url:
        yield url


def test_the_existing_arguments_still_work(server: str) -> None:
    with build_client(server, headers={"X-Team": "ops"}, timeout=5, verify=False) as client:
        response = client.get("/v1/items")
        assert client.timeout == httpx.Timeout(5)
    assert response.json() == {"target": "/v1/items", "agent": "workbench/0.1", "team": "ops"}
    assert response.elapsed.total_seconds() > 0


def test_a_given_transport_is_innermost_under_retries_and_rate_limit(clock: Any) -> None:
    answers = iter([503, 503, 200])
    seen: list[str] = []

    def sandbox(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(next(answers), json={"ok": True})

    bucket = TokenBucket("1/s", clock=clock, sleep=clock.sleep)
    with build_client(
        "https://api.example.com",
        transport=httpx.MockTransport(sandbox),
        retry=RetryPolicy(backoff=0),
        rate_limit=bucket,
    ) as client:
        assert client.get("/pets").status_code == 200
    assert seen == ["/pets"] * 3
    assert clock.sleeps == pytest.approx([1.0, 1.0])  # each attempt took a token


def test_retry_none_sends_once() -> None:
    calls: list[int] = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    with build_client(transport=httpx.MockTransport(down), retry=None) as client:
        assert client.get("https://api.example.com/").status_code == 503
    assert len(calls) == 1


def test_the_async_client_has_the_same_options(server: str) -> None:
    async def main() -> dict[str, Any]:
        async with build_async_client(server, headers={"X-Team": "data"}) as client:
            answer: dict[str, Any] = (await client.get("/a")).json()
            return answer

    assert asyncio.run(main()) == {"target": "/a", "agent": "workbench/0.1", "team": "data"}


def test_proxies_from_the_environment_are_honoured(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server)  # the echo server plays the proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    with build_client(retry=None) as client:
        answer = client.get("http://service.test/v2/orders?page=2").json()
        with pytest.raises(httpx.ConnectError):
            client.get(f"http://127.0.0.1:{closed}/")  # NO_PROXY: sent directly, and refused
    assert answer["target"] == "http://service.test/v2/orders?page=2"  # an absolute-form target
