"""`wb trigger` (add with checked inputs, filters and parameters; list, pause, resume,
remove, export, import) and `wb events` (list, --dead, show, replay), as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sources import register_ticker
from workers import write_notebook

from workbench.cli import cli
from workbench.jobs.run.store import default_store
from workbench.triggers.dispatch import DeliveryState, Dispatcher, deliveries
from workbench.triggers.reader import read_source


@pytest.fixture
def notebook(project: Path) -> Path:
    register_ticker()
    return write_notebook(project / "notify.ipynb", "event = {}\nchannel = '#ops'", "print(event)")


def wb(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_add_list_pause_resume_remove(notebook: Path) -> None:
    added = wb(
        "trigger", "add", "notify.ipynb", "--on", "ticker.ticks", "count=5", "even=true",
        "-p", "channel", "#sales", "--retries", "1", "--name", "evens",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.splitlines()[:2] == [
        f"added binding 'evens': {notebook} on ticker.ticks(count=5)",
        "  when even=true",
    ]
    (listed,) = json.loads(wb("trigger", "list", "--json").output)
    assert (listed["args"], listed["filters"]) == ({"count": 5}, {"even": "true"})
    assert listed["parameters"] == {"channel": "#sales"} and listed["retries"] == 1
    assert "ticker.ticks(count=5)" in wb("trigger", "list").output
    assert wb("trigger", "pause", "evens").output == "paused binding 'evens'\n"
    assert "paused" in wb("trigger", "list").output
    assert wb("trigger", "resume", "evens").exit_code == 0
    assert wb("trigger", "remove", "evens").output == "removed binding 'evens'\n"
    assert wb("trigger", "list").output == "no bindings\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--on", "ticker"], 3, "--on 'ticker': expected CONNECTION.TRIGGER"),
        (["--on", "tickr.ticks"], 4, "tickr"),
        (["--on", "ticker.tick"], 6, "no trigger 'tick'; did you mean 'ticks'?"),
        (["--on", "ticker.ticks", "count=lots"], 6, "count"),
        (["--on", "ticker.ticks", "oops"], 3, "'oops': expected key=value"),
        (["--on", "ticker.ticks", "-p", "chanel", "x"], 11, "did you mean 'channel'?"),
        (["--on", "ticker.ticks", "--on-failure", "nowhere"], 4, "nowhere"),
    ],
)
def test_bad_input_is_refused_with_its_exit_code(
    notebook: Path, args: list[str], code: int, message: str
) -> None:
    result = wb("trigger", "add", "notify.ipynb", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_notebook_without_an_event_parameter_is_refused(project: Path) -> None:
    register_ticker()
    write_notebook(project / "plain.ipynb", "limit = 1", "print(limit)")
    result = wb("trigger", "add", "plain.ipynb", "--on", "ticker.ticks")
    assert result.exit_code == 11
    assert "add `event = {}` to its cell tagged 'parameters'" in result.stderr


def test_export_then_import_elsewhere(notebook: Path) -> None:
    wb("trigger", "add", "notify.ipynb", "--on", "ticker.ticks", "--name", "a")
    exported = wb("trigger", "export").output
    assert wb("trigger", "import", "-", input=exported).exit_code == 3  # exists already
    assert wb("trigger", "import", "-", "--replace", input=exported).output == (
        "imported 1 binding\n"
    )
    wb("trigger", "remove", "a")
    assert wb("trigger", "import", "-", input=exported).exit_code == 0
    assert json.loads(wb("trigger", "export", "a").output)[0]["name"] == "a"
    assert wb("trigger", "import", "-", input="{not json").exit_code == 3
    assert "expected a list of bindings" in wb("trigger", "import", "-", input="{}").stderr


def test_events_list_show_dead_and_replay(notebook: Path) -> None:
    from workbench.client import connect

    wb("trigger", "add", "notify.ipynb", "--on", "ticker.ticks", "count=2", "--name", "n")
    store = default_store()
    read_source(connect("ticker"), "ticks", {"count": 2}, Dispatcher(store).inbox, until_idle=True)
    rows = json.loads(wb("events", "--json").output)
    assert [r["event_id"] for r in rows] == ["1", "0"]
    assert {r["state"] for r in rows} == {"n: pending"}
    assert wb("events", "--source", "nowhere").output == "no events\n"
    shown = json.loads(wb("events", "show", rows[0]["inbox_id"][:28]).output)
    assert shown["data"] == {"n": 1, "even": False}
    assert shown["deliveries"][0]["binding"] == "n"
    assert wb("events", "--dead").output == "no dead letters\n"
    replayed = wb("events", "replay", rows[0]["inbox_id"])
    assert replayed.exit_code == 10 and "being handled by 'n' already" in replayed.stderr
    with store.engine.begin() as connection:
        from workbench.triggers.tables import DELIVERIES

        connection.execute(DELIVERIES.update().values(state=DeliveryState.DEAD.value))
    assert len(json.loads(wb("events", "--dead", "--json").output)) == 2
    assert wb("events", "replay", "--dead").output.startswith("replaying 2 deliveries")
    assert {d.state for d in deliveries(store)} == {DeliveryState.PENDING}
    assert wb("events", "replay").exit_code == 2
