"""Secret values: `wb secrets set` refuses what no header or URL can carry, no usage error
echoes a value typed on the command line, and one rule says which names hold secrets."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click
import ipywidgets as widgets
import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.config.connections import describe_fields
from workbench.config.entries import ConnectionEntry
from workbench.config.secrets import default_secret_store
from workbench.errors import SecretError
from workbench.http.masking import safe_url
from workbench.jobs.run.secrets import register_run_secrets
from workbench.notebook.widgets.form import ActionForm
from workbench.redaction import known_secrets, looks_secret
from workbench.sdk.calls import mask_query


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("tok-one\r\nX-Injected: 1", "a line feed (LF)"),  # stdin reads CR LF as LF
        ("tok-two\nsecond-line", "a line feed (LF)"),
        ("tok-three\x00hidden", "a NUL character"),
    ],
)
def test_secrets_set_refuses_control_characters(value: str, named: str) -> None:
    result = CliRunner().invoke(cli, ["secrets", "set", "api/token"], input=value + "\n")
    assert result.exit_code == 5
    assert named in result.stderr
    assert value.split("\n")[0].split("\r")[0].split("\x00")[-1] not in result.output
    for part in ("second-line", "X-Injected", "hidden"):
        assert part not in result.output + result.stderr
    assert default_secret_store().names() == []


def test_a_prompted_value_with_a_carriage_return_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr(click, "prompt", lambda *a, **k: "tok-four\rX-Injected: 1")
    code = cli.main(["secrets", "set", "api/token"], prog_name="wb", standalone_mode=False)
    assert code == SecretError.exit_code
    printed = capsys.readouterr()
    assert "contains a carriage return (CR)" in printed.err
    assert "X-Injected" not in printed.out + printed.err
    assert default_secret_store().names() == []


@pytest.mark.parametrize(
    "args",
    [
        ["secrets", "set", "api/token", "typed-s3cret-value"],
        ["secrets", "remove", "api/token", "typed-s3cret-value"],
        ["connections", "show", "shop", "typed-s3cret-value"],
        ["runs", "typed-s3cret-value"],
        ["secrets", "set", "api/token", "two words", "typed-s3cret-value"],
    ],
)
def test_no_usage_error_echoes_an_extra_argument(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, input="x-value\n")
    assert result.exit_code == 2
    assert "typed-s3cret-value" not in result.output + result.stderr
    assert "at position" in result.stderr
    assert default_secret_store().names() == []


def test_a_misspelt_command_is_named_with_the_likely_one_and_anything_else_hidden() -> None:
    typo = CliRunner().invoke(cli, ["connections", "lst"])
    assert typo.exit_code == 2
    assert "no such command 'lst'; did you mean 'list'?" in typo.stderr
    hidden = CliRunner().invoke(cli, ["sk_live_51Habc"])
    assert hidden.exit_code == 2
    assert "sk_live_51Habc" not in hidden.output + hidden.stderr
    assert "commands: catalog, connections" in hidden.stderr


NAMES = {
    "db_pass": True,
    "smtp_password": True,
    "Ocp-Apim-Subscription-Key": True,
    "x_signature": True,
    "session_cookie": True,
    "routing_key": False,
    "token_url": False,
    "page": False,
}


def test_one_rule_decides_which_names_hold_secrets(project: Path) -> None:
    for name, secret in NAMES.items():
        assert looks_secret(name) is secret, name
    url = "https://x.example/a?" + "&".join(f"{name}=v4lue-{i}" for i, name in enumerate(NAMES))
    for masked in (mask_query(url), safe_url(url)):
        for i, (name, secret) in enumerate(NAMES.items()):
            assert (f"v4lue-{i}" not in masked) is secret, (name, masked)
    entry = ConnectionEntry("x", "not-installed", {n: f"f1eld-{i}" for i, n in enumerate(NAMES)})
    shown = describe_fields(entry)
    assert {n: shown[n] == "***" for n in NAMES} == NAMES
    schema = {"type": "object", "properties": {n: {"type": "string"} for n in NAMES}}
    form = ActionForm(schema)
    kinds = {n: isinstance(form.fields[n], widgets.Password) for n in NAMES}
    assert kinds == NAMES
    fields = "\n".join(f'"{n}" = "run-v4lue-{i}"' for i, n in enumerate(NAMES))
    (project / "workbench.toml").write_text(f'[connections.x]\nconnector = "http"\n{fields}\n')
    register_run_secrets(project)
    registered = known_secrets()
    assert {n: f"run-v4lue-{i}" in registered for i, n in enumerate(NAMES)} == NAMES
