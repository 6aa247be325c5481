"""The Code tab's code runs as pasted; the Raw tab shows the request sent beside the response."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import JsonHandler, serve
from specs import SPECS

import workbench as wb
from workbench.config.secrets import default_secret_store
from workbench.notebook.widgets.panel import Panel, ui

TOKEN = "tok-3f1a-raw-request-secret"
SEEN: list[dict[str, Any]] = []


class Echo(JsonHandler):
    """Answers a POST with what it received (path, authorization, body); GET with users."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append({"auth": self.headers.get("Authorization"), "body": body})
        self.send_json(201, {"id": 7, **body})

    def do_GET(self) -> None:
        self.send_json(200, [{"id": 1, "name": "Ada"}])


@pytest.fixture
def api(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The connection ``api`` to a local server, its token from the environment."""
    monkeypatch.setenv("WB_TEST_API_TOKEN", TOKEN)
    SEEN.clear()
    with serve(Echo) as url:
        (project / "workbench.toml").write_text(
            f'[connections.api]\nconnector = "http"\nbase_url = "{url}"\n'
            'token = "${WB_TEST_API_TOKEN}"\n',
            encoding="utf-8",
        )
        yield url


def pasted(code: str) -> Any:
    """Run ``code`` as a notebook cell would after ``import workbench as wb``; its value."""
    *lines, last = code.splitlines()
    scope: dict[str, Any] = {"wb": wb}
    exec("\n".join(lines), scope)  # noqa: S102 - the code under test, as a cell runs it
    return eval(last, scope)  # noqa: S307


def test_the_raw_tab_shows_the_request_sent_beside_the_response(api: str) -> None:
    panel = ui("api", "post", background=False)
    panel.form.set_values(path="/contacts", json={"name": "Ada", "token": TOKEN})  # type: ignore[union-attr]
    panel.run_button.click()
    assert panel.error == "" and SEEN[-1]["auth"] == f"Bearer {TOKEN}"
    raw = panel.raw_area.value
    request = raw[raw.index("wb-raw-request") : raw.index("wb-raw-response")]
    response = raw[raw.index("wb-raw-response") :]
    assert f"POST {api}/contacts" in request
    assert "authorization: ***" in request and "content-type: application/json" in request
    assert "&quot;name&quot;:&quot;Ada&quot;" in request.replace(" ", "")
    assert "&quot;status&quot;: 201" in response and "&quot;id&quot;: 7" in response
    assert TOKEN not in raw


def test_a_call_that_is_no_http_request_shows_the_call() -> None:
    panel = ui("shop", "tables", background=False)
    panel.run_button.click()
    raw = panel.raw_area.value
    request = raw[raw.index("wb-raw-request") : raw.index("wb-raw-response")]
    assert "wb.connect(&quot;shop&quot;).tables()" in request


def test_the_code_runs_as_pasted_against_the_real_connection(api: str) -> None:
    panel = ui("api", "get", background=False)
    panel.form.set_values(path="/users", params={"page": 2})  # type: ignore[union-attr]
    panel.run_button.click()
    assert panel.code == 'wb.connect("api").get(path="/users", params={"page": 2})'
    assert pasted(panel.code).data == panel.result.data == [{"id": 1, "name": "Ada"}]  # type: ignore[union-attr]


def test_a_secret_typed_into_the_form_is_read_by_name_when_pasted() -> None:
    wb.Connector.from_openapi(SPECS / "slack.com.json", name="slack")
    panel = ui("slack", "chat_post_message", background=False)
    assert panel.form is not None and "token" in panel.form.secret_fields
    panel.form.fields["token"].value = "xoxb-5e2d-form-secret"
    panel.form.set_values(channel="#ops", text="Order 42 shipped")
    panel.run_button.click()
    assert panel.result is not None, panel.error
    assert "xoxb-5e2d-form-secret" not in panel.code and "***" not in panel.code
    assert 'token=secrets().get("slack/chat_post_message.token")' in panel.code
    assert default_secret_store().get("slack/chat_post_message.token") == "xoxb-5e2d-form-secret"
    again = pasted(panel.code)  # the sandbox answers the same call
    assert again.raw["status"] == panel.result.raw["status"] == 200
    assert "xoxb-5e2d-form-secret" not in panel.raw_area.value


def test_a_secret_the_connection_already_references_is_named_not_copied(
    project: Path,
) -> None:
    default_secret_store().set("slack/bot-token", "xoxb-77c1-stored-secret")
    (project / "workbench.toml").write_text(
        '[connections.slack]\nconnector = "slack"\ntoken = { secret = "slack/bot-token" }\n'
        "sandbox = true\n",
        encoding="utf-8",
    )
    wb.Connector.from_openapi(SPECS / "slack.com.json", name="slack")
    panel = Panel("slack", "chat_post_message", background=False)
    panel.form.set_values(token="xoxb-77c1-stored-secret", channel="C1")  # type: ignore[union-attr]
    panel.run_button.click()
    assert 'token=secrets().get("slack/bot-token")' in panel.code, panel.error
    assert default_secret_store().names() == ["slack/bot-token"]  # nothing new stored
    assert pasted(panel.code).raw["status"] == 200


def test_the_request_kept_in_a_result_masks_secret_looking_body_fields() -> None:
    import httpx

    from workbench.http.responses import details

    form = httpx.Request("POST", "https://slack.test/api", data={"token": "xoxb-9", "text": "hi"})
    sent = details(httpx.Response(200, request=form))["request"]["body"]
    assert "xoxb-9" not in sent and "text=hi" in sent
    nested = httpx.Request("POST", "https://x.test/", json={"auth": {"client_secret": "c-7"}})
    assert "c-7" not in details(httpx.Response(200, request=nested))["request"]["body"]
