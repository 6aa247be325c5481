"""The slack connector against Prism mocking Slack's official spec, and a local fake for
Slack's ``ok: false`` answers and its 429 rate limits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import pandas as pd
import pytest
from prism_mock import CoreValidator, Exchanges, prism_server
from servers import JsonHandler, serve
from specs import SPECS

import workbench as wb
from workbench.connectors.slack import Slack, SlackError
from workbench.connectors.slack.spec import SPEC_FILE

OFFICIAL = SPECS / "slack.com.json"
TOKEN = "xoxb-test-0123456789"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prism_server(json.loads(OFFICIAL.read_text()), tmp_path_factory.mktemp("prism")) as url:
        yield url


@pytest.fixture
def slack(prism: str) -> Iterator[tuple[Slack, Exchanges]]:
    config = Slack.config_model(base_url=prism, token=TOKEN)
    exchanges = Exchanges()
    with Slack(config, connection="slack") as connector:
        exchanges.attach(connector.http())
        yield connector, exchanges


def _form(request: object) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())  # type: ignore[attr-defined]


def test_the_shipped_spec_is_slacks_official_one() -> None:
    assert json.loads(SPEC_FILE.read_text()) == json.loads(OFFICIAL.read_text())
    assert len(Slack.action_specs) == 174 + 6


def test_send_message_resolves_a_channel_name_and_prism_accepts_every_request(
    slack: tuple[Slack, Exchanges],
) -> None:
    connector, exchanges = slack
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Order 42* shipped"}}]
    sent = connector.send_message("#general", "Order 42 shipped", blocks=blocks, thread_ts="1.2")
    assert sent.data["ok"] is True
    assert exchanges.violations() == []
    lookups = exchanges.requests("/conversations.list")
    lookup = lookups[0]
    assert lookup.headers["Authorization"] == f"Bearer {TOKEN}"
    (post,) = exchanges.requests("/chat.postMessage")
    form = _form(post)
    assert form["channel"] == ["C012AB3CD"]  # general's id, from conversations.list
    assert form["text"] == ["Order 42 shipped"]
    assert json.loads(form["blocks"][0]) == blocks
    assert form["thread_ts"] == ["1.2"]
    assert post.headers["token"] == TOKEN  # the spec's required token header
    connector.send_message("general", "again")  # the name is cached now
    assert len(exchanges.requests("/conversations.list")) == len(lookups)


def test_a_channel_id_is_sent_as_it_is(slack: tuple[Slack, Exchanges]) -> None:
    connector, exchanges = slack
    connector.send_message("C0123ABCD", "hi")
    assert exchanges.requests("/conversations.list") == []
    assert _form(exchanges.requests("/chat.postMessage")[0])["channel"] == ["C0123ABCD"]


def test_unknown_channel_name_names_what_the_token_sees(slack: tuple[Slack, Exchanges]) -> None:
    connector, _ = slack
    with pytest.raises(SlackError, match=r"'#nowhere'.*it sees: general, random") as caught:
        connector.send_message("#nowhere", "hi")
    assert caught.value.code == "channel_not_found"


def test_lists_are_dataframes_read_across_pages(slack: tuple[Slack, Exchanges]) -> None:
    connector, exchanges = slack
    channels = connector.list_channels().df
    assert channels[["id", "name"]].values.tolist() == [
        ["C012AB3CD", "general"],
        ["C061EG9T2", "random"],
    ]
    users = connector.list_users().df
    assert isinstance(users, pd.DataFrame)
    assert users["name"].tolist() == ["spengler", "glinda"]
    pages = exchanges.requests("/conversations.list")
    # Prism answers every page with the same cursor: the second page is asked for once
    assert [p.url.params.get("cursor") for p in pages] == [None, "dGVhbTpDMDYxRkE1UEI="]
    assert all(p.url.params["limit"] == "200" for p in pages)
    assert exchanges.violations() == []


def test_lookup_user_upload_file_and_add_reaction(
    slack: tuple[Slack, Exchanges], tmp_path: Path
) -> None:
    connector, exchanges = slack
    user = connector.lookup_user("spengler@ghostbusters.example.com")
    assert user.df["id"].tolist() == ["W012A3CDE"]
    assert exchanges.requests("/users.lookupByEmail")[0].url.params["email"] == (
        "spengler@ghostbusters.example.com"
    )
    frame = pd.DataFrame({"order": [42, 43], "status": ["shipped", "pending"]})
    uploaded = connector.upload_file("#general", frame, title="Orders")
    assert uploaded.data["ok"] is True
    form = _form(exchanges.requests("/files.upload")[0])
    assert form["content"] == ["order,status\n42,shipped\n43,pending\n"]
    assert form["filename"] == ["data.csv"]
    assert form["channels"] == ["C012AB3CD"]
    reacted = connector.add_reaction("#random", "1503435956.000247", ":white_check_mark:")
    assert reacted.data == {"ok": True}
    form = _form(exchanges.requests("/reactions.add")[0])
    assert form == {
        "channel": ["C061EG9T2"],
        "name": ["white_check_mark"],
        "timestamp": ["1503435956.000247"],
    }
    assert exchanges.violations() == []


def test_generated_actions_send_the_connections_token(slack: tuple[Slack, Exchanges]) -> None:
    connector, exchanges = slack
    assert connector.chat_post_message(channel="C0123ABCD", text="hi").data["ok"] is True
    assert exchanges.requests("/chat.postMessage")[0].headers["token"] == TOKEN
    assert exchanges.violations() == []


class _Slack(JsonHandler):
    """Slack's documented failures: ``ok: false`` with an error code, and 429s."""

    calls: ClassVar[list[tuple[str, float]]] = []
    limited: ClassVar[int] = 0

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        type(self).calls.append((self.path, time.monotonic()))
        if self.path.endswith("/chat.postMessage") and type(self).limited > 0:
            type(self).limited -= 1
            data = b'{"ok": false, "error": "ratelimited"}'
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif form.get("channel") == ["C0ARCHIVED"]:
            self.send_json(200, {"ok": False, "error": "is_archived"})
        elif self.path.endswith("/reactions.add"):
            self.send_json(
                200,
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": "reactions:write",
                    "provided": "chat:write",
                },
            )
        else:
            self.send_json(200, {"ok": True, "channel": form["channel"][0], "ts": "1.000001"})


@pytest.fixture
def fake() -> Iterator[Slack]:
    _Slack.calls, _Slack.limited = [], 0
    with serve(_Slack) as url, Slack(Slack.config_model(base_url=url, token=TOKEN)) as connector:
        yield connector


def test_ok_false_raises_slacks_error_code(fake: Slack) -> None:
    with pytest.raises(SlackError, match=r"slack.chat.postMessage: Slack error 'is_archived'") as e:
        fake.send_message("C0ARCHIVED", "hi")
    assert e.value.code == "is_archived"
    with pytest.raises(SlackError, match=r"needed: reactions:write; the token has: chat:write"):
        fake.add_reaction("C0123ABCD", "1.0", "tada")
    history = wb.history()
    assert history["status"].tolist()[-2:] == ["error", "error"]
    assert TOKEN not in history.to_string()


def test_a_rate_limited_post_is_sent_again_after_retry_after(fake: Slack) -> None:
    _Slack.limited = 1
    sent = fake.send_message("C0123ABCD", "hi")
    assert sent.data == {"ok": True, "channel": "C0123ABCD", "ts": "1.000001"}
    (first, at), (again, later) = _Slack.calls
    assert first == again == "/chat.postMessage"
    assert later - at >= 1.0  # Slack's Retry-After: 1


def test_sandbox_needs_no_token() -> None:
    slack = wb.connect("slack", sandbox=True)
    assert slack.send_message("#general", "hi").data["ok"] is True
    assert slack.list_channels().df["name"].tolist() == ["general", "random"]
    catalog = wb.catalog("slack")
    row = catalog[catalog["name"] == "slack"].iloc[0]
    assert (row["category"], row["actions"]) == ("messaging", 180)


def test_prism_reports_a_request_that_breaks_the_spec(slack: tuple[Slack, Exchanges]) -> None:
    connector, exchanges = slack
    # no token header and no channel: both required by chat.postMessage in Slack's spec
    with pytest.raises(SlackError):  # Prism answers with the spec's ok: false example
        connector.http().post("/chat.postMessage", data={"text": "hi"})
    found = exchanges.violations()
    assert any("token" in v for v in found), found
    assert any("channel" in v for v in found), found
    core = CoreValidator(json.loads(OFFICIAL.read_text())).errors([exchanges.responses[-1].request])
    assert any("token" in e for e in core), core  # openapi-core finds it too


def test_openapi_core_accepts_every_friendly_request(slack: tuple[Slack, Exchanges]) -> None:
    connector, exchanges = slack
    connector.send_message("#general", "hi", blocks=[{"type": "divider"}], thread_ts="1.2")
    connector.list_users()
    connector.lookup_user("spengler@ghostbusters.example.com")
    connector.upload_file("C0123ABCD", "a,b\n1,2\n", filename="t.csv", thread_ts="1.2")
    connector.add_reaction("C0123ABCD", "1.2", "tada")
    sent = [r.request for r in exchanges.responses]
    assert len(sent) >= 6
    assert CoreValidator(json.loads(OFFICIAL.read_text())).errors(sent) == []
