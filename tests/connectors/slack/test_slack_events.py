"""The slack connector's ``events`` trigger: Events API deliveries signed with the app's
signing secret, received by the real listener and read into an inbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sources import reading_route
from workbench.connectors.slack import Slack, SlackConfig
from workbench.errors import ConfigError
from workbench.triggers.inbox import Inbox

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def signed(body: bytes, secret: str = SIGNING_SECRET, at: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    mac = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + mac.hexdigest()}


def event_callback(event_id: str, text: str) -> bytes:
    """An Events API delivery as Slack documents it (an ``event_callback`` of a message)."""
    return json.dumps(
        {
            "token": "XXYYZZ",
            "team_id": "T123ABC456",
            "api_app_id": "A123ABC456",
            "event": {"type": "message", "channel": "C123ABC456", "user": "U123", "text": text},
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1355517523,
        }
    ).encode()


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[tuple[Slack, Inbox]]:
    connector = Slack(SlackConfig(signing_secret=SIGNING_SECRET, events_port=0), connection="team")
    config = connector.config
    with reading_route(
        connector, "events", tmp_path / "events.db", "127.0.0.1", 0, config.events_path
    ) as inbox:
        yield connector, inbox


def test_a_signed_event_is_stored_once_even_when_slack_retries_it(
    slack: tuple[Slack, Inbox],
) -> None:
    connector, inbox = slack
    body = event_callback("Ev08MFMKH6", "order 42 shipped")
    first = httpx.post(connector.events_url, content=body, headers=signed(body))
    retry_headers = signed(body, at=time.time() + 1)  # a retry is sent, and signed, later
    retry = httpx.post(
        connector.events_url,
        content=body,
        headers={**retry_headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"},
    )
    assert (first.status_code, retry.status_code) == (200, 200)
    [stored] = inbox.events()
    assert (stored.event.source, stored.event.id, stored.event.type) == (
        "team.events",
        "Ev08MFMKH6",
        "message",
    )
    assert stored.event.data["event"]["text"] == "order 42 shipped"
    assert "x-slack-signature" not in stored.event.headers


def test_url_verification_is_answered_with_its_challenge_and_stores_nothing(
    slack: tuple[Slack, Inbox],
) -> None:
    connector, inbox = slack
    body = b'{"token": "XXYYZZ", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}'  # noqa: E501 - Slack's documented example
    answer = httpx.post(connector.events_url, content=body, headers=signed(body))
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert inbox.count() == 0


def test_forged_or_stale_deliveries_are_refused_and_none_is_stored(
    slack: tuple[Slack, Inbox],
) -> None:
    connector, inbox = slack
    body = event_callback("Ev0FORGED", "transfer everything")
    url = connector.events_url
    wrong = httpx.post(url, content=body, headers=signed(body, "not-the-secret"))
    stale = httpx.post(url, content=body, headers=signed(body, at=time.time() - 301))
    unsigned = httpx.post(url, content=body)
    assert (wrong.status_code, stale.status_code, unsigned.status_code) == (401, 400, 400)
    assert SIGNING_SECRET not in wrong.text + stale.text + unsigned.text
    assert inbox.count() == 0


def test_without_a_signing_secret_the_trigger_says_which_setting_is_missing() -> None:
    reading = Slack(SlackConfig(events_port=0), connection="team").events()
    with pytest.raises(ConfigError, match="needs signing_secret"):
        next(reading)


def test_the_events_route_is_a_setting_checked_when_the_connection_loads() -> None:
    assert SlackConfig(events_path="/hooks/slack/").events_path == "/hooks/slack"
    with pytest.raises(ValueError, match="expected a path starting with /"):
        SlackConfig(events_path="slack events")
