"""The twilio connector against Prism mocking Twilio's official spec, and a local fake for
Twilio's documented error answers and paging."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from prism_mock import CoreValidator, Exchanges, prism_server
from servers import JsonHandler, serve
from specs import SPECS

import workbench as wb
from workbench.connectors.twilio import Twilio, TwilioError
from workbench.connectors.twilio.connector import SPEC_FILE
from workbench.errors import ActionArgumentError

OFFICIAL = SPECS / "twilio.com__api.json"
ACCOUNT = "AC" + "1234567890abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-0123456789"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prism_server(json.loads(OFFICIAL.read_text()), tmp_path_factory.mktemp("prism")) as url:
        yield url


@pytest.fixture
def twilio(prism: str) -> Iterator[tuple[Twilio, Exchanges]]:
    config = Twilio.config_model(
        base_url=prism, username=ACCOUNT, password=AUTH_TOKEN, default_from="+15017122661"
    )
    exchanges = Exchanges()
    with Twilio(config, connection="twilio") as connector:
        exchanges.attach(connector.http())
        yield connector, exchanges


def test_the_shipped_spec_is_twilios_official_one() -> None:
    assert json.loads(SPEC_FILE.read_text()) == json.loads(OFFICIAL.read_text())
    assert {"send_sms", "list_messages", "create_message", "list_message"} <= set(
        Twilio.action_specs
    )
    assert len(Twilio.action_specs) == 195 + 2


def test_send_sms_sends_a_request_prism_accepts(twilio: tuple[Twilio, Exchanges]) -> None:
    connector, exchanges = twilio
    sent = connector.send_sms("+15558675310", "Order 42 shipped")
    assert {"sid", "status", "to", "body"} <= set(sent.data)  # the created message
    assert exchanges.violations() == []
    (request,) = exchanges.requests(f"/Accounts/{ACCOUNT}/Messages.json")
    assert request.method == "POST"
    assert parse_qs(request.content.decode()) == {
        "To": ["+15558675310"],
        "Body": ["Order 42 shipped"],
        "From": ["+15017122661"],
    }
    assert request.headers["Authorization"].startswith("Basic ")


def test_list_messages_is_a_typed_dataframe(twilio: tuple[Twilio, Exchanges]) -> None:
    connector, exchanges = twilio
    frame = connector.list_messages(to="+15558675310").df
    assert len(frame) >= 1
    assert {"sid", "body", "status", "date_sent"} <= set(frame.columns)
    assert str(frame["date_sent"].dtype).startswith("datetime64")
    assert exchanges.violations() == []
    first = exchanges.requests("/Messages.json")[0]
    assert first.url.params["To"] == "+15558675310"
    assert first.url.params["PageSize"] == "1000"


def test_send_sms_needs_a_sender(prism: str) -> None:
    config = Twilio.config_model(base_url=prism, username=ACCOUNT, password=AUTH_TOKEN)
    with (
        Twilio(config) as connector,
        pytest.raises(ActionArgumentError, match="give from_ or set default_from"),
    ):
        connector.send_sms("+15558675310", "hi")


class _Twilio(JsonHandler):
    """Twilio's documented error body and its next_page_uri paging."""

    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.send_json(
            400,
            {
                "code": 21211,
                "message": "The 'To' number 5551234 is not a valid phone number.",
                "more_info": "https://www.twilio.com/docs/errors/21211",
                "status": 400,
            },
        )

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        query = parse_qs(urlsplit(self.path).query)
        base = urlsplit(self.path).path
        if "PageToken" not in query:
            body = {
                "messages": [{"sid": "SM1", "date_sent": "Thu, 24 Aug 2023 05:01:45 +0000"}],
                "next_page_uri": f"{base}?PageSize=1&Page=1&PageToken=PASM1",
            }
        else:
            body = {"messages": [{"sid": "SM2", "date_sent": None}], "next_page_uri": None}
        self.send_json(200, body)


def test_errors_name_twilios_code_and_pages_are_followed() -> None:
    _Twilio.seen = []
    with serve(_Twilio) as url:
        config = Twilio.config_model(base_url=url, username=ACCOUNT, password=AUTH_TOKEN)
        with Twilio(config) as connector:
            with pytest.raises(TwilioError, match=r"Twilio error 21211 \(HTTP 400\)") as caught:
                connector.send_sms("5551234", "hi", from_="+15017122661")
            assert caught.value.code == 21211
            assert AUTH_TOKEN not in str(caught.value)
            frame = connector.list_messages().df
    assert frame["sid"].tolist() == ["SM1", "SM2"]
    assert frame["date_sent"].isna().tolist() == [False, True]
    assert "PageToken=PASM1" in _Twilio.seen[1]


def test_sandbox_and_catalog() -> None:
    twilio = wb.connect("twilio", sandbox=True)
    assert twilio.send_sms("+15558675310", "hi", from_="+15017122661").data["status"] == "queued"
    catalog = wb.catalog("twilio")
    row = catalog[catalog["name"] == "twilio"].iloc[0]
    assert (row["category"], row["actions"]) == ("messaging", 197)


def test_openapi_core_accepts_every_friendly_request(twilio: tuple[Twilio, Exchanges]) -> None:
    connector, exchanges = twilio
    connector.send_sms("+15558675310", "hi", status_callback="https://example.com/status")
    connector.list_messages(to="+15558675310", from_="+15017122661")
    sent = [r.request for r in exchanges.responses]
    assert len(sent) >= 2
    assert CoreValidator(json.loads(OFFICIAL.read_text())).errors(sent) == []
