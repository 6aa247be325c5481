"""`wb run` and `wb runs`: parameters from the command line and files, exit codes, listings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli

NOTEBOOKS = Path(__file__).parent.parent / "jobs" / "notebooks"
WB = str(Path(sys.executable).parent / "wb")


@pytest.fixture
def notebooks(project: Path) -> Path:
    target = project / "notebooks"
    shutil.copytree(NOTEBOOKS, target)
    return target


def wb(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_run_converts_command_line_values_and_prints_where_the_output_is(
    notebooks: Path, tmp_path: Path
) -> None:
    output = tmp_path / "report-out.ipynb"
    result = wb(
        "run",
        str(notebooks / "report.ipynb"),
        "-p", "limit", "5",
        "-p", "dry_run", "true",
        "-p", "tables", '["a", "b"]',
        "-p", "options", '{"k": 1}',
        "--output", str(output),
        "--job", "daily-report",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    first, second = result.stdout.splitlines()
    assert first.startswith("run ") and " succeeded in " in first
    assert second == f"output: {output}"
    printed = json.loads(json.loads(output.read_text())["cells"][-1]["outputs"][0]["text"][0])
    assert (printed["limit"], printed["dry_run"], printed["tables"], printed["options"]) == (
        5,
        True,
        ["a", "b"],
        {"k": 1},
    )
    runs = json.loads(wb("runs", "--json").stdout)
    assert [(r["job"], r["status"], r["parameters"]["limit"]) for r in runs] == [
        ("daily-report", "succeeded", 5)
    ]


def test_a_parameters_file_is_read_and_command_line_values_win(
    notebooks: Path, tmp_path: Path
) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("limit: 7\nlabel: weekly\ntables: [x]\n")
    result = wb("run", str(notebooks / "report.ipynb"), "-f", str(params), "-p", "limit", "8")
    assert result.exit_code == 0, result.output
    record = json.loads(wb("runs", "--json").stdout)[0]
    assert record["parameters"] == {"limit": 8, "label": "weekly", "tables": ["x"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("limit: [unclosed\n", "params.yaml: not valid YAML (line 2)"),
        ("- 1\n- 2\n", "params.yaml: expected a mapping of parameter names to values"),
        ("limit: 2024-01-01\n", "parameter 'limit' expects an int (e.g. 3), got date"),
    ],
)
def test_a_bad_parameters_file_exits_with_the_parameter_code(
    notebooks: Path, tmp_path: Path, content: str, message: str
) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(content)
    result = wb("run", str(notebooks / "report.ipynb"), "-f", str(params))
    assert result.exit_code == 11
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert not (notebooks / "kernel-ran.txt").exists()


def test_exit_codes_tell_bad_parameters_from_failed_cells_and_missing_notebooks(
    notebooks: Path,
) -> None:
    bad = wb("run", str(notebooks / "report.ipynb"), "-p", "limit", "five")
    assert bad.exit_code == 11
    assert "parameter 'limit' expects an int (e.g. 3), got 'five'" in bad.stderr
    unknown = wb("run", str(notebooks / "report.ipynb"), "-p", "colour", "red")
    assert unknown.exit_code == 11 and "has no parameter 'colour'" in unknown.stderr

    failed = wb("run", str(notebooks / "fails.ipynb"), "-p", "divisor", "0")
    assert failed.exit_code == 12
    assert failed.stdout.startswith("output: ")
    assert "failed at cell 2 (result = numerator / divisor" in failed.stderr
    assert "ZeroDivisionError: division by zero" in failed.stderr

    missing = wb("run", str(notebooks / "nope.ipynb"))
    assert missing.exit_code == 10 and "nope.ipynb: no such notebook" in missing.stderr

    table = wb("runs").stdout.splitlines()
    assert table[0].split() == [
        *("id", "job", "status", "exit", "started", "duration", "parameters", "cell", "error")
    ]
    assert len(table) == 2 and "fails  failed" in table[1]
    assert "ZeroDivisionError: division by zero" in table[1]


def test_a_kernel_death_exits_with_its_own_code(notebooks: Path) -> None:
    result = wb("run", str(notebooks / "dies.ipynb"), "--json")
    assert result.exit_code == 14
    record = json.loads(result.stdout)
    assert record["status"] == "killed" and record["exit_code"] == 14
    assert "the kernel died (killed by signal 9)" in result.stderr


@pytest.mark.slow
def test_the_wb_command_times_a_run_out(notebooks: Path, run_store: Path) -> None:
    done = subprocess.run(
        [WB, "run", str(notebooks / "sleeps.ipynb"), "--timeout", "1", "-p", "seconds", "30"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert done.returncode == 13, done.stderr
    assert "timed out" in done.stderr and "its kernel was killed" in done.stderr
    listed = subprocess.run(
        [WB, "runs", "--json", "--job", "sleeps"], capture_output=True, text=True, timeout=60
    )
    assert [r["status"] for r in json.loads(listed.stdout)] == ["timed_out"]


def test_runs_filters_by_job_and_status_and_limits(notebooks: Path) -> None:
    for divisor in ("1", "0", "2"):
        wb("run", str(notebooks / "fails.ipynb"), "-p", "divisor", divisor)
    wb("run", str(notebooks / "report.ipynb"))
    everything = json.loads(wb("runs", "--json").stdout)
    assert [r["job"] for r in everything] == ["report", "fails", "fails", "fails"]
    assert [r["parameters"] for r in json.loads(wb("runs", "--job", "fails", "--json").stdout)] == [
        {"divisor": 2},
        {"divisor": 0},
        {"divisor": 1},
    ]
    failed = json.loads(wb("runs", "--status", "failed", "--json").stdout)
    assert [(r["job"], r["failed_cell"]) for r in failed] == [("fails", 2)]
    assert len(json.loads(wb("runs", "--limit", "2", "--json").stdout)) == 2
    assert wb("runs", "--job", "nothing").stdout.strip() == "no runs"
    assert json.loads(wb("runs", "--job", "nothing", "--json").stdout) == []


def test_runs_show_names_the_failing_cell_its_source_and_output(notebooks: Path) -> None:
    assert wb("run", str(notebooks / "fails.ipynb"), "-p", "divisor", "0").exit_code == 12
    (record,) = json.loads(wb("runs", "--json").stdout)
    table = wb("runs").stdout.splitlines()
    assert "exit" in table[0] and "parameters" in table[0] and "cell" in table[0]
    assert '{"divisor": 0}' in table[1] and " 12 " in table[1]
    shown = wb("runs", "show", record["id"][:20]).stdout.splitlines()
    assert shown[1].startswith("status: failed, exit code 12")
    assert 'parameters: {"divisor": 0}' in shown
    assert "error at cell 2: ZeroDivisionError: division by zero" in shown
    assert "    result = numerator / divisor  # fails when divisor is 0" in shown
    assert any("ZeroDivisionError" in line for line in shown[shown.index("its output:") :])
    assert shown[-1] == f"output notebook: {record['output']}"
    details = json.loads(wb("runs", "show", record["id"], "--json").stdout)
    assert details["failed_cell"] == 2
    assert details["failed_cell_source"].startswith("result = numerator / divisor")
    missing = CliRunner().invoke(cli, ["runs", "show", "nope"])
    assert missing.exit_code == 10 and "no run with id 'nope'" in missing.stderr
