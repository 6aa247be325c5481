"""Signing in as a user with the authorization code grant and PKCE, against a local
authorization server; a thread with httpx plays the browser and follows the redirect to
the loopback listener."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authorization_server import CLIENT_ID, Provider, authorization_server, s256

import workbench as wb
from workbench.errors import ConfigError, ConnectionFailedError
from workbench.http.authorization_code import SignIn, Tokens, challenge_of, sign_in
from workbench.http.loopback import Loopback


@dataclass(frozen=True)
class Page:
    """What the browser showed at the end of the redirects."""

    status: int
    text: str


BROWSE = """
import json, sys, httpx
page = httpx.get(sys.argv[1], follow_redirects=True, trust_env=False, timeout=30)
print(json.dumps({"status": page.status_code, "text": page.text}))
"""


class Browser:
    """Opens a URL as a browser would: another process, in the background, following every
    redirect (so the code in the redirect is the browser's, never in this process's logs).

    ``change`` rewrites the query of the consent URL first (a tampered or stale link).
    """

    def __init__(self, change: Callable[[dict[str, str]], None] | None = None) -> None:
        self.change = change
        self.pages: list[Page] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, url: str) -> None:
        thread = threading.Thread(target=self.visit, args=(url,))
        self.threads.append(thread)
        thread.start()

    def visit(self, url: str) -> None:
        if self.change is not None:
            parts = urlsplit(url)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            self.change(query)
            url = parts._replace(query=urlencode(query)).geturl()
        done = subprocess.run(
            [sys.executable, "-c", BROWSE, url], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        self.pages.append(Page(**json.loads(done.stdout)))

    def page(self) -> Page:
        for thread in self.threads:
            thread.join(30)
        (page,) = self.pages
        return page


@pytest.fixture
def provider() -> Provider:
    return Provider()


@pytest.fixture
def server(provider: Provider) -> Iterator[str]:
    with authorization_server(provider) as url:
        yield url


def attempt(server: str, secret: str | None = None) -> SignIn:
    return SignIn(
        f"{server}/authorize", f"{server}/token", CLIENT_ID, secret, scopes=["notes.read"]
    )


def run(
    server: str, browser: Browser, said: list[str] | None = None, timeout: float = 30
) -> Tokens:
    return sign_in(
        attempt(server),
        opener=browser,
        say=(said if said is not None else []).append,
        timeout=timeout,
    )


def test_the_verifier_and_its_s256_challenge_follow_rfc_7636() -> None:
    one, two = attempt("https://id.example.com"), attempt("https://id.example.com")
    verifier = one._verifier
    assert 43 <= len(verifier) <= 128 and re.fullmatch(r"[A-Za-z0-9\-._~]+", verifier)
    assert one.challenge == challenge_of(verifier) == s256(verifier)
    assert one.state != two.state and verifier != two._verifier


def test_signing_in_returns_the_tokens_the_server_issued(provider: Provider, server: str) -> None:
    browser, said = Browser(), []
    tokens = run(server, browser, said)
    assert tokens.access_token in provider.access_tokens
    assert tokens.refresh_token in provider.refresh_tokens
    assert tokens.scope == "notes.read"
    assert tokens.expires_at is not None
    left = tokens.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=3500) < left <= dt.timedelta(seconds=3600)
    page = browser.page()
    assert page.status == 200 and "you can close this tab" in page.text
    (asked,) = provider.authorize_queries
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", asked["redirect_uri"])
    assert asked["scope"] == "notes.read" and asked["code_challenge_method"] == "S256"
    (form,) = provider.token_forms
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == asked["redirect_uri"]
    assert s256(form["code_verifier"]) == asked["code_challenge"]
    assert any(asked["redirect_uri"] in line for line in said)
    assert any(f"{server}/authorize?" in line for line in said)  # the URL is always shown


def test_a_confidential_client_authenticates_at_the_token_endpoint(server: str) -> None:
    seen: list[httpx.Request] = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "at-0001-conf"})

    signing = attempt("https://id.example.com", secret="client-secret-0001")
    signing.consent_url("http://127.0.0.1:1/callback")
    with httpx.Client(transport=httpx.MockTransport(token_endpoint)) as client:
        tokens = signing.finish({"state": signing.state, "code": "code-0001-conf"}, client)
    assert tokens == Tokens("at-0001-conf", None, None, None)
    assert seen[0].headers["Authorization"].startswith("Basic ")
    assert b"client_secret" not in seen[0].content


def test_a_wrong_state_is_refused_and_its_code_never_traded(
    provider: Provider, server: str
) -> None:
    browser = Browser(change=lambda query: query.update(state="a-state-from-elsewhere"))
    with pytest.raises(ConnectionFailedError, match="state does not match"):
        run(server, browser)
    page = browser.page()
    assert page.status == 400 and "Sign-in failed" in page.text
    assert provider.token_forms == []


def test_access_denied_is_a_clear_error(provider: Provider, server: str) -> None:
    provider.decline = True
    browser = Browser()
    with pytest.raises(ConnectionFailedError) as caught:
        run(server, browser)
    message = str(caught.value)
    assert "answered access_denied (The user said no)" in message
    assert f"{server}/authorize" in message and "declined" in message
    assert "access_denied" in browser.page().text


def test_a_verifier_mismatch_names_the_token_endpoints_error(
    provider: Provider, server: str
) -> None:
    tampered = challenge_of("a-verifier-nobody-holds-0123456789-abcdefghijk")
    browser = Browser(change=lambda query: query.update(code_challenge=tampered))
    with pytest.raises(ConnectionFailedError) as caught:
        run(server, browser)
    assert str(caught.value) == (
        f"OAuth2 authorization_code grant failed at {server}/token: "
        "HTTP 400: invalid_grant (PKCE verification failed)"
    )
    assert browser.page().status == 400


def test_no_answer_times_out_clearly_and_frees_the_port(server: str) -> None:
    with pytest.raises(ConnectionFailedError, match=r"no sign-in answer came to .* within 0.3 s"):
        sign_in(attempt(server), open_browser=False, say=[].append, timeout=0.3)


def test_a_given_port_is_used_and_a_taken_one_refused(provider: Provider, server: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"--port: cannot listen on 127.0.0.1:{port}"):
            sign_in(attempt(server), port=port, open_browser=False, say=[].append, timeout=1)
    said: list[str] = []
    browser = Browser()
    sign_in(attempt(server), port=port, opener=browser, say=said.append, timeout=30)
    assert provider.authorize_queries[-1]["redirect_uri"] == f"http://127.0.0.1:{port}/callback"


def test_only_the_first_redirect_counts() -> None:
    with Loopback(lambda answer: answer.get("code")) as listener:
        first = httpx.get(listener.redirect_uri, params={"code": "one"}, trust_env=False)
        again = httpx.get(listener.redirect_uri, params={"code": "two"}, trust_env=False)
        elsewhere = httpx.get(listener.redirect_uri.replace("/callback", "/"), trust_env=False)
        assert listener.wait(5) == "one"
    assert (first.status_code, again.status_code, elsewhere.status_code) == (200, 410, 404)


def test_no_code_verifier_or_token_reaches_a_log_or_the_output(
    provider: Provider,
    server: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    said: list[str] = []
    signing = attempt(server)
    tokens = sign_in(signing, opener=Browser(), say=said.append, timeout=30, connection="notes")
    (form,) = provider.token_forms
    captured = capfd.readouterr()
    history = repr(wb.history(requests=True).to_dict("records"))
    assert "/token" in history  # the exchange is in the call history, masked
    shown = "\n".join(
        [*said, caplog.text, captured.out, captured.err, repr(tokens), repr(signing), history]
    )
    for secret in (form["code"], form["code_verifier"], tokens.access_token, tokens.refresh_token):
        assert secret and secret not in shown
