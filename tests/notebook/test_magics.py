"""The %wb and %%wb magics, run in a real IPython shell against real connectors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from servers import JsonHandler, serve

from workbench.errors import ActionArgumentError, UnknownConnectionError
from workbench.notebook.arguments import UsageError
from workbench.results import Result, html


@pytest.fixture
def ip() -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "workbench")
    shell.run_line_magic("config", "Workbench.short_errors = True")
    yield shell
    shell.run_line_magic("config", "Workbench.display_limit = 50")


def failing_cell(ip: InteractiveShell, code: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``code`` as a cell that must fail; return what the cell printed."""
    capsys.readouterr()
    outcome = ip.run_cell(code)
    assert outcome.error_in_exec is not None
    return capsys.readouterr().out


def test_load_registers_line_and_cell_magic_and_settings(ip: InteractiveShell) -> None:
    magics = ip.magics_manager.magics
    assert "wb" in magics["line"]
    assert "wb" in magics["cell"]
    assert any(type(c).__name__ == "Workbench" for c in ip.configurables)
    ip.run_line_magic("config", "Workbench.display_limit = 7")
    assert html.MAX_ROWS == 7
    shown = ip.run_line_magic("wb", "run shop query 'select * from orders'")._repr_html_()
    assert shown.count("<tr") == 8  # the header and 7 rows
    assert "more rows" in shown


def test_help_lists_every_command(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    ip.run_line_magic("wb", "")
    out = capsys.readouterr().out
    for command in (
        "catalog",
        "connections",
        "actions",
        "run",
        "history",
        "ui",
        "listen",
        "events",
    ):
        assert f"%wb {command}" in out
    assert "%%wb sql" in out
    assert "%%wb http" in out


def test_catalog_connections_actions_history(ip: InteractiveShell) -> None:
    found = ip.run_line_magic("wb", "catalog sqlite")
    assert list(found["name"]) == ["sqlite"]
    assert "shop" in set(ip.run_line_magic("wb", "connections")["name"])
    actions = ip.run_line_magic("wb", "actions shop")
    assert {"query", "execute", "tables"} <= set(actions["action"])
    assert actions.set_index("action").loc["query", "summary"].startswith("Run a query")
    assert set(actions["kind"]) == {"action"}
    from sources import register_ticker

    register_ticker()
    ticker = ip.run_line_magic("wb", "actions ticker")
    assert ticker.to_dict("records")[0]["action"] == "ticks"
    assert ticker.to_dict("records")[0]["kind"] == "trigger"
    assert "inbox_id" in ip.run_line_magic("wb", "events --dead").columns
    ip.run_line_magic("wb", "run shop tables")
    recent = ip.run_line_magic("wb", "history 1")
    assert list(recent["action"]) == ["tables"]


def test_run_returns_the_result_with_literals_and_notebook_values(ip: InteractiveShell) -> None:
    ip.user_ns["wanted"] = "shipped"
    ip.user_ns["ids"] = [1, 2, 3]
    r = ip.run_line_magic(
        "wb", "run shop query 'select id, status from orders where status = :s' s=$wanted"
    )
    assert isinstance(r, Result)
    assert r.rows > 0
    assert set(r.df["status"]) == {"shipped"}
    r2 = ip.run_line_magic("wb", "run shop query 'select :n + 1 as m' n={len(ids) * 10}")
    assert r2.df["m"].item() == 31
    outcome = ip.run_cell("r3 = %wb run shop query 'select 2 as two'")
    assert outcome.success
    assert ip.user_ns["r3"].df["two"].item() == 2


def test_run_with_an_unknown_action_suggests_the_close_one(ip: InteractiveShell) -> None:
    with pytest.raises(ActionArgumentError, match=r"no action named 'qury'; did you mean 'query'"):
        ip.run_line_magic("wb", "run shop qury 'select 1'")


def test_errors_are_one_line_and_a_hint(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    out = failing_cell(ip, "%wb run shpo query 'select 1'", capsys)
    assert "UnknownConnectionError: no connection or connector named 'shpo'" in out
    assert "did you mean 'shop'?" in out
    assert "hint: %wb connections" in out
    assert "Traceback" not in out
    assert len(out.strip().splitlines()) == 2
    out = failing_cell(ip, "%wb run shop columns", capsys)
    assert "ActionArgumentError" in out
    assert "hint: %wb actions CONNECTION" in out


def test_full_tracebacks_come_back_when_short_errors_are_off(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    ip.run_line_magic("config", "Workbench.short_errors = False")
    out = failing_cell(ip, "import workbench as wb\nwb.connect('shpo')", capsys)
    assert "Traceback" in out or "----" in out
    assert "UnknownConnectionError" in out
    with pytest.raises(UnknownConnectionError):
        ip.run_line_magic("wb", "actions shpo")


def test_unknown_command_and_bad_usage_name_what_is_wrong(ip: InteractiveShell) -> None:
    with pytest.raises(ActionArgumentError, match=r"no line command 'runn'; did you mean 'run'"):
        ip.run_line_magic("wb", "runn shop query")
    with pytest.raises(UsageError, match=r"^missing ACTION for %wb run$") as caught:
        ip.run_line_magic("wb", "run shop")
    assert caught.value.hint == "usage: %wb run CONNECTION ACTION [ARG ...] [key=value ...]"
    with pytest.raises(ActionArgumentError, match=r"no variable \$missing"):
        ip.run_line_magic("wb", "run shop query 'select :x' x=$missing")
    with pytest.raises(ActionArgumentError, match=r"no cell command 'sqll'"):
        ip.run_cell_magic("wb", "sqll shop", "select 1")


def test_sql_cell_binds_template_and_colon_names_and_saves(ip: InteractiveShell) -> None:
    ip.user_ns.update(status="shipped", floor=0)
    r = ip.run_cell_magic(
        "wb",
        "sql shop --save shipped",
        "select id, status, total from orders\nwhere status = {{status}} and total > :floor",
    )
    assert isinstance(r, Result)
    assert r.rows > 0
    assert set(r.df["status"]) == {"shipped"}
    saved = ip.user_ns["shipped"]
    assert isinstance(saved, pd.DataFrame)
    assert saved.equals(r.df)


def test_sql_cell_values_are_bound_never_formatted(ip: InteractiveShell) -> None:
    ip.user_ns["status"] = "x' or '1'='1"
    r = ip.run_cell_magic("wb", "sql shop", "select * from orders where status = {{status}}")
    assert r.rows == 0
    r = ip.run_cell_magic("wb", "sql shop", "select ':status' as literal, '{{status}}' as t")
    assert r.df.iloc[0].tolist() == [":status", ":status"]


def test_sql_cell_limit_and_default_limit(ip: InteractiveShell) -> None:
    r = ip.run_cell_magic("wb", "sql shop --limit 3", "select * from orders")
    assert r.rows == 3
    ip.run_line_magic("config", "Workbench.sql_limit = 2")
    try:
        assert ip.run_cell_magic("wb", "sql shop", "select * from orders").rows == 2
    finally:
        ip.run_line_magic("config", "Workbench.sql_limit = None")


def test_sql_cell_problems_are_named(ip: InteractiveShell) -> None:
    with pytest.raises(ActionArgumentError, match=r"no variable 'nowhere' for :nowhere"):
        ip.run_cell_magic("wb", "sql shop", "select * from orders where id = :nowhere")
    with pytest.raises(ActionArgumentError, match=r"--save of %%wb sql needs a variable name"):
        ip.run_cell_magic("wb", "sql shop --save 1x", "select 1")
    with pytest.raises(ActionArgumentError, match=r"the cell holds no SQL"):
        ip.run_cell_magic("wb", "sql shop", "  \n")
    with pytest.raises(ActionArgumentError, match=r"unknown option '--frobnicate' for %%wb sql"):
        ip.run_cell_magic("wb", "sql shop --frobnicate", "select 1")
    with pytest.raises(ActionArgumentError, match=r"unknown option '--limt'.*mean '--limit'\?"):
        ip.run_cell_magic("wb", "sql shop --limt 3", "select 1")
    with pytest.raises(ActionArgumentError, match=r"--limit of %%wb sql needs a whole number"):
        ip.run_cell_magic("wb", "sql shop --limit many", "select 1")
    with pytest.raises(ActionArgumentError, match=r"option --save of %%wb sql needs a value"):
        ip.run_cell_magic("wb", "sql shop --save", "select 1")


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("run shop query --bogus", r"unknown option '--bogus' for %wb run \(it takes no options"),
        ("run shop query 'select 1' --save=x", r"unknown option '--save' for %wb run"),
        ("events --deda", r"unknown option '--deda' for %wb events; did you mean '--dead'\?"),
        ("events --dead=yes", r"option --dead of %wb events takes no value"),
        ("catalog --all", r"unknown option '--all' for %wb catalog"),
        ("actions", r"missing CONNECTION for %wb actions"),
        ("listen shop", r"missing TRIGGER for %wb listen"),
        ("ui shop query extra", r"unexpected argument 'extra' for %wb ui"),
        ("connections shop", r"unexpected argument 'shop' for %wb connections"),
        ("history lots", r"N for %wb history must be a whole number, got 'lots'"),
        ("run shop query 'select 1' =3", r"malformed key=value '=3' for %wb run: no name"),
        ("run shop query 'select :a' a=", r"malformed key=value 'a=' .*no value after '='"),
        ("run shop query 'select 1' page-size=3", r"'page-size' is not a name.*page_size="),
        ("run shop query 'select :a' a=1 a=2", r"argument 'a' is given twice for %wb run"),
        ("actions shop x=1", r"%wb actions takes no key=value arguments, got 'x=1'"),
        ("run 3 query", r"CONNECTION for %wb run must be a name, got '3'"),
        (
            "run shop insert_df tabel=x",
            r"shop.insert_df has no argument 'tabel'; did you mean table=",
        ),
        ("run shop tables extra", r"shop.tables takes 0 positional arguments \(none\), got 1"),
        ("run shop query 'select 1' 'x'", r"shop.query takes 1 positional argument \(only sql\)"),
    ],
)
def test_argument_errors_name_what_is_wrong(ip: InteractiveShell, line: str, named: str) -> None:
    with pytest.raises(ActionArgumentError, match=named):
        ip.run_line_magic("wb", line)


def test_an_argument_error_is_one_line_and_the_usage(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    out = failing_cell(ip, "%wb run shop query 'select 1' --bogus", capsys)
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "unknown option '--bogus' for %wb run" in lines[0]
    assert "hint: usage: %wb run CONNECTION ACTION [ARG ...] [key=value ...]" in lines[1]
    out = failing_cell(ip, "%%wb sql shop --sav x\nselect 1", capsys)
    assert "unknown option '--sav' for %%wb sql; did you mean '--save'?" in out
    assert "hint: usage: %%wb sql CONNECTION [--save NAME] [--limit N]" in out
    assert "Traceback" not in out


def test_a_quoted_value_that_starts_with_dashes_is_a_value(ip: InteractiveShell) -> None:
    r = ip.run_line_magic("wb", "run shop query 'select :a as a' a='--x'")
    assert r.df["a"].item() == "--x"


class _Items(JsonHandler):
    received: ClassVar[list[Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Items.received.append({"path": self.path, "body": body})
        self.send_json(201, {"id": 7, **body})

    def do_GET(self) -> None:
        self.send_json(200, [{"id": 1}, {"id": 2}])


@pytest.fixture
def api(project: Path) -> Iterator[str]:
    handler: type[BaseHTTPRequestHandler] = _Items
    with serve(handler) as url:
        (project / "workbench.toml").write_text(
            f'[connections.items]\nconnector = "http"\nbase_url = "{url}"\n'
        )
        yield url


def test_http_cell_sends_the_json_body(ip: InteractiveShell, api: str) -> None:
    _Items.received.clear()
    r = ip.run_cell_magic("wb", "http items POST /items", '{"name": "bolt", "qty": 3}')
    assert r.data == {"id": 7, "name": "bolt", "qty": 3}
    assert _Items.received == [{"path": "/items", "body": {"name": "bolt", "qty": 3}}]
    listed = ip.run_line_magic("wb", "run items get /items")
    assert listed.rows == 2


def test_http_cell_problems_are_named(ip: InteractiveShell, api: str) -> None:
    with pytest.raises(ActionArgumentError, match=r"the cell is not JSON: .* line 1 column"):
        ip.run_cell_magic("wb", "http items POST /items", "{name: bolt}")
    with pytest.raises(ActionArgumentError, match=r"has no HTTP FETCH action named 'fetch'"):
        ip.run_cell_magic("wb", "http items FETCH /items", "{}")
    with pytest.raises(ActionArgumentError, match=r"missing PATH for %%wb http"):
        ip.run_cell_magic("wb", "http items POST", "{}")


def test_loading_imports_no_pandas_widgets_or_driver() -> None:
    code = (
        "import sys, json\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'workbench')\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(out.stdout.splitlines()[-1])}
    assert not loaded & {"pandas", "ipywidgets", "pydantic", "httpx", "sqlalchemy", "pyarrow"}


def test_ui_alone_is_the_whole_workbench_and_with_names_the_panel(ip: InteractiveShell) -> None:
    from workbench.notebook.widgets import Panel, WorkbenchTabs

    whole = ip.run_line_magic("wb", "ui")
    assert isinstance(whole, WorkbenchTabs) and whole.panel.connection is None
    panel = ip.run_line_magic("wb", "ui shop query")
    assert isinstance(panel, Panel) and (panel.connection, panel.action) == ("shop", "query")
    with pytest.raises(UsageError, match="unknown option '--bogus'"):
        ip.run_line_magic("wb", "run shop query 'select 1' --bogus")
