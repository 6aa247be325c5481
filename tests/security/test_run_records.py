"""Run records tell the truth: a served notebook that never calls wb.respond answers 500
and its run is recorded failed, with the reason, in the store and in `wb runs`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from click.testing import CliRunner
from served import serve_app
from workers import write_notebook

from workbench.cli import cli
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore
from workbench.jobs.serve.app import RUN_HEADER, create_app


def test_a_silent_served_notebook_is_a_failed_run(project: Path, store: RunStore) -> None:
    path = write_notebook(project / "silent.ipynb", "n = 1", "n + 1")
    with serve_app(create_app(path, token=None, store=store, pool_size=1)) as url:
        response = httpx.get(f"{url}/silent", params={"n": "2"}, timeout=60, trust_env=False)
    assert response.status_code == 500
    assert response.json()["error"] == "NoResponse"
    run = store.get(response.headers[RUN_HEADER])
    assert run.status is Status.FAILED
    assert run.error_class == "NoResponse"
    assert "without calling wb.respond" in (run.error_message or "")
    listed = json.loads(CliRunner().invoke(cli, ["runs", "--json"]).output)
    assert [(r["id"], r["status"]) for r in listed] == [(run.id, "failed")]
