"""The report and notification notebooks of notebooks/scenarios, run headless by `wb run`.

Each runs against what is on the machine: a PostgreSQL ``shop`` database of the test's own
(slack_notify), the sample ``shop`` database (sheets_report, pdf_report), and the sandboxes
of Slack and Google Sheets. What each notebook sent is read back from its output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import nbformat
import psycopg
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from scratch_databases import postgres_database

import workbench as wb
from workbench.cli import cli
from workbench.paths import config_dir

SCENARIOS = Path(__file__).parents[2] / "notebooks" / "scenarios"
ORDERS = [
    (101, 7, "shipped", 25.5),
    (102, 8, "paid", 10.0),
    (103, 9, "shipped", 99.99),
    (104, 7, "cancelled", 5.0),
    (105, 3, "shipped", 12.0),
]


def run(notebook: str, output: Path, *parameters: str) -> list[Any]:
    """Run ``notebook`` with ``wb run -p K V ...``; the JSON lines it printed."""
    pairs = [
        arg for pair in zip(parameters[::2], parameters[1::2], strict=True) for arg in ("-p", *pair)
    ]
    args = ["run", str(SCENARIOS / notebook), "--output", str(output), *pairs]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    nb = nbformat.read(output, as_version=4)  # type: ignore[no-untyped-call]
    return [
        json.loads(line)
        for cell in nb.cells
        for out in cell.get("outputs", [])
        for line in out.get("text", "").splitlines()
        if line.startswith("{")
    ]


@pytest.fixture
def shop() -> Iterator[str]:
    """A PostgreSQL database with an orders table, as the user's connection ``shop``.

    A run works in the notebook's folder, so the connection is in the user's workbench.toml
    (the test's own config folder), which every folder sees.
    """
    with postgres_database("wb_shop") as name:
        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}", autocommit=True) as db:
            db.execute(
                "create table orders (id int primary key, customer_id int, status text,"
                " total numeric(10, 2))"
            )
            for row in ORDERS:
                db.execute("insert into orders values (%s, %s, %s, %s)", row)
        (config_dir() / "workbench.toml").write_text(
            '[connections.shop]\nconnector = "postgresql"\nhost = "127.0.0.1"\n'
            f'database = "{name}"\nuser = "postgres"\n'
        )
        yield name


@pytest.mark.slow
def test_each_shipped_order_is_one_slack_message_naming_it(shop: str, tmp_path: Path) -> None:
    (summary,) = run("slack_notify.ipynb", tmp_path / "out.ipynb", "channel", "#general")
    shipped = [order_id for order_id, _, status, _ in ORDERS if status == "shipped"]
    assert summary["sandbox"] is True
    assert summary["calls"] == ["ok"] * len(shipped)
    assert [message["order"] for message in summary["sent"]] == shipped
    for message in summary["sent"]:
        sent = parse_qs(message["request"])
        assert sent["text"] == [message["text"]]
        assert f"Order {message['order']} has shipped" in sent["text"][0]
        assert sent["channel"] == ["C012AB3CD"]  # #general, looked up in the sandbox


@pytest.mark.slow
def test_the_sheet_gets_the_rows_with_dates_numbers_and_blanks(tmp_path: Path) -> None:
    (summary,) = run("sheets_report.ipynb", tmp_path / "out.ipynb", "spreadsheet_id", "s-42")
    expected = (
        wb.connect("shop")
        .query(
            "select status, count(*) as orders, round(sum(total), 2) as revenue,"
            " max(shipped_at) as last_shipped from orders group by status order by status"
        )
        .data
    )
    written = summary["requests"]["write_range"]
    assert written["range"] == "Report!A1"
    assert written["values"][0] == ["status", "orders", "revenue", "last_shipped"]
    rows = written["values"][1:]
    assert [row[0] for row in rows] == [r["status"] for r in expected]
    assert [row[1] for row in rows] == [r["orders"] for r in expected]
    assert all(isinstance(row[1], int) for row in rows)  # counts stay whole numbers
    assert [row[2] for row in rows] == pytest.approx([r["revenue"] for r in expected])
    assert [row[3] for row in rows] == [r["last_shipped"] or "" for r in expected]
    assert "" in [row[3] for row in rows]  # a status with nothing shipped: a blank cell
    assert all(len(row[3]) == 19 for row in rows if row[3])  # YYYY-MM-DD HH:MM:SS
    (total,) = summary["requests"]["append_rows"]["values"]
    assert total[:2] == ["all", sum(r["orders"] for r in expected)]
    assert total[3] == max(r["last_shipped"] for r in expected if r["last_shipped"])


@pytest.mark.slow
def test_the_pdf_report_has_its_title_table_and_chart(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "orders.pdf"
    (done,) = run("pdf_report.ipynb", tmp_path / "out.ipynb", "path", str(path))
    assert done["path"] == str(path) and done["pages"] >= 1
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Orders by status" in text
    by_status = (
        wb.connect("shop")
        .query(
            "select status, count(*) as orders, round(sum(total), 2) as revenue"
            " from orders group by status order by status"
        )
        .data
    )
    lines = text.splitlines()
    assert "status orders revenue" in lines  # the table's header
    for row in by_status:  # one line per row, numbers as the table shows them
        assert f"{row['status']} {row['orders']:,} {row['revenue']:,.2f}" in lines
    assert f"{sum(r['orders'] for r in by_status)} orders" in text
    assert sum(len(page.images) for page in reader.pages) == 1  # the chart
    assert reader.metadata is not None and reader.metadata.title == "Orders by status"
