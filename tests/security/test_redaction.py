"""A known secret is masked in every form it travels in, in every channel.

Random secrets with reserved and control characters are sent through each way the ``http``
connector carries a credential (bearer, basic, an API key header, an API key in the query
string) to a local server that echoes them back in every encoding: in a body, in response
headers and in an error. The exception text and attributes, ``wb.history()``, the log
records of every logger, the results' HTML and text, and every file the test wrote then
hold no form of any secret.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import string
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from served import serve_app
from servers import serve
from workers import write_notebook

import workbench as wb
from workbench.cli import cli
from workbench.config.secrets import default_secret_store
from workbench.errors import JobFailedError, WorkbenchError
from workbench.http.responses import HttpStatusError
from workbench.jobs.run.store import RunStore
from workbench.jobs.serve.app import create_app
from workbench.redaction import redact, register_secret
from workbench.sdk.calls import clear_history

RESERVED = "!#$%&'()*+,/:;=?@[]\"<>\\^`{|}~ -._"
CONTROLS = "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x7f"
UNICODE = "éß€中😀"

# A header value is visible ASCII with inner spaces; a query value or a basic-auth
# password (sent base64-encoded) may hold any character.
header_secrets = st.text(
    alphabet=string.ascii_letters + string.digits + RESERVED, min_size=8, max_size=24
).filter(lambda s: s.strip() == s and any(c in RESERVED for c in s))
any_secrets = st.text(
    alphabet=string.ascii_letters + string.digits + RESERVED + CONTROLS + UNICODE,
    min_size=8,
    max_size=24,
).filter(lambda s: any(c in RESERVED + CONTROLS + UNICODE for c in s))
usernames = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)


def b64_forms(data: bytes) -> list[str]:
    """Standard and URL-safe base64, with and without padding."""
    std, url = base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()
    return [std, std.rstrip("="), url, url.rstrip("=")]


def forms(secret: str, user: str | None = None) -> list[str]:
    """Every encoding a server may send ``secret`` back in (and basic auth's pair)."""
    raw = secret.encode()
    upper = [quote(secret, safe=""), quote(secret), quote_plus(secret)]
    lower = [_lower_hex(f) for f in upper]
    partial = quote(secret, safe="/:@!$&'()*+,;=")  # only what a URL cannot hold as is
    found = [secret, *upper, *lower, partial, *b64_forms(raw)]
    found += [json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]]
    found += [html.escape(secret), html.escape(secret, quote=False), repr(secret)[1:-1]]
    if user is not None:
        found += b64_forms(f"{user}:{secret}".encode())
    return list(dict.fromkeys(found))


def _lower_hex(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "%" and i + 2 < len(text) + 1:
            out.append(text[i : i + 3].lower())
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def header_safe(text: str) -> bool:
    return all(" " <= c <= "~" for c in text)


class Echo(BaseHTTPRequestHandler):
    """Echoes the credential it got, in every form, in a body, headers or an error."""

    def do_GET(self) -> None:
        secret, user = self.credential()
        echoed = forms(secret, user)
        path = urlsplit(self.path).path.strip("/")
        if path == "body":
            self.answer(200, json.dumps({"echo": echoed, "text": " | ".join(echoed)}), "json")
        elif path == "text":
            self.answer(200, "\n".join(echoed), "plain")
        elif path == "header":
            shown = [f for f in echoed if header_safe(f)]
            self.answer(200, "{}", "json", {f"X-Echo-{i}": f for i, f in enumerate(shown)})
        else:  # error/N: forms 3N to 3N+2 in an error body, every form in its headers
            part = int(path.split("/")[1]) * 3
            shown = [f for f in echoed if header_safe(f)]
            headers = {f"X-Echo-{i}": f for i, f in enumerate(shown)}
            body = " | ".join(echoed[part : part + 3])
            self.answer(401, f"denied: {body} (credential refused)", "plain", headers)

    def credential(self) -> tuple[str, str | None]:
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if "api_key" in query:
            return query["api_key"][0], None
        if "X-API-Key" in self.headers:
            return self.headers["X-API-Key"], None
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme == "Basic":
            user, _, password = base64.b64decode(value).decode().partition(":")
            return password, user
        return value, None

    def answer(self, status: int, body: str, kind: str, headers: dict[str, str] | None = None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{'application' if kind == 'json' else 'text'}/{kind}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    with serve(Echo) as url:
        yield url


def write_connections(project: Path, url: str, user: str) -> None:
    (project / "workbench.toml").write_text(
        "[connections.bearer]\n"
        f'connector = "http"\nbase_url = "{url}"\ntoken = {{ secret = "echo/bearer" }}\n'
        "[connections.basic]\n"
        f'connector = "http"\nbase_url = "{url}"\nusername = "{user}"\n'
        'password = { secret = "echo/basic" }\n'
        "[connections.keyed]\n"
        f'connector = "http"\nbase_url = "{url}"\napi_key = {{ secret = "echo/header" }}\n'
        "[connections.query]\n"
        f'connector = "http"\nbase_url = "{url}"\n'
    )


def collect(calls: list[tuple[str, dict[str, Any]]], name: str, seen: list[str]) -> None:
    """Run each call on connection ``name``; keep every text a person or a log could see."""
    with wb.connect(name) as client:
        for path, options in calls:
            try:
                result = client.get(path, **options)
            except WorkbenchError as exc:
                seen += [str(exc), repr(exc), *map(str, exc.args)]
                if isinstance(exc, HttpStatusError):
                    seen += [str(exc.status), json.dumps(exc.headers), str(exc.headers)]
                continue
            seen += [repr(result), result._repr_html_(), str(result.raw)]


def every_text(tmp_path: Path, caplog: pytest.LogCaptureFixture, seen: list[str]) -> list[str]:
    history = [wb.history(), wb.history(requests=True)]
    seen += [h.to_string() for h in history] + [repr(h) for h in history]
    seen += [h._repr_html_() for h in history]  # type: ignore[operator]
    seen += [caplog.text] + [r.getMessage() for r in caplog.records]
    seen += [logging.Formatter().format(r) for r in caplog.records]
    return seen


def written_files(root: Path) -> list[bytes]:
    return [p.read_bytes() for p in root.rglob("*") if p.is_file()]


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    database=None,  # examples are secrets: none is kept on disk
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure shows its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    bearer=header_secrets,
    keyed=header_secrets,
    basic=any_secrets,
    user=usernames,
    query=any_secrets,
)
def test_no_form_of_a_secret_reaches_any_channel(
    bearer: str,
    keyed: str,
    basic: str,
    user: str,
    query: str,
    echo_url: str,
    project: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_connections(project, echo_url, user)
    store = default_secret_store()
    for name, value in [("bearer", bearer), ("header", keyed), ("basic", basic)]:
        store.set(f"echo/{name}", value)
    store.set("echo/query", query)
    clear_history()
    caplog.clear()
    seen: list[str] = []
    paths = ["body", "text", "header", *(f"error/{i}" for i in range(8))]
    with caplog.at_level(logging.DEBUG):
        for name in ("bearer", "basic", "keyed"):
            collect([(p, {}) for p in paths], name, seen)
        key = {"api_key": store.get("echo/query")}
        collect([(p, {"params": key}) for p in paths], "query", seen)
    texts = every_text(tmp_path, caplog, seen)
    files = written_files(tmp_path)
    leaks = []
    for secret, pair_user in [(bearer, None), (keyed, None), (basic, user), (query, None)]:
        for form in forms(secret, pair_user):
            leaks += [("text", form) for t in texts if form in t]
            leaks += [("file", form) for f in files if form.encode() in f]
    assert leaks == []


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s,
        lambda s: quote(s, safe=""),
        lambda s: quote(s, safe="").lower(),
        quote_plus,
        lambda s: base64.b64encode(s.encode()).decode(),
        lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
        lambda s: json.dumps(s)[1:-1],
        html.escape,
        lambda s: repr(s)[1:-1],
        lambda s: quote(quote(s, safe=""), safe=""),  # encoded twice
        lambda s: base64.b64encode(f"ada:{s}".encode()).decode(),  # inside basic auth's pair
    ],
)
def test_redact_masks_each_encoding(encode: Any) -> None:
    secret = 'k3y/with +reserved&"chars"\n'
    register_secret(secret)
    text = f"before {encode(secret)} after"
    assert redact(text) == "before *** after"


def test_basic_auth_header_registers_the_pair_and_the_password() -> None:
    pair = base64.b64encode(b"ada:pw").decode()
    register_secret(f"Basic {pair}")
    assert redact(f"got {pair} back") == "got *** back"
    assert redact("user ada:pw") == "user ***"


def test_short_secrets_do_not_mask_ordinary_text() -> None:
    register_secret("abc")
    assert redact("abc abcd YWJj") == "abc abcd YWJj"


def test_every_logger_is_redacted(
    echo_url: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    secret = "q/key with&spaces=1"
    register_secret(secret)
    with caplog.at_level(logging.INFO):
        httpx.get(f"{echo_url}/body", params={"api_key": secret}, timeout=10, trust_env=False)
        logging.getLogger("botocore.endpoint").warning("signed %s", quote_plus(secret))
        try:
            raise ValueError(f"bad key {quote(secret, safe='')}")
        except ValueError:
            logging.getLogger("urllib3.connectionpool").exception("request failed")
    assert any(r.name == "httpx" for r in caplog.records)
    text = caplog.text + "".join(logging.Formatter().format(r) for r in caplog.records)
    for form in forms(secret):
        assert form not in text
    assert "***" in text


SERVED_SECRET = "srv/key with&reserved=1+é"
FAILING_CELL = """
import base64, json
from urllib.parse import quote, quote_plus
from workbench.config.secrets import default_secret_store
key = default_secret_store().get("served/key")
raise RuntimeError("upstream echoed " + quote(key, safe="") + " " + quote_plus(key) + " "
                   + base64.b64encode(key.encode()).decode() + " " + json.dumps(key))
"""


@pytest.mark.slow
def test_served_500_body_run_records_and_outputs_hold_no_echoed_secret(
    project: Path, store: RunStore, tmp_path: Path, data_dir: Path
) -> None:
    default_secret_store().set("served/key", SERVED_SECRET)
    path = write_notebook(project / "echoing.ipynb", "n = 1", FAILING_CELL)
    with serve_app(create_app(path, token=None, store=store, pool_size=1)) as url:
        response = httpx.get(f"{url}/echoing", params={"n": "2"}, timeout=90, trust_env=False)
    assert response.status_code == 500
    assert "upstream echoed ***" in response.json()["message"]
    ran = CliRunner().invoke(cli, ["run", str(path)])
    assert ran.exit_code == JobFailedError.exit_code
    listed = CliRunner().invoke(cli, ["runs", "--json"])
    runs = json.loads(listed.output)
    assert len(runs) == 2
    outputs = [Path(r.output) for r in store.runs() if r.output]
    texts = [response.text, str(response.headers), ran.output, listed.output]
    texts += [p.read_text() for p in outputs]
    files = written_files(tmp_path) + [p.read_bytes() for p in outputs]
    for form in forms(SERVED_SECRET):
        assert not [t for t in texts if form in t], form
        assert not [f for f in files if form.encode() in f], form
