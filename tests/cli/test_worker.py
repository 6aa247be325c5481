"""`wb worker`: options checked before anything starts; --once runs what is due and exits."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from workers import WB, write_notebook

from workbench.cli import cli


def wb(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--once", "--until", "5m"], 2, "--once and --until cannot be used together"),
        (["--no-events"], 2, "--no-events needs --engine celery"),
        (["--until", "later"], 3, "error: --until 'later': expected a duration"),
        (["--engine", "locl"], 3, "error: no engine named 'locl'; did you mean 'local'?"),
        (["--pool", "0"], 2, "Invalid value for '--pool'"),
    ],
)
def test_bad_options_stop_the_worker_before_it_starts(
    args: list[str], code: int, message: str
) -> None:
    result = wb("worker", *args)
    assert result.exit_code == code
    assert message in result.stderr


def test_the_celery_engine_without_a_broker_says_how_to_set_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WORKBENCH_CELERY_BROKER", raising=False)
    result = wb("worker", "--engine", "celery")
    assert result.exit_code == 3
    assert "set WORKBENCH_CELERY_BROKER or broker in the [jobs] table" in result.stderr


def test_once_runs_the_slot_due_and_exits(project: Path) -> None:
    write_notebook(project / "hello.ipynb", "who = 'world'", "print('hello', who)")
    added = wb("schedule", "add", "hello.ipynb", "--cron", "* * * * * *", "-p", "who", "jobs")
    assert added.exit_code == 0, added.output
    time.sleep(1.1)  # a slot is due
    done = subprocess.run(
        [WB, "worker", "--once", "--pool", "1", "--interval", "0.2"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "engine local, pool 1" in done.stderr and "succeeded" in done.stderr
    runs = json.loads(wb("runs", "--json").output)  # the slots due while it started, too
    assert runs and {(r["job"], r["status"], json.dumps(r["parameters"])) for r in runs} == {
        ("hello", "succeeded", '{"who": "jobs"}')
    }
