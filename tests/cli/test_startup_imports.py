"""`wb --help`, `wb catalog` and a misspelt `wb run` parameter load no execution stack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import catalog_cache

HEAVY = ("pandas", "pydantic", "nbclient", "papermill", "jupyter_client", "nbformat", "numpy")
NOTEBOOKS = Path(__file__).parents[1] / "jobs" / "notebooks"
RUNNER = (
    "import json, sys\n"
    "from workbench.cli import main\n"
    "sys.argv = ['wb', *json.loads(sys.argv[1])]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit as done:\n"
    "    code = done.code\n"
    "heavy = {heavy!r}\n"
    "sys.stderr.write(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
)


def loaded(*args: str) -> list[str]:
    """The heavy modules imported by ``wb ARGS`` (its own output is dropped)."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER.format(heavy=HEAVY), json.dumps(args)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    found: list[str] = json.loads(done.stderr.splitlines()[-1])
    return found


def test_help_imports_no_execution_stack() -> None:
    assert loaded("--help") == []
    assert loaded("run", "--help") == []


def test_a_cached_catalog_imports_no_connector_stack() -> None:
    cache = Path(os.environ["WORKBENCH_DATA_DIR"]) / catalog_cache.FILE_NAME
    for _ in range(3):  # the cache is not written while an input was edited just now
        loaded("catalog")
        if cache.exists() and loaded("catalog") == []:
            return
        time.sleep(catalog_cache.SETTLE_NS / 1e9 + 0.2)
    assert loaded("catalog") == []


def test_a_cold_catalog_still_lists_everything() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "wb"), "catalog", "sqlite", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert [row["name"] for row in json.loads(done.stdout)] == ["sqlite"]


def test_a_misspelt_parameter_is_refused_before_the_execution_stack_loads(
    tmp_path: Path,
) -> None:
    notebook = tmp_path / "report.ipynb"
    shutil.copy(NOTEBOOKS / "report.ipynb", notebook)
    found = loaded("run", str(notebook), "-p", "bogus_parameter", "1")
    assert not {"nbclient", "papermill", "jupyter_client", "pandas"} & set(found)


@pytest.mark.parametrize("command", ["runs", "schedule", "trigger", "events", "worker", "serve"])
def test_every_lazy_command_resolves(command: str) -> None:
    from click.testing import CliRunner

    from workbench.cli import cli

    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
