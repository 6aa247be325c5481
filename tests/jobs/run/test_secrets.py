"""A canary secret used by a job through a connection leaks into no run record, output
notebook or command output, though the `wb run` process only learns it from the store."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from servers import JsonHandler, serve

from workbench.config.secrets import default_secret_store
from workbench.jobs.run.secrets import register_run_secrets
from workbench.paths import config_dir, data_dir
from workbench.redaction import known_secrets

CANARY = "job-canary-" + secrets.token_hex(12)
WB = str(Path(sys.executable).parent / "wb")


class _Api(JsonHandler):
    authorized = 0

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {CANARY}":
            self.send_json(401, {"error": "unauthorized"})
            return
        type(self).authorized += 1
        self.send_json(200, [{"id": 1, "status": "shipped"}])


@pytest.fixture
def api_url() -> Iterator[str]:
    with serve(_Api) as url:
        yield url


def wb(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WB, *args], input=stdin, capture_output=True, text=True, env=dict(os.environ), timeout=120
    )


@pytest.mark.slow
def test_a_canary_used_by_a_job_appears_in_no_record_output_or_file(
    project: Path, notebooks: Path, tmp_path: Path, api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_path = tmp_path / "store" / "runs.db"
    monkeypatch.setenv("WORKBENCH_RUN_STORE", str(store_path))
    setup = [
        wb("secrets", "set", "api/token", stdin=CANARY + "\n"),
        wb("connections", "add", "api", "--connector", "http", "--set", f"base_url={api_url}",
           "--secret", "token=api/token"),
    ]  # fmt: skip
    assert [r.returncode for r in setup] == [0, 0], [r.stderr for r in setup]
    _Api.authorized = 0

    failed = wb("run", str(notebooks / "uses_secret.ipynb"), "-p", "connection", "api")
    refused = wb("run", str(notebooks / "uses_secret.ipynb"), "-p", "connection", CANARY)
    listed = [wb("runs"), wb("runs", "--json")]

    assert failed.returncode == 12, failed.stderr
    assert "failed at cell 4" in failed.stderr
    assert "RuntimeError: refused with token ***" in failed.stderr
    assert refused.returncode == 11 and "holds a secret value" in refused.stderr
    assert _Api.authorized == 1  # the job really sent the canary to the service
    assert "refused with token ***" in listed[1].stdout

    output = Path(failed.stdout.split("output: ", 1)[1].strip())
    nb = nbformat.read(output, as_version=4)
    token_cell = nb.cells[3]  # the injected parameters cell comes after the parameters cell
    shown = "".join(o.get("text", "") for o in token_cell.outputs)
    assert shown == "the token is ***\n"
    assert token_cell.outputs[1].data["text/plain"] == "'***'"
    assert "shipped" in nb.cells[4].outputs[0].text

    for run in (*setup, failed, refused, *listed):
        assert CANARY not in run.stdout + run.stderr
    written = [
        p
        for root in (project, store_path.parent, data_dir() / "runs", config_dir())
        for p in root.rglob("*")
        if p.is_file()
    ]
    assert {"runs.db", output.name, "workbench.toml", "secrets.enc"} <= {p.name for p in written}
    assert [p for p in written if CANARY.encode() in p.read_bytes()] == []


def test_run_secrets_include_the_store_and_credential_fields_from_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = "st0red-" + secrets.token_hex(6)
    from_env = "fr0m-env-" + secrets.token_hex(6)
    inline = "1nline-" + secrets.token_hex(6)
    subprocess.run([WB, "secrets", "set", "other/key"], input=stored, text=True, check=True)
    monkeypatch.setenv("WB_TEST_DB_PASSWORD", from_env)
    (project / "workbench.toml").write_text(
        "[connections.db]\n"
        'connector = "postgresql"\n'
        'host = "db.internal"\n'
        'password = "${WB_TEST_DB_PASSWORD}"\n'
        f'api_key = "{inline}"\n'
        'unset_token = "${WB_TEST_NOT_SET}"\n'
    )
    assert not {stored, from_env, inline} & set(known_secrets())
    register_run_secrets(project)
    assert {stored, from_env, inline} <= set(known_secrets())
    assert "db.internal" not in known_secrets()
    default_secret_store().delete("other/key")
