"""``wb connections authorize``: a user signs a connection in through the browser; the
tokens go to the secret store, the connection references them, and later calls use them.

``wb`` runs as a real process; the test reads the URL it prints and opens it the way a
browser would (another process, following the redirect to the loopback listener)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from authorization_server import CLIENT_ID, Provider, authorization_server, spec
from click.testing import CliRunner

import workbench as wb
from workbench.cli import cli
from workbench.config.secrets import default_secret_store
from workbench.openapi import store as imported

WB = str(Path(sys.executable).parent / "wb")
BROWSE = (
    "import sys, httpx; page = httpx.get(sys.argv[1], follow_redirects=True, trust_env=False,"
    " timeout=30); print(page.status_code); print(page.text)"
)
URL = re.compile(r"^\s+(http://127\.0\.0\.1:\d+/authorize\?\S+)$", re.M)


@pytest.fixture
def provider() -> Provider:
    return Provider()


@pytest.fixture
def server(provider: Provider, project: Path) -> Iterator[str]:
    """The authorization server, the Notes API imported, and a connection to it."""
    with authorization_server(provider) as url:
        path = project / "notes.json"
        path.write_text(json.dumps(spec(url)))
        imported.import_spec(path, "notes")
        (project / "workbench.toml").write_text(
            "# my connections\n"
            f'[connections.notes]\nconnector = "notes"\nclient_id = "{CLIENT_ID}"\n'
        )
        yield url


def authorize(*args: str, browse: bool = True) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``wb connections authorize notes --no-browser ARGS``; open the URL it prints."""
    command = [WB, "connections", "authorize", "notes", "--no-browser", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    assert process.stderr is not None
    shown = ""
    for line in process.stderr:
        shown += line
        found = URL.search(shown)
        if found:
            break
    page = ""
    if browse and found:
        opened = subprocess.run(
            [sys.executable, "-c", BROWSE, found.group(1)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        page = opened.stdout
    out, err = process.communicate(timeout=60)
    done = subprocess.CompletedProcess(command, process.returncode, out, shown + err)
    return done, page


def test_authorize_stores_the_tokens_and_later_calls_use_them(
    provider: Provider, server: str, project: Path
) -> None:
    done, page = authorize("--timeout", "60")
    assert done.returncode == 0, done.stderr
    assert page.startswith("200\n") and "you can close this tab" in page
    assert "signed in 'notes': stored notes/refresh_token, notes/token" in done.stdout
    written = (project / "workbench.toml").read_text()
    assert written.startswith("# my connections")  # the rest of the file is kept
    fields = tomllib.loads(written)["connections"]["notes"]
    assert fields["refresh_token"] == {"secret": "notes/refresh_token"}
    assert fields["token"] == {"secret": "notes/token"}
    left = fields["token_expires_at"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=3500) < left <= dt.timedelta(seconds=3600)
    secrets = default_secret_store()
    access, refresh = secrets.get("notes/token"), secrets.get("notes/refresh_token")
    assert access in provider.access_tokens and refresh in provider.refresh_tokens

    with wb.connect("notes") as notes:
        assert notes.list_notes().data == [{"id": 1, "text": "buy milk"}]
    assert provider.api_calls == [f"Bearer {access}"]
    assert len(provider.token_forms) == 1  # the stored access token, no new one

    (form,) = provider.token_forms
    output = done.stdout + done.stderr
    for secret in (access, refresh, form["code"], form["code_verifier"]):
        assert secret and secret not in output
        assert secret not in written


def test_after_the_access_token_runs_out_the_refresh_token_gets_a_new_one(
    provider: Provider, server: str, project: Path
) -> None:
    done, _ = authorize()
    assert done.returncode == 0, done.stderr
    path = project / "workbench.toml"
    text = re.sub(
        r"token_expires_at = \S+", "token_expires_at = 2020-01-01T00:00:00Z", path.read_text()
    )
    path.write_text(text)
    first = default_secret_store().get("notes/refresh_token")
    with wb.connect("notes") as notes:
        assert notes.list_notes().data == [{"id": 1, "text": "buy milk"}]
    assert provider.token_forms[-1]["grant_type"] == "refresh_token"
    assert provider.token_forms[-1]["refresh_token"] == first
    rotated = default_secret_store().get("notes/refresh_token")
    assert rotated != first and rotated in provider.refresh_tokens  # the rotation is saved


def test_without_a_refresh_token_the_access_token_is_stored_with_a_warning(
    provider: Provider, server: str
) -> None:
    provider.give_refresh_token = False
    done, _ = authorize()
    assert done.returncode == 0, done.stderr
    assert "stored notes/token in the" in done.stdout
    assert "warning: the provider gave no refresh token" in done.stderr
    assert default_secret_store().names() == ["notes/token"]


def test_access_denied_fails_with_the_providers_answer(
    provider: Provider, server: str, project: Path
) -> None:
    provider.decline = True
    done, page = authorize()
    assert done.returncode == 7
    assert f"error: sign-in failed: {server}/authorize answered access_denied" in done.stderr
    assert page.startswith("400\n")
    assert (
        "token"
        not in tomllib.loads((project / "workbench.toml").read_text())["connections"]["notes"]
    )
    assert default_secret_store().names() == []


@pytest.mark.usefixtures("server")
def test_without_a_sign_in_it_times_out_with_a_clear_error() -> None:
    result = CliRunner().invoke(
        cli, ["connections", "authorize", "notes", "--no-browser", "--timeout", "0.3"]
    )
    assert result.exit_code == 7
    assert "error: no sign-in answer came to http://127.0.0.1:" in result.output
    assert "within 0.3 s" in result.output
    assert "Open this URL in a browser to sign in" in result.output  # printed all the same


def test_the_browser_is_opened_unless_told_not_to(server: str, tmp_path: Path) -> None:
    """``BROWSER`` names the browser Python's webbrowser module runs: here a script that
    notes the URL and opens it as a browser would."""
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text(
        "import pathlib, sys, httpx\n"
        f"pathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n"
        "httpx.get(sys.argv[1], follow_redirects=True, trust_env=False, timeout=30)\n"
    )
    env = {**os.environ, "BROWSER": f"{sys.executable} {script} %s"}
    command = [WB, "connections", "authorize", "notes", "--timeout", "60"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=90)
    assert done.returncode == 0, done.stderr
    assert opened.read_text().startswith(f"{server}/authorize?")
    assert f"{server}/authorize?" in done.stderr  # printed as well
    opened.unlink()
    command += ["--no-browser", "--timeout", "0.5"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=90)
    assert done.returncode == 7 and not opened.exists()


def test_a_connection_without_a_client_id_says_what_to_set(server: str, project: Path) -> None:
    (project / "workbench.toml").write_text('[connections.notes]\nconnector = "notes"\n')
    result = CliRunner().invoke(cli, ["connections", "authorize", "notes", "--no-browser"])
    assert result.exit_code == 3
    assert "connection 'notes': set client_id to sign in" in result.output


def test_a_connector_without_a_user_sign_in_is_refused() -> None:
    result = CliRunner().invoke(cli, ["connections", "authorize", "shop", "--no-browser"])
    assert result.exit_code == 3
    assert "connector 'sqlite' has no OAuth2 authorization-code flow" in result.output


def test_an_unknown_connection_suggests_close_names(server: str) -> None:
    result = CliRunner().invoke(cli, ["connections", "authorize", "note", "--no-browser"])
    assert result.exit_code == 4
    assert "notes" in result.output
