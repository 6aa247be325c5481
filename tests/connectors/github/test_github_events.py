"""The github connector's ``events`` trigger: webhook deliveries signed with the webhook's
secret (X-Hub-Signature-256), received by the real listener and read into an inbox."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sources import reading_route
from workbench.connectors.github import GitHub, GitHubConfig
from workbench.errors import ConfigError
from workbench.triggers.inbox import Inbox

SECRET = "It's a Secret to Everybody"  # GitHub's documented example


def signed(body: bytes, delivery: str, event: str, secret: str = SECRET) -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Event": event,
        "X-Hub-Signature-256": "sha256=" + mac,
        "Content-Type": "application/json",
    }


@pytest.fixture
def github(tmp_path: Path) -> Iterator[tuple[GitHub, Inbox]]:
    connector = GitHub(GitHubConfig(webhook_secret=SECRET, events_port=0), connection="gh")
    with reading_route(
        connector, "events", tmp_path / "events.db", "127.0.0.1", 0, "/github/webhooks"
    ) as inbox:
        yield connector, inbox


def test_a_signed_delivery_is_stored_once_even_when_github_redelivers_it(
    github: tuple[GitHub, Inbox],
) -> None:
    connector, inbox = github
    body = json.dumps({"action": "opened", "issue": {"number": 1347, "title": "Found a bug"}})
    headers = signed(body.encode(), "72d3162e-cc78-11e3-81ab-4c9367dc0958", "issues")
    answers = [httpx.post(connector.events_url, content=body, headers=headers) for _ in "12"]
    assert [a.status_code for a in answers] == [200, 200]
    [stored] = inbox.events()
    event = stored.event
    assert (event.source, event.id, event.type) == (
        "gh.events",
        "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "issues",
    )
    assert event.data["issue"]["number"] == 1347
    assert "x-hub-signature-256" not in event.headers


def test_a_delivery_signed_with_another_secret_or_tampered_is_refused(
    github: tuple[GitHub, Inbox],
) -> None:
    connector, inbox = github
    body = b'{"action": "deleted"}'
    forged = signed(body, "d-forged", "repository", secret="guessed")
    tampered = signed(b'{"action": "created"}', "d-tampered", "repository")
    answers = [
        httpx.post(connector.events_url, content=body, headers=forged),
        httpx.post(connector.events_url, content=body, headers=tampered),
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert inbox.count() == 0


def test_without_a_webhook_secret_the_trigger_says_which_setting_is_missing() -> None:
    reading = GitHub(GitHubConfig(events_port=0), connection="gh").events()
    with pytest.raises(ConfigError, match="needs webhook_secret"):
        next(reading)
