"""Connections: inline credentials are treated as secrets, one use case adds a connection
for the CLI and the editor widget, and a workbench.toml that is not UTF-8 is a ConfigError."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import workbench as wb
from workbench.cli import cli
from workbench.config.connections import build_config, connection_store
from workbench.config.secrets import default_secret_store
from workbench.errors import ConfigError
from workbench.notebook.widgets.connection_editor import ConnectionEditor
from workbench.registry import get_connector

PASSWORD, TOKEN, KEY = "url-pa55word-91", "inline-bearer-t0ken", "inline-api-k3y-77"
INLINE = f"""[connections.crm]
connector = "http"
base_url = "http://ada:{PASSWORD}@127.0.0.1:9"
headers = {{ Authorization = "Bearer {TOKEN}", Accept = "application/json" }}
api_key = "{KEY}"
"""


def wb_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output + result.stderr


def test_inline_credentials_are_masked_everywhere_with_a_hint(project: Path) -> None:
    (project / "workbench.toml").write_text(INLINE)
    outputs = [
        wb_cli("connections", "list"),
        wb_cli("connections", "list", "--json"),
        wb_cli("connections", "show", "crm"),
        wb_cli("connections", "show", "crm", "--json"),
        wb_cli("connections", "test", "crm"),
    ]
    texts = [text for _, text in outputs]
    texts += [repr(connection_store().get("crm")), wb.connections().to_string()]
    for text in texts:
        for value in (PASSWORD, TOKEN, KEY):
            assert value not in text, text
    shown = json.loads(outputs[3][1].split("\nhint:")[0])["fields"]
    assert shown["base_url"] == "http://ada:***@127.0.0.1:9"
    assert shown["headers"] == '{ Authorization = "***", Accept = "application/json" }'
    assert shown["api_key"] == "***"
    for _, text in outputs[2:]:
        assert "field 'headers.Authorization' holds a credential in plain text" in text
        assert "wb secrets set crm/headers-authorization" in text
        assert "field 'base_url' holds a credential" in text
    assert outputs[4][0] == 7


def test_errors_about_an_inline_credential_mask_it(project: Path) -> None:
    (project / "workbench.toml").write_text(
        f'[connections.crm]\nconnector = "http"\nbase_url = "ftp://ada:{PASSWORD}@host"\n'
    )
    with pytest.raises(ConfigError) as caught:
        wb.connect("crm")
    assert "base_url" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    entry = connection_store().get("crm")
    with pytest.raises(ConfigError) as again:
        build_config(get_connector("http"), {"headers": {"Authorization": 5}}, entry)
    assert "Authorization" in str(again.value)


def test_cli_and_editor_add_a_connection_the_same_way(project: Path) -> None:
    code, _ = wb_cli(
        "connections", "add", "one", "--connector", "http",
        "--set", "base_url=https://one.example.com", "--set", "token=cli-t0ken-value",
    )  # fmt: skip
    assert code == 0
    editor = ConnectionEditor(connector="http")
    editor.name_text.value = "two"
    editor.fields["base_url"].value = "https://one.example.com"
    editor.fields["token"].value = "widget-t0ken-value"
    assert editor.save(), editor.message
    written = tomllib.loads((project / "workbench.toml").read_text())["connections"]
    assert written["one"] == {
        "connector": "http",
        "base_url": "https://one.example.com",
        "token": {"secret": "one/token"},
    }
    assert written["two"] == {**written["one"], "token": {"secret": "two/token"}}
    store = default_secret_store()
    assert (store.get("one/token"), store.get("two/token")) == (
        "cli-t0ken-value",
        "widget-t0ken-value",
    )
    text = (project / "workbench.toml").read_text()
    assert "t0ken-value" not in text


def test_editor_refuses_what_the_cli_refuses(project: Path) -> None:
    assert wb_cli("connections", "add", "shop", "--connector", "sqlite")[0] == 3
    editor = ConnectionEditor("shop")
    assert not editor.save()
    assert "already exists (built-in)" in editor.message


@pytest.mark.parametrize("content", [b"[connections.x]\nconnector = 'caf\xe9'\n", b"\xff\xfe"])
def test_a_workbench_toml_that_is_not_utf8_is_a_config_error(project: Path, content: bytes) -> None:
    path = project / "workbench.toml"
    path.write_bytes(content)
    for args in (["connections", "list"], ["connections", "show", "x"], ["connections", "add",
                 "y", "--connector", "sqlite"]):  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 3, (args, result.output, result.exception)
        assert str(path) in result.stderr
        assert "not UTF-8" in result.stderr
        assert "Traceback" not in result.output + result.stderr
    with pytest.raises(ConfigError, match="not UTF-8"):
        wb.connect("x")
