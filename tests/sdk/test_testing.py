"""workbench.sdk.testing: the recording fake transport, assert_called and the sandbox switch,
used on real connectors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

import workbench as wb
from workbench import registry
from workbench.errors import ConfigError, UnknownConnectionError
from workbench.importer import ImportedEntry, Importer
from workbench.sdk import Connector
from workbench.sdk.http import HttpStatusError, build_async_client, build_client
from workbench.sdk.testing import FakeTransport, assert_called, recording, sandboxed


def test_a_connection_of_the_http_connector_is_answered_by_the_fake() -> None:
    def created(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": 9, **json.loads(request.content)})

    with recording({"GET /v1/orders": [{"id": 1}, {"id": 2}], "POST /v1/orders": created}) as rec:
        api = wb.connect("http", base_url="https://shop.example.com/v1", token="t0k3n-abcdef")
        listed = api.get("orders", params={"status": "paid"})
        made = api.post("orders", json={"sku": "A-1"})
        with pytest.raises(HttpStatusError, match=r"404 Not Found.*no fake answer for GET /v1/"):
            api.get("nowhere")
    api.close()
    assert listed.df["id"].tolist() == [1, 2] and made.data == {"id": 9, "sku": "A-1"}
    assert [(r.method, r.url.path) for r in rec.requests] == [
        ("GET", "/v1/orders"),
        ("POST", "/v1/orders"),
        ("GET", "/v1/nowhere"),
    ]
    assert rec.requests[0].headers["authorization"] == "Bearer t0k3n-abcdef"
    assert_called(api, "get", path="orders", params={"status": "paid"})
    assert_called("http", "post", json={"sku": "A-1"})
    assert wb.history()["url"].tolist()[-3:] == [
        "https://shop.example.com/v1/orders?status=paid",
        "https://shop.example.com/v1/orders",
        "https://shop.example.com/v1/nowhere",
    ]


def test_a_failed_assertion_lists_the_calls_made() -> None:
    with recording({"/ping": "pong"}):
        api = wb.connect("http", base_url="https://status.example.com")
        api.get("ping")
    api.close()
    with pytest.raises(AssertionError) as failed:
        assert_called(api, "get", path="pong")
    assert str(failed.value) == (
        "no call http.get(path='pong'); calls made: http.get(path='ping', params=None, "
        "headers=None, records=None)"
    )
    with pytest.raises(AssertionError, match=r"no call http\.post"):
        assert_called(api, "post")


def test_arguments_are_recorded_only_while_recording() -> None:
    class Notes(Connector):
        name = "notes_recorded"
        library = True

        @wb.action
        def add(self, text: str, /, pinned: bool = False) -> str:
            """Add a note."""
            return text

    notes = Notes()
    notes.add("outside")
    with recording() as rec:
        notes.add("milk", pinned=True)
    notes.add("after")
    assert [(c.action, c.arguments) for c in rec.calls] == [
        ("add", {"text": "milk", "pinned": True})
    ]
    assert_called(notes, "add", text="milk")  # the last recording, after it ended


def test_async_clients_are_answered_by_the_fake_and_clients_built_before_are_not() -> None:
    before = build_client("https://before.example.com", retry=None)
    with recording({"/a": {"n": 1}}) as rec:
        client = build_async_client("https://api.example.com", retry=None)

        async def fetch() -> Any:
            async with client:
                return (await client.get("/a")).json()

        assert asyncio.run(fetch()) == {"n": 1}
    assert before._transport is not None and rec.requests[0].url.host == "api.example.com"
    before.close()
    fake = FakeTransport()
    with recording(transport=fake) as rec:
        assert rec.transport is fake


def test_the_sandbox_switch() -> None:
    slack = sandboxed("slack")
    assert slack.config.mode == "sandbox"  # type: ignore[attr-defined]
    assert slack.list_channels().df["name"].tolist() == ["general", "random"]
    slack.close()
    with pytest.raises(ConfigError, match="connector 'sqlite' has no sandbox"):
        sandboxed("shop")
    with pytest.raises(UnknownConnectionError):
        sandboxed("slakc")


def test_sdk_openapi_names_come_from_the_openapi_importer() -> None:
    import workbench.sdk.openapi as sdk_openapi

    marker = object()

    class Replacement(Importer):
        name = "openapi"

        def imported(self) -> dict[str, int]:
            return {}

        def entries(self) -> list[ImportedEntry]:
            return []

        def build(self, name: str) -> type[Connector]:
            raise AssertionError(name)

        def building_block(self, name: str) -> Any:
            return marker if name == "ApiSpec" else super().building_block(name)

    registry.add_importer(Replacement())
    assert sdk_openapi.__getattr__("ApiSpec") is marker
    with pytest.raises(AttributeError, match="has no attribute 'Nothing'"):
        sdk_openapi.__getattr__("Nothing")
