"""The scenario notebooks of notebooks/scenarios, bound and run by a real `wb worker`:
an order that ships on PostgreSQL sends one Slack message (the Slack spec's sandbox)."""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import psycopg
import pytest
from click.testing import CliRunner, Result
from specs import SPECS
from workers import processes, wait_for

from workbench.cli import cli
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore

SCENARIOS = Path(__file__).parents[2] / "notebooks" / "scenarios"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def wb(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def printed(path: str) -> list[str]:
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return [
        line
        for cell in nb.cells
        for output in cell.get("outputs", [])
        for line in output.get("text", "").splitlines()
    ]


@pytest.fixture
def orders(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An orders table of the test's own in the `warehouse` database, its changes tracked."""
    table = f"wb_orders_{uuid.uuid4().hex[:8]}"
    monkeypatch.chdir(SCENARIOS)  # the scenarios' connections: notebooks/workbench.toml
    monkeypatch.setenv("WORKBENCH_SPECS", str(SPECS))
    with psycopg.connect(POSTGRES, autocommit=True) as db:
        db.execute(f"create table {table} (id int primary key, customer text, status text)")
        db.execute(f"insert into {table} values (7, 'Ada Lovelace', 'paid'), (8, 'Alan', 'paid')")
    setup = wb("trigger", "setup", "warehouse.row_changed", f"table={table}")
    assert setup.exit_code == 0, setup.output
    yield table
    wb("trigger", "teardown", "warehouse.row_changed", f"table={table}")
    with psycopg.connect(POSTGRES, autocommit=True) as db:
        db.execute(f"drop table if exists {table}")


@pytest.mark.slow
def test_an_order_that_ships_sends_exactly_one_slack_message(
    orders: str, store: RunStore, tmp_path: Path
) -> None:
    notebook = SCENARIOS / "order_shipped.ipynb"
    added = wb(
        "trigger", "add", str(notebook), "--on", "warehouse.row_changed", f"table={orders}",
        "status=shipped", "--name", "order-shipped",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    with processes(tmp_path / "logs") as started:
        worker = started.start("worker", "--pool", "1", "--interval", "0.2", cwd=SCENARIOS)
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            db.execute(f"update {orders} set status = 'shipped' where id = 7")
            db.execute(f"update {orders} set status = 'cancelled' where id = 8")
            db.execute(f"update {orders} set customer = 'Ada King' where id = 7")  # still shipped

        def ended() -> bool:
            return any(r.status.finished for r in store.runs(job="order-shipped"))

        assert wait_for(ended, 120), started.logs()
        assert wait_for(lambda: len(store.runs(job="order-shipped")) > 1, 3) is False
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, started.logs()
    (run,) = store.runs(job="order-shipped")
    assert run.status is Status.SUCCEEDED, run.describe()
    assert run.parameters["event"]["data"]["row"]["id"] == 7
    (summary,) = [json.loads(line) for line in printed(run.output or "") if line.startswith("{")]
    assert summary == {
        "order": 7,
        "channel": "#orders",
        "text": "Order 7 for Ada Lovelace has shipped",
        "slack_calls": 1,
    }
