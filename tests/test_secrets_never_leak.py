"""A canary secret, stored with `wb secrets set` and used by a connection, leaks nowhere.

The test drives the real `wb` command and real notebook runs (papermill), then reads every
file the run wrote: CLI output, the executed notebooks, logs, CSVs, config files.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import papermill
import pytest
from servers import JsonHandler, serve

from workbench.paths import config_dir

CANARY = "canary-" + secrets.token_hex(12)
ROOT = Path(__file__).resolve().parent.parent
WB = str(Path(sys.executable).parent / "wb")

pytestmark = pytest.mark.slow


class _Api(JsonHandler):
    authorized = 0

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {CANARY}":
            self.send_json(401, {"error": "unauthorized"})
            return
        type(self).authorized += 1
        if self.path.startswith("/boom"):
            self.send_json(500, {"error": "internal error"})
        else:
            self.send_json(200, [{"id": 1, "status": "shipped"}, {"id": 2, "status": "paid"}])


@pytest.fixture
def api_url() -> Iterator[str]:
    with serve(_Api) as url:
        yield url


def wb(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WB, *args], input=stdin, capture_output=True, text=True, env=dict(os.environ), timeout=60
    )


NOTEBOOK_CELLS = [
    'import logging, traceback\nimport workbench as wb\nlogging.basicConfig(filename="run.log", '
    "level=logging.DEBUG, force=True)",
    'api = wb.connect("api")\nprint(api, repr(api.config), api.config)\n'
    "print(api.config.model_dump(), api.config.model_dump_json(), api.config.public_fields())",
    'orders = api.get("/orders")\nprint(orders, orders.raw)\norders',
    'api.get("/orders", headers={"X-Echo": api.config.token.get_secret_value()})',
    'try:\n    api.get("/boom")\nexcept Exception:\n    traceback.print_exc()',
    'try:\n    wb.connect("api", token=12345678)\nexcept Exception:\n    traceback.print_exc()',
    "wb.history()",
    "wb.connections()",
]


def test_canary_appears_in_no_output_record_log_or_notebook(
    project: Path, tmp_path: Path, api_url: str
) -> None:
    _Api.authorized = 0
    runs = [
        wb("secrets", "set", "api/token", stdin=CANARY + "\n"),
        wb(
            "connections",
            "add",
            "api",
            "--connector",
            "http",
            "--set",
            f"base_url={api_url}",
            "--secret",
            "token=api/token",
        ),
    ]
    for args in (
        ["connections", "show", "api"],
        ["connections", "show", "api", "--json"],
        ["connections", "list"],
        ["connections", "list", "--json"],
        ["connections", "test", "api"],
        ["secrets", "list"],
        ["catalog"],
    ):
        runs.append(wb(*args))
    assert [r.returncode for r in runs] == [0] * len(runs), [r.stderr for r in runs]
    assert runs[6].stdout.startswith("ok: api (http): HTTP 200")

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, project / "uses_api.ipynb")
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    papermill.execute_notebook(
        str(project / "uses_api.ipynb"),
        str(outputs / "uses_api.ipynb"),
        cwd=str(project),
        kernel_name="python3",
        progress_bar=False,
    )
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "quickstart.ipynb"),
        str(outputs / "quickstart.ipynb"),
        parameters={"output_folder": str(outputs)},
        cwd=str(project),
        kernel_name="python3",
        progress_bar=False,
    )
    assert _Api.authorized >= 3  # the canary really was sent: the server accepted it

    executed = (outputs / "uses_api.ipynb").read_text()
    assert "shipped" in executed and "HttpStatusError" in executed and "ConfigError" in executed
    log = (project / "run.log").read_text()
    assert "api.get called with" in log and "'X-Echo': '***'" in log

    for run in runs:
        assert CANARY not in run.stdout + run.stderr
    written = [
        p for root in (project, outputs, config_dir()) for p in root.rglob("*") if p.is_file()
    ]
    assert {p.name for p in written} >= {
        "run.log",
        "quickstart.ipynb",
        "workbench.toml",
        "secrets.enc",
    }
    leaks = [p for p in written if CANARY.encode() in p.read_bytes()]
    assert leaks == []
