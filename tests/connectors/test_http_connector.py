"""The http connector against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from pydantic import ValidationError
from servers import serve

import workbench as wb
from workbench.connectors.http import Http, HttpConfig
from workbench.errors import ActionArgumentError, ActionError, ConnectionFailedError

TOKEN = "tok-3f9a1c-bearer-secret"
USER, PASSWORD = "ada", "pw-8c1e7d-basic-secret"
API_KEY = "key-77d2b0-header-secret"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
# server path -> (header the server checks, the value it expects, config fields that send it)
AUTH = {
    "bearer": ("Authorization", f"Bearer {TOKEN}", {"token": TOKEN}),
    "basic": ("Authorization", BASIC, {"username": USER, "password": PASSWORD}),
    "key": ("X-API-Key", API_KEY, {"api_key": API_KEY}),
}
USERS = [
    {"id": 1, "name": "Ada", "address": {"city": "London", "zip": "N1"}},
    {"id": 2, "name": "Grace", "address": {"city": "New York", "zip": "10001"}},
]


class Api(BaseHTTPRequestHandler):
    """A small JSON API: users, nested search results, echo, auth checks, failures."""

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"  # httpx ends a base URL's path with "/"
        query = dict(parse_qsl(url.query))
        sent = (self.headers.get("Authorization"), self.headers.get("X-API-Key"))
        if path == "/":
            self.reply(200, {"service": "test api"})
        elif path == "/users":
            self.reply(200, USERS, Set_Cookie="session=abc123xyz", X_Total="2")
        elif path == "/search":
            self.reply(200, {"data": {"items": USERS, "total": 2}, "page": query.get("page")})
        elif path == "/text":
            self.reply(200, "plain text, not JSON", "text/plain; charset=utf-8")
        elif path == "/fail":
            self.reply(500, f"database down; request had {sent}; " + "x" * 300 + "END")
        elif path == "/slow":
            time.sleep(1)
            self.reply(200, {"late": True})
        elif path[1:] in AUTH:
            header, expected, _ = AUTH[path[1:]]
            if self.headers.get(header) == expected:
                self.reply(200, {"user": USER}, X_Echo_Auth=expected)
            else:
                self.reply(401, {"error": "unauthorized"})
        else:
            self.reply(404, {"error": f"no route {path}"})

    def do_DELETE(self) -> None:
        self.reply(204, None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        kind = self.headers.get("Content-Type", "")
        self.reply(
            200,
            {
                "method": self.command,
                "query": dict(parse_qsl(urlsplit(self.path).query)),
                "json": json.loads(body) if "json" in kind else None,
                "form": dict(parse_qsl(body)) if "form" in kind else None,
            },
        )

    do_PUT = do_PATCH = do_POST

    def reply(self, status: int, body: Any, kind: str = "application/json", **headers: str) -> None:
        """Answer; ``X_Total="2"`` sends the header ``X-Total: 2``."""
        text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
        data = text.encode()
        try:
            self.send_response(status)
            for name, value in {"Content-Type": kind, **headers}.items():
                self.send_header(name.replace("_", "-"), value)
            if status != 204:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Api) as url:
        yield url


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api(server: str) -> Iterator[Http]:
    with Http(HttpConfig(base_url=server, token=TOKEN), connection="api") as connector:
        yield connector


def test_get_returns_json_and_flattens_nested_records(api: Http, server: str) -> None:
    result = api.get("users")

    assert result.data == USERS
    assert list(result.df.columns) == ["id", "name", "address.city", "address.zip"]
    assert result.raw["status"] == 200
    assert result.raw["url"] == f"{server}/users"
    assert result.raw["headers"]["x-total"] == "2"
    assert result.raw["headers"]["set-cookie"] == "***"


def test_records_picks_the_list_out_of_nested_json(api: Http) -> None:
    result = api.get("/search", params={"page": 2}, records="data.items")

    assert result.df["address.city"].tolist() == ["London", "New York"]
    assert result.raw["url"].endswith("/search?page=2")
    with pytest.raises(ActionArgumentError, match=r"no 'itemz' at data .*'items', 'total'"):
        api.get("search", records="data.itemz")


def test_text_bodies_come_back_as_text(api: Http) -> None:
    assert api.get("text").data == "plain text, not JSON"


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_bodies_are_sent_as_json_or_form(api: Http, method: str) -> None:
    send = getattr(api, method)

    sent = send("echo", json={"name": "Zoë", "tags": [1, 2]}, params={"dry": "yes"}).data
    form = send("echo", data={"name": "Ada"}).data

    assert (sent["method"], sent["query"], sent["form"]) == (method.upper(), {"dry": "yes"}, None)
    assert sent["json"] == {"name": "Zoë", "tags": [1, 2]}
    assert form["form"] == {"name": "Ada"}


def test_delete_with_an_empty_answer(api: Http) -> None:
    result = api.delete("items/7")

    assert result.data is None
    assert result.raw["status"] == 204


@pytest.mark.parametrize("kind", list(AUTH))
def test_each_auth_kind_is_accepted_and_wrong_credentials_refused(server: str, kind: str) -> None:
    fields = AUTH[kind][2]
    with Http(HttpConfig(base_url=server, **fields), connection="api") as api:
        assert api.get(kind).data == {"user": USER}
    wrong = {name: "wrong-" + value for name, value in fields.items() if name != "username"}
    with (
        Http(HttpConfig(base_url=server, **{**fields, **wrong}), connection="api") as api,
        pytest.raises(ActionError, match=rf"GET {server}/{kind} returned HTTP 401"),
    ):
        api.get(kind)


def test_auth_is_inferred_and_its_credentials_required() -> None:
    base = "https://api.example.com"
    assert HttpConfig(base_url=base, token=TOKEN).auth_kind == "bearer"
    assert HttpConfig(base_url=base, username=USER, password=PASSWORD).auth_kind == "basic"
    assert HttpConfig(base_url=base, api_key=API_KEY).auth_kind == "header"
    assert HttpConfig().auth_kind == "none"
    with pytest.raises(ValidationError, match="auth 'bearer' needs base_url"):
        HttpConfig(token=TOKEN)  # credentials are sent only to the origin of base_url
    with pytest.raises(ValidationError, match="auth 'basic' needs the field 'password'"):
        HttpConfig(username=USER)
    with pytest.raises(ValidationError, match="needs the fields 'username' and 'password'"):
        HttpConfig(auth="basic")
    with pytest.raises(ValidationError, match="base_url must start with http"):
        HttpConfig(base_url="ftp://example.com")


@pytest.mark.parametrize("kind", list(AUTH))
def test_secrets_never_reach_raw_reprs_or_errors(server: str, kind: str) -> None:
    _, header_value, fields = AUTH[kind]
    secrets = {*fields.values(), header_value.split()[-1]} - {USER}
    with Http(HttpConfig(base_url=server, **fields), connection="api") as api:
        result = api.get(kind, params={"access_token": "tok-in-the-url", "page": 1})
        with pytest.raises(ActionError) as failure:
            api.get("fail", params={"api_key": "key-in-the-url"})
        shown = [repr(result.raw), repr(result), repr(api), repr(api.config), str(failure.value)]

    assert not [text for text in shown for secret in secrets if secret in text]
    assert result.raw["url"] == f"{server}/{kind}?access_token=***&page=1"
    assert result.raw["headers"]["x-echo-auth"] == "***"
    message = str(failure.value)
    assert message.startswith(f"api.get: GET {server}/fail?api_key=*** returned HTTP 500")
    assert "database down; request had (" in message
    assert "END" not in message  # the body is cut to its first 200 characters


def test_an_unreachable_server_fails_the_action_and_the_check(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    with Http(HttpConfig(base_url=url, token=TOKEN), connection="down") as api:
        with pytest.raises(
            ConnectionFailedError, match=rf"down: cannot reach {url}/users\?token=\*\*\*: "
        ):
            api.get("users", params={"token": TOKEN})
        with pytest.raises(ConnectionFailedError, match=f"down: cannot reach {url}") as failure:
            api.check()
    assert TOKEN not in str(failure.value)


def test_a_slow_server_times_out(server: str) -> None:
    with (
        Http(HttpConfig(base_url=server, timeout=0.2), connection="api") as api,
        pytest.raises(ConnectionFailedError, match=r"slow: no answer within 0\.2 s"),
    ):
        api.get("slow")


def test_check_reports_the_answer_or_refused_credentials(server: str) -> None:
    with Http(HttpConfig(base_url=server), connection="api") as api:
        assert api.check() == f"HTTP 200 from {server}"
    refused = HttpConfig(base_url=f"{server}/bearer", token="not-" + TOKEN)
    with Http(refused, connection="api") as api, pytest.raises(ConnectionFailedError) as failure:
        api.check()
    assert str(failure.value) == f"api: {server}/bearer refused the credentials (HTTP 401)"
    with (
        Http(HttpConfig(base_url=f"{server}/fail"), connection="api") as api,
        pytest.raises(ConnectionFailedError, match=r"is failing \(HTTP 500\)"),
    ):
        api.check()
    with pytest.raises(ConnectionFailedError, match="no base_url"):
        Http().check()


def test_full_urls_work_without_a_base_url_and_relative_ones_do_not(server: str) -> None:
    with Http(connection="web") as web:
        assert web.get(f"{server}/users").rows == 2
        with pytest.raises(ActionArgumentError, match="not an http"):
            web.get("users")


def test_one_client_per_connector_until_closed(api: Http) -> None:
    api.get("users")
    client = api._client
    api.get("search")
    assert api._client is client

    api.close()
    assert api._client is None
    assert client is not None and client.is_closed
    assert api.get("users").rows == 2  # a closed connector opens a new client on use


def test_connect_by_name_from_workbench_toml(
    server: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_TOKEN", TOKEN)
    (project / "workbench.toml").write_text(
        f'[connections.api]\nconnector = "http"\nbase_url = "{server}"\ntoken = "${{API_TOKEN}}"\n',
        encoding="utf-8",
    )

    with wb.connect("api") as api:
        assert isinstance(api, Http)
        assert api.get("bearer").data == {"user": USER}
        assert api.check() == f"HTTP 200 from {server}"
    assert TOKEN not in wb.connections().to_string()
    row = wb.catalog("http").set_index("name").loc["http"]
    assert (row["category"], row["auth"]) == ("api", "none, bearer, basic, header")
