"""A notebook bound to `changed_records` is run by `wb worker --once` for each changed
record of the fake org, and not again for a record already handled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_salesforce import CLIENT_ID, USERNAME, FakeSalesforce
from workers import write_notebook

from workbench.cli import cli
from workbench.config.secrets import default_secret_store
from workbench.connectors.salesforce import Salesforce, SalesforceConfig
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore

WB = str(Path(sys.executable).parent / "wb")
GENEPOINT = "001D000000IqhMAIAZ"


def worker_once() -> None:
    done = subprocess.run(
        [WB, "worker", "--once", "--pool", "1", "--interval", "0.2"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_the_worker_runs_the_bound_notebook_once_per_changed_record(
    project: Path, store: RunStore, fake: FakeSalesforce, private_pem: str
) -> None:
    default_secret_store().set("salesforce/jwt-key", private_pem)
    (project / "workbench.toml").write_text(
        "[connections.sales]\n"
        'connector = "salesforce"\n'
        f'login_url = "{fake.login_url}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'username = "{USERNAME}"\n'
        'private_key = { secret = "salesforce/jwt-key" }\n'
    )
    write_notebook(project / "on_change.ipynb", "event = {}", "print(event['data']['Name'])")
    added = CliRunner().invoke(
        cli,
        ["trigger", "add", "on_change.ipynb", "--on", "sales.changed_records", "sobject=Account",
         "fields=Name", "since=2024-05-09T00:00:00Z", "interval=0.2"],
        catch_exceptions=False,
    )  # fmt: skip
    assert added.exit_code == 0, added.output

    worker_once()
    (first,) = store.runs()
    assert first.status is Status.SUCCEEDED, first.describe()
    assert first.parameters["event"]["data"]["Name"] == "sForce"  # changed on 2024-05-09

    settings = SalesforceConfig(
        login_url=fake.login_url, client_id=CLIENT_ID, username=USERNAME, private_key=private_pem
    )
    with Salesforce(settings, connection="sales") as sales:
        sales.update("Account", GENEPOINT, {"Rating": "Warm"})
    worker_once()
    runs = store.runs()
    assert len(runs) == 2
    assert {r.status for r in runs} == {Status.SUCCEEDED}
    assert {r.parameters["event"]["subject"] for r in runs} == {GENEPOINT, "001D000000IqhWAIAZ"}
