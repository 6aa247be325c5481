"""notebooks/scenarios/salesforce_customers.ipynb run headless by `wb run`: against the local
fake through a JWT bearer connection, and as it is (the sandbox)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner
from fake_salesforce import CLIENT_ID, USERNAME, FakeSalesforce

from workbench.cli import cli
from workbench.config.secrets import default_secret_store
from workbench.jobs.run.store import RunStore

NOTEBOOK = Path(__file__).parents[3] / "notebooks" / "scenarios" / "salesforce_customers.ipynb"
CUSTOMERS = [
    "Burlington Textiles Corp of America", "Dickenson plc", "Edge Communications",
    "Express Logistics and Transport", "GenePoint", "Grand Hotels & Resorts Ltd",
    "Pyramid Construction Inc.", "United Oil & Gas Corp.", "University of Arizona", "sForce",
]  # fmt: skip


def run(project: Path, *parameters: str) -> dict[str, Any]:
    """Run the notebook with ``wb run``; the summary it prints."""
    output = project / "out.ipynb"
    copy = project / NOTEBOOK.name  # run where the project's workbench.toml is found
    shutil.copy(NOTEBOOK, copy)
    args = ["run", str(copy), "--output", str(output), *parameters]
    ran = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert ran.exit_code == 0, ran.output
    nb = nbformat.read(output, as_version=4)  # type: ignore[no-untyped-call]
    printed = [
        line
        for cell in nb.cells
        for out in cell.get("outputs", [])
        for line in out.get("text", "").splitlines()
        if line.startswith("{")
    ]
    (summary,) = printed
    found: dict[str, Any] = json.loads(summary)
    return found


@pytest.mark.slow
def test_the_scenario_reads_the_org_of_a_live_connection(
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
    summary = run(project, "-p", "connection", "sales", "-p", "min_employees", "1000")
    assert summary["connection"] == "sales"
    assert (summary["accounts"], summary["duplicates"]) == (12, 2)
    assert summary["names"] == [
        "Burlington Textiles Corp of America", "Edge Communications",
        "Express Logistics and Transport", "Grand Hotels & Resorts Ltd",
        "Pyramid Construction Inc.", "United Oil & Gas Corp.", "University of Arizona",
    ]  # fmt: skip
    assert fake.grants == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assert [path for _, _, path, _ in fake.api_calls()][:1] == ["/services/data/v62.0/query"]
    (recorded,) = store.runs()
    assert recorded.parameters["connection"] == "sales"
    assert "PRIVATE KEY" not in (project / "out.ipynb").read_text()


@pytest.mark.slow
def test_the_scenario_as_it_is_reads_the_sandbox(project: Path, store: RunStore) -> None:
    summary = run(project)
    assert summary == {
        "connection": "salesforce",
        "accounts": 12,
        "customers": 10,
        "duplicates": 2,
        "names": CUSTOMERS,
        "owners": ["Ada Lovelace", "Grace Hopper"],
    }
