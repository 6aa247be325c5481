"""The azure_functions connector against a local function app (starlette on uvicorn).

The app answers like the Azure Functions host for HTTP-triggered functions with
``authLevel: function``: routes under ``/api``, the key checked in ``x-functions-key``,
an empty 401 for a missing or wrong key, 404 for an unknown function, and the host's
"up and running" page at the root.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError
from s3_server import free_port
from served import serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

import workbench as wb
from workbench.connectors.azure_functions import AzureFunctions, AzureFunctionsConfig
from workbench.errors import ActionArgumentError, ActionError, ConnectionFailedError
from workbench.http.responses import HttpStatusError

KEY = "fnkey-" + secrets.token_hex(16)
ORDERS = [{"id": 1, "status": "shipped"}, {"id": 2, "status": "pending"}]


class FunctionApp:
    """An Azure-like function app; remembers what each request carried."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.flaky_calls = 0
        self.elsewhere = ""
        self.app = Starlette(
            routes=[
                Route("/", self.root),
                Route("/api/{route:path}", self.function, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )

    async def root(self, request: Request) -> Response:
        return PlainTextResponse("Your Functions 4.0 app is up and running")

    async def function(self, request: Request) -> Response:
        body = await request.body()
        route = request.path_params["route"]
        self.seen.append(
            {"route": route, "key": request.headers.get("x-functions-key"), "body": body}
        )
        if request.headers.get("x-functions-key") != KEY:
            return Response(status_code=401)  # the host answers an empty 401
        if route == "orders":
            status = request.query_params.get("status")
            return JSONResponse([o for o in ORDERS if status in (None, o["status"])])
        if route == "echo" or route.startswith("echo/"):
            return JSONResponse(
                {
                    "method": request.method,
                    "route": route,
                    "query": dict(request.query_params),
                    "content_type": request.headers.get("content-type"),
                    "body": body.decode("utf-8", "replace"),
                }
            )
        if route == "hello":
            return PlainTextResponse(f"Hello, {request.query_params.get('name', 'world')}!")
        if route == "flaky":
            self.flaky_calls += 1
            if self.flaky_calls == 1:
                return Response("busy", status_code=503, headers={"Retry-After": "0"})
            return JSONResponse({"attempt": self.flaky_calls})
        if route == "crash":
            return PlainTextResponse(f"boom; key was {KEY}", status_code=500)
        if route == "moved":
            return RedirectResponse(f"{self.elsewhere}/api/echo", status_code=307)
        return Response(status_code=404)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FunctionApp, str, FunctionApp, str]]:
    home, other = FunctionApp(), FunctionApp()
    with serve_app(home.app) as home_url, serve_app(other.app) as other_url:
        home.elsewhere = other_url
        yield home, home_url, other, other_url


@pytest.fixture
def app(servers: tuple[FunctionApp, str, FunctionApp, str]) -> Iterator[AzureFunctions]:
    home, url, other, _ = servers
    home.seen.clear()
    other.seen.clear()
    home.flaky_calls = 0
    config = AzureFunctionsConfig(base_url=url, function_key=KEY)
    with AzureFunctions(config, connection="orders_app") as connector:
        yield connector


def test_call_posts_json_with_the_key_and_returns_records(
    app: AzureFunctions, servers: tuple[FunctionApp, str, FunctionApp, str]
) -> None:
    shipped = app.call("orders", method="GET", params={"status": "shipped"})
    assert shipped.df.to_dict("records") == [{"id": 1, "status": "shipped"}]
    assert (shipped.connection, shipped.action) == ("orders_app", "call")
    assert shipped.raw["status"] == 200
    echoed = app.call("echo", {"order": 42, "note": "Zoë"}).data
    assert echoed["method"] == "POST"
    assert echoed["content_type"] == "application/json"
    assert json.loads(echoed["body"]) == {"order": 42, "note": "Zoë"}
    assert servers[0].seen[-1]["key"] == KEY


def test_payload_kinds_methods_routes_and_text_answers(app: AzureFunctions) -> None:
    frame = pd.DataFrame({"id": [1, 2], "sku": ["A-1", "B-2"]})
    sent = app.call("echo", frame, method="PUT").data
    assert sent["method"] == "PUT"
    assert json.loads(sent["body"]) == [{"id": 1, "sku": "A-1"}, {"id": 2, "sku": "B-2"}]
    text = app.call("echo/42", "plain words").data
    assert (text["route"], text["body"]) == ("echo/42", "plain words")
    assert text["content_type"] == "text/plain; charset=utf-8"
    assert app.call("echo", b"\x00\x01").data["content_type"] == "application/octet-stream"
    assert app.call("/echo/", method="DELETE").data["method"] == "DELETE"
    assert app.call("hello", method="GET", params={"name": "Ada"}).data == "Hello, Ada!"


def test_a_retryable_status_is_retried_through_workbench_http(app: AzureFunctions) -> None:
    assert app.call("flaky", method="GET").data == {"attempt": 2}
    calls = wb.history()
    assert calls.iloc[-1]["connection"] == "orders_app"
    assert calls.iloc[-1]["action"] == "call"


def test_a_wrong_or_missing_key_is_a_connection_failure_without_the_key(
    servers: tuple[FunctionApp, str, FunctionApp, str],
) -> None:
    url = servers[1]
    wrong = AzureFunctions(
        AzureFunctionsConfig(base_url=url, function_key="fnkey-wrong-" + secrets.token_hex(8)),
        connection="wrong",
    )
    keyless = AzureFunctions(AzureFunctionsConfig(base_url=url), connection="keyless")
    with wrong, keyless:
        with pytest.raises(
            ConnectionFailedError,
            match=r"wrong\.call: function 'orders' at .* refused the function key",
        ):
            wrong.call("orders")
        with pytest.raises(ConnectionFailedError, match="refused a call without a key"):
            keyless.call("orders")
    assert servers[0].seen[-1]["key"] is None


def test_failures_are_clear_and_masked(app: AzureFunctions) -> None:
    with pytest.raises(HttpStatusError, match=r"orders_app\.call: no function 'nope' at") as gone:
        app.call("nope")
    assert gone.value.status == 404
    with pytest.raises(ActionError, match=r"HTTP 500 .*boom; key was \*\*\*") as crash:
        app.call("crash")
    assert KEY not in str(crash.value)
    with pytest.raises(ActionArgumentError, match="must be a function route"):
        app.call("../admin")
    with pytest.raises(ActionArgumentError, match="must be a function route"):
        app.call("https://elsewhere.example.com/api/x")
    with pytest.raises(ActionArgumentError, match="payload must be JSON"):
        app.call("echo", {1, 2})
    with pytest.raises(ActionArgumentError):
        app.call("echo", method="TRACE")
    with pytest.raises(ValidationError, match="must start with http"):
        AzureFunctionsConfig(base_url="orders-app.azurewebsites.net")
    history = wb.history()
    assert not history.astype(str).apply(lambda column: column.str.contains(KEY)).any().any()


def test_the_key_is_not_sent_to_another_origin(
    app: AzureFunctions, servers: tuple[FunctionApp, str, FunctionApp, str]
) -> None:
    with pytest.raises(ConnectionFailedError, match="refused the function key"):
        app.call("moved")  # redirected to the other app, which then sees no key
    assert servers[2].seen[-1]["key"] is None


def test_an_unreachable_app_names_the_connection() -> None:
    down = AzureFunctions(
        AzureFunctionsConfig(
            base_url=f"http://127.0.0.1:{free_port()}", function_key=KEY, max_attempts=1
        ),
        connection="down",
    )
    with down, pytest.raises(ConnectionFailedError, match=r"down\.call: cannot reach") as err:
        down.call("orders")
    assert KEY not in str(err.value)


def test_check_and_wb_connect_from_workbench_toml(
    app: AzureFunctions, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.check() == f"HTTP 200 from {app.config.base_url}"
    (project / "workbench.toml").write_text(
        f"""
[connections.orders_app]
connector = "azure_functions"
base_url = "{app.config.base_url}"
function_key = "${{ORDERS_APP_KEY}}"
"""
    )
    monkeypatch.setenv("ORDERS_APP_KEY", KEY)
    client = wb.connect("orders_app")
    assert client.call("orders", method="GET").df["id"].tolist() == [1, 2]
    assert KEY not in repr(client)
    client.close()
