"""`wb schedule`: add with checked parameters, list (table and JSON), pause, resume, remove."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from workers import write_notebook

from workbench.cli import cli


@pytest.fixture
def notebook(project: Path) -> Path:
    return write_notebook(project / "etl.ipynb", 'connection = "shop"\nlimit = 10', "print(limit)")


def wb(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_add_then_list_as_a_table_and_as_json(notebook: Path) -> None:
    added = wb(
        "schedule", "add", "etl.ipynb", "--cron", "30 6 * * 1-5", "--tz", "Europe/Paris",
        "-p", "limit", "25", "--retries", "2", "--timeout", "600", "--catch-up", "all",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.startswith(f"added schedule 'etl': {notebook} at '30 6 * * 1-5'")
    assert "CET" in added.output or "CEST" in added.output  # the next run, in the schedule's zone
    table = wb("schedule", "list")
    header, row = table.output.splitlines()
    assert header.split() == [
        "name",
        "cron",
        "tz",
        "state",
        "next",
        "last",
        "catch_up",
        "retries",
        "notebook",
    ]
    assert row.startswith("etl ") and "Europe/Paris" in row and "active" in row
    (listed,) = json.loads(wb("schedule", "list", "--json").output)
    assert listed["parameters"] == {"limit": 25}
    assert (listed["retries"], listed["timeout"], listed["catch_up"]) == (2, 600.0, "all")
    assert listed["notebook"] == str(notebook)


def test_pause_resume_and_remove(notebook: Path) -> None:
    assert (
        wb("schedule", "add", str(notebook), "--cron", "@hourly", "--name", "hourly").exit_code == 0
    )
    assert wb("schedule", "pause", "hourly").output == "paused schedule 'hourly'\n"
    (listed,) = json.loads(wb("schedule", "list", "--json").output)
    assert (listed["state"], listed["next"]) == ("paused", "")
    assert wb("schedule", "resume", "hourly").output.startswith(
        "resumed schedule 'hourly'; next run "
    )
    assert wb("schedule", "remove", "hourly").output == "removed schedule 'hourly'\n"
    assert wb("schedule", "list").output == "no schedules\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--cron", "* * *"], 3, "error: --cron '* * *': expected 5 fields"),
        (["--cron", "@daily", "--tz", "Nowhere/City"], 3, "error: --tz 'Nowhere/City'"),
        (
            ["--cron", "@daily", "-p", "limt", "5"],
            11,
            "has no parameter 'limt'; did you mean 'limit'?",
        ),
        (["--cron", "@daily", "-p", "limit", "lots"], 11, "parameter 'limit' expects an int"),
        (["--cron", "@daily", "--on-failure", "nowhere"], 4, "error: --on-failure: no connection"),
    ],
)
def test_bad_input_is_refused_with_its_exit_code(
    notebook: Path, args: list[str], code: int, message: str
) -> None:
    result = wb("schedule", "add", str(notebook), *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert wb("schedule", "list").output == "no schedules\n"  # nothing recorded


def test_adding_a_name_twice_and_removing_an_unknown_one_fail_clearly(notebook: Path) -> None:
    assert wb("schedule", "add", str(notebook), "--cron", "@daily").exit_code == 0
    again = wb("schedule", "add", str(notebook), "--cron", "@hourly")
    assert again.exit_code == 3 and "a schedule named 'etl' already exists" in again.stderr
    missing = wb("schedule", "remove", "elt")
    assert (
        missing.exit_code == 10 and "no schedule named 'elt'; did you mean 'etl'?" in missing.stderr
    )
