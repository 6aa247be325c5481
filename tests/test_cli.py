"""The `wb` command line: output, exit codes, and that nothing is written on error."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Literal

import click
import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from workbench import registry
from workbench.cli import cli
from workbench.config.secrets import default_secret_store
from workbench.errors import ConnectionFailedError
from workbench.paths import config_dir, user_file
from workbench.sdk import ConnectionConfig, Connector, action

WB = Path(sys.executable).parent / "wb"
CANARY = "CANARY-7f3a9c-do-not-print"
LONG_DESCRIPTION = "A probe service for the command-line tests, with a long description " * 2


class ProbeConfig(ConnectionConfig):
    host: str = "localhost"
    port: int = 5432
    ssl: bool = False
    tags: tuple[int, ...] = ()
    token: SecretStr | None = None
    mode: Literal["ok", "refuse", "crash"] = "ok"


class Probe(Connector):
    name = "probe"
    description = LONG_DESCRIPTION
    category = "testing"
    auth_kinds = ("token",)
    config_model = ProbeConfig

    @action
    def ping(self) -> str:
        """Answer pong."""
        return "pong"

    @action
    def echo(self, text: str) -> str:
        """Say the text back."""
        return text

    def check(self) -> str:
        config = self.config
        assert isinstance(config, ProbeConfig)
        token = config.token.get_secret_value() if config.token else ""
        if config.mode == "refuse":
            raise ConnectionFailedError(f"probe at {config.host} refused the connection")
        if config.mode == "crash":
            raise RuntimeError(f"driver exploded\nwhile sending {token}")
        return f"probe {config.host}:{config.port}"


@pytest.fixture(autouse=True)
def probe() -> None:
    """The probe connector, registered for one test (the conftest forgets it afterwards)."""
    registry.register(Probe)


def wb(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def project_toml(project: Path) -> dict[str, object]:
    return tomllib.loads((project / "workbench.toml").read_text())


def add_probe(name: str = "warehouse", *extra: str) -> Result:
    result = wb("connections", "add", name, "--connector", "probe", *extra)
    assert result.exit_code == 0, result.output
    return result


# ---------------------------------------------------------------- catalog


def test_version() -> None:
    result = wb("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("wb, version ")


def test_catalog_table_and_json() -> None:
    table = wb("catalog", "probe")
    assert table.exit_code == 0
    header, row = table.stdout.splitlines()
    assert header.split() == [
        "name",
        "title",
        "category",
        "auth",
        "actions",
        "triggers",
        "description",
    ]
    assert row.split()[:6] == ["probe", "Probe", "testing", "token", "2", "0"]
    assert row.endswith("...")
    assert LONG_DESCRIPTION not in row

    records = json.loads(wb("catalog", "probe", "--json").stdout)
    assert [(r["name"], r["actions"], r["description"]) for r in records] == [
        ("probe", 2, LONG_DESCRIPTION)
    ]


def test_catalog_no_match() -> None:
    result = wb("catalog", "no-such-thing-at-all")
    assert result.exit_code == 0
    assert result.stdout.strip() == "no connectors match"
    assert json.loads(wb("catalog", "no-such-thing-at-all", "--json").stdout) == []


def test_catalog_reports_broken_plugins_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = registry.Problem("broken", "pkg.mod:Broken", "ImportError: no module named 'pkg'")
    monkeypatch.setattr(registry, "problems", lambda: [broken])
    result = wb("catalog")
    assert result.exit_code == 0
    assert "probe" in result.stdout
    assert (
        result.stderr == "connector 'broken' failed to load: ImportError: no module named 'pkg'\n"
    )


def test_catalog_lists_sqlite() -> None:
    actions = len(registry.get_connector("sqlite").action_specs)
    row = next(line for line in wb("catalog").stdout.splitlines() if line.startswith("sqlite "))
    assert row.split()[4] == str(actions)
    records = json.loads(wb("catalog", "sqlite", "--json").stdout)
    assert [(r["name"], r["actions"]) for r in records] == [("sqlite", actions)]


# ---------------------------------------------------------------- connections


def test_connections_round_trip(project: Path) -> None:
    added = add_probe(
        "warehouse",
        *("--set", "host=db.local", "--set", "port=5432", "--set", "ssl=true"),
        *("--set", "tags=[1, 2]", "--set", "mode=ok"),
    )
    assert str(project / "workbench.toml") in added.stdout
    assert "port = 5432" in added.stdout
    assert project_toml(project) == {
        "connections": {
            "warehouse": {
                "connector": "probe",
                "host": "db.local",
                "port": 5432,
                "ssl": True,
                "tags": [1, 2],
                "mode": "ok",
            }
        }
    }

    listed = {r["name"]: r for r in json.loads(wb("connections", "list", "--json").stdout)}
    assert listed["warehouse"]["connector"] == "probe"
    assert listed["warehouse"]["source"] == str(project / "workbench.toml")
    assert "port=5432" in listed["warehouse"]["fields"]
    table = wb("connections", "list").stdout
    assert table.splitlines()[0].split() == ["name", "connector", "fields", "source"]
    assert any(line.startswith("warehouse  ") for line in table.splitlines())

    shown = json.loads(wb("connections", "show", "warehouse", "--json").stdout)
    assert shown["connector"] == "probe"
    assert shown["fields"]["host"] == "db.local"
    assert "connector:  probe" in wb("connections", "show", "warehouse").stdout

    removed = wb("connections", "remove", "warehouse")
    assert removed.exit_code == 0
    assert str(project / "workbench.toml") in removed.stdout
    assert "warehouse" not in {
        r["name"] for r in json.loads(wb("connections", "list", "--json").stdout)
    }
    assert project_toml(project).get("connections", {}) == {}


def test_add_user_file(project: Path) -> None:
    add_probe("mine", "--user", "--set", "port=1")
    assert tomllib.loads(user_file().read_text())["connections"]["mine"]["port"] == 1
    assert not (project / "workbench.toml").exists()


def test_add_uses_project_file_found_above(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "workbench.toml").write_text("# the project\n")
    (project / "notebooks").mkdir()
    monkeypatch.chdir(project / "notebooks")
    add_probe()
    assert (project / "workbench.toml").read_text().startswith("# the project\n")
    assert "warehouse" in project_toml(project)["connections"]  # type: ignore[operator]
    assert not (project / "notebooks" / "workbench.toml").exists()


def test_add_secret_reference_is_written_inline(project: Path) -> None:
    wb("secrets", "set", "probe/token", input="tok-value-1\n")
    add_probe("vault", "--secret", "token=probe/token")
    text = (project / "workbench.toml").read_text()
    assert re.search(r'^token = \{ ?secret = "probe/token" ?\}$', text, re.MULTILINE), text
    assert wb("connections", "show", "vault", "--json").stdout.count("secret:probe/token") == 1


def test_add_inline_secret_goes_to_the_secret_store_and_is_warned(project: Path) -> None:
    added = add_probe("plain", "--set", "token=inline-token-value")
    assert "inline-token-value" not in added.output
    assert "warning: field 'token' was given on the command line" in added.stderr
    assert default_secret_store().get("plain/token") == "inline-token-value"
    assert "inline-token-value" not in (project / "workbench.toml").read_text()
    shown = json.loads(wb("connections", "show", "plain", "--json").stdout)
    assert shown["fields"]["token"] == "secret:plain/token"


def test_add_unknown_connector_suggests_and_writes_nothing(project: Path) -> None:
    result = wb("connections", "add", "x", "--connector", "prbe", "--set", "port=1")
    assert result.exit_code == 4
    assert result.stderr == "error: no connector named 'prbe' is installed; did you mean 'probe'?\n"
    assert not (project / "workbench.toml").exists()

    (project / "workbench.toml").write_text("# keep me\n")
    assert wb("connections", "add", "x", "--connector", "prbe").exit_code == 4
    assert (project / "workbench.toml").read_text() == "# keep me\n"


def test_add_wrong_field_type_names_field_and_writes_nothing(project: Path) -> None:
    result = wb("connections", "add", "x", "--connector", "probe", "--set", "port=abc")
    assert result.exit_code == 3
    assert "field 'port'" in result.stderr
    assert "integer" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (project / "workbench.toml").exists()

    unknown = wb("connections", "add", "x", "--connector", "probe", "--set", "hots=a")
    assert unknown.exit_code == 3
    assert "did you mean 'host'" in unknown.stderr
    assert not (project / "workbench.toml").exists()


def test_add_missing_secret_writes_nothing(project: Path) -> None:
    result = wb("connections", "add", "x", "--connector", "probe", "--secret", "token=nope/none")
    assert result.exit_code == 5
    assert "wb secrets set nope/none" in result.stderr
    assert not (project / "workbench.toml").exists()


def test_add_refuses_to_overwrite_without_force(project: Path) -> None:
    add_probe("warehouse", "--set", "port=1")
    before = (project / "workbench.toml").read_text()
    again = wb("connections", "add", "warehouse", "--connector", "probe", "--set", "port=2")
    assert again.exit_code == 3
    assert "--force" in again.stderr
    assert (project / "workbench.toml").read_text() == before

    add_probe("warehouse", "--set", "port=2", "--force")
    assert project_toml(project)["connections"] == {  # type: ignore[comparison-overlap]
        "warehouse": {"connector": "probe", "port": 2}
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "novalue"],
        ["--set", "=zz-hidden"],
        ["--set", "port=1", "--set", "port=2"],
        ["--set", "connector=zz-hidden"],
    ],
)
def test_add_bad_arguments_are_usage_errors(args: list[str], project: Path) -> None:
    result = wb("connections", "add", "x", "--connector", "probe", *args)
    assert result.exit_code == 2
    assert "zz-hidden" not in result.stderr  # values never echoed: they may be secrets
    assert not (project / "workbench.toml").exists()


def test_add_bad_secret_name(project: Path) -> None:
    result = wb("connections", "add", "x", "--connector", "probe", "--secret", "token=bad name!")
    assert result.exit_code == 5
    assert "invalid secret name" in result.stderr
    assert not (project / "workbench.toml").exists()


def test_add_requires_connector() -> None:
    assert wb("connections", "add", "x").exit_code == 2


def test_test_ok_and_failures() -> None:
    add_probe("good", "--set", "host=db.local", "--set", "port=6000")
    add_probe("refusing", "--set", "mode=refuse")
    add_probe("crashing", "--set", "mode=crash")

    ok = wb("connections", "test", "good")
    assert ok.exit_code == 0
    assert ok.stdout == "ok: good (probe): probe db.local:6000\n"

    refused = wb("connections", "test", "refusing")
    assert refused.exit_code == 7
    assert refused.stdout == ""
    assert refused.stderr == "failed: refusing: probe at localhost refused the connection\n"

    crashed = wb("connections", "test", "crashing")
    assert crashed.exit_code == 7
    assert crashed.stderr.count("\n") == 1
    assert crashed.stderr.startswith("failed: crashing: RuntimeError: driver exploded while")
    assert "Traceback" not in crashed.output


def test_unknown_connection_suggests_close_match() -> None:
    add_probe("warehouse")
    for command in ("show", "test", "remove"):
        result = wb("connections", command, "warehose")
        assert result.exit_code == 4, command
        assert "did you mean 'warehouse'?" in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_test_sqlite_shop() -> None:
    result = wb("connections", "test", "shop")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: shop (sqlite): SQLite 3.")


def test_remove_built_in_is_refused() -> None:
    result = wb("connections", "remove", "shop")
    assert result.exit_code == 3
    assert "built in" in result.stderr


def test_malformed_toml_gives_path_and_line(project: Path) -> None:
    (project / "workbench.toml").write_text('[connections.x]\nconnector = "probe"\nport = \n')
    for args in (["connections", "list"], ["connections", "show", "x"]):
        result = wb(*args)
        assert result.exit_code == 3
        assert result.stderr.startswith(f"error: {project / 'workbench.toml'}: invalid TOML")
        assert "line 3" in result.stderr
        assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- secrets


def test_secrets_set_list_remove() -> None:
    stored = wb("secrets", "set", "api/token", input="s3cret-value\n")
    assert stored.exit_code == 0
    assert stored.stdout == "stored secret api/token in the encrypted file\n"
    assert default_secret_store().get("api/token") == "s3cret-value"

    wb("secrets", "set", "spaced", input="  one line  \n")
    assert default_secret_store().get("spaced") == "  one line  "

    assert json.loads(wb("secrets", "list", "--json").stdout) == [
        {"name": "api/token", "backend": "encrypted file"},
        {"name": "spaced", "backend": "encrypted file"},
    ]
    assert wb("secrets", "list").stdout.splitlines()[1].split() == [
        "api/token",
        "encrypted",
        "file",
    ]

    removed = wb("secrets", "remove", "api/token")
    assert removed.exit_code == 0
    assert default_secret_store().names() == ["spaced"]
    assert wb("secrets", "remove", "api/token").exit_code == 5


def test_secrets_set_rejects_empty_value_and_argv_value() -> None:
    empty = wb("secrets", "set", "api/token", input="\n")
    assert empty.exit_code == 5
    assert "empty value" in empty.stderr
    assert default_secret_store().names() == []
    assert wb("secrets", "set", "api/token", "value-on-argv").exit_code == 2
    assert wb("secrets", "set", "bad name", input="x\n").exit_code == 5


def test_secrets_set_prompts_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: dict[str, object] = {}

    def prompt(text: str, **options: object) -> str:
        asked.update(options)
        return "typed-secret"

    monkeypatch.setattr(sys, "stdin", Terminal("never read\n"))
    monkeypatch.setattr(click, "prompt", prompt)
    cli.main(["secrets", "set", "typed"], prog_name="wb", standalone_mode=False)
    assert asked == {"hide_input": True, "confirmation_prompt": True}
    assert default_secret_store().get("typed") == "typed-secret"
    assert capsys.readouterr().out == "stored secret typed in the encrypted file\n"


def test_secrets_list_empty() -> None:
    assert wb("secrets", "list").stdout == "no secrets in the encrypted file\n"


def test_canary_secret_never_shown_or_written_in_plain_text(project: Path) -> None:
    assert wb("secrets", "set", "canary/token", input=CANARY + "\n").exit_code == 0
    add_probe("vault", "--secret", "token=canary/token", "--set", "mode=crash")
    outputs = [
        wb(*args)
        for args in (
            ["secrets", "list"],
            ["secrets", "list", "--json"],
            ["connections", "list"],
            ["connections", "list", "--json"],
            ["connections", "show", "vault"],
            ["connections", "show", "vault", "--json"],
            ["connections", "test", "vault"],  # the probe puts the token in its error
            ["catalog"],
            ["catalog", "--json"],
        )
    ]
    for result in outputs:
        assert CANARY not in result.output
        assert CANARY not in result.stderr
    assert "while sending ***" in outputs[6].stderr

    encrypted = config_dir() / "secrets.enc"
    assert encrypted.is_file()
    files = [p for root in (project, config_dir()) for p in root.rglob("*") if p.is_file()]
    assert encrypted in files
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), path


# ---------------------------------------------------------------- the installed script


def run_wb(*args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WB), *args],
        cwd=cwd,
        env=dict(os.environ),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_installed_script(project: Path) -> None:
    assert WB.is_file()
    version = run_wb("--version", cwd=project)
    assert (version.returncode, version.stdout) == (0, "wb, version 0.1.0\n")

    stored = run_wb("secrets", "set", "db/password", cwd=project, input=CANARY + "\n")
    assert stored.returncode == 0, stored.stderr
    assert default_secret_store().get("db/password") == CANARY  # the same store, in-process

    catalog = run_wb("catalog", "--json", cwd=project)
    assert catalog.returncode == 0
    assert isinstance(json.loads(catalog.stdout), list)
    assert "Warning" not in catalog.stderr
    assert "Traceback" not in catalog.stderr

    unknown = run_wb("connections", "show", "nope", cwd=project)
    assert unknown.returncode == 4
    assert unknown.stderr.startswith("error: no connection or connector named 'nope'")
    assert len(unknown.stderr.splitlines()) == 1


def test_installed_script_with_sqlite(project: Path) -> None:
    result = run_wb("connections", "test", "shop", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: shop (sqlite): SQLite 3.")
    listed = json.loads(run_wb("connections", "list", "--json", cwd=project).stdout)
    assert "shop" in {row["name"] for row in listed}


def test_a_connection_to_a_closed_port_fails_with_one_clear_line(project: Path) -> None:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert (
        wb(
            "connections", "add", "down", "--connector", "http", "--set", f"base_url={url}"
        ).exit_code
        == 0
    )
    result = wb("connections", "test", "down")
    assert result.exit_code == 7
    assert result.stdout == ""
    assert result.stderr == f"failed: down: cannot reach {url}: [Errno 111] Connection refused\n"
    assert result.stderr.count("\n") == 1
