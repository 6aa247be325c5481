"""The workbench panel driven through its widgets, against real connectors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from petstore import DOCUMENT
from servers import JsonHandler, serve
from specs import SPECS

import workbench as wb
from workbench.errors import ActionArgumentError, UnknownConnectionError
from workbench.notebook.widgets.form import EXTRA
from workbench.notebook.widgets.panel import Panel, raw_text, ui
from workbench.redaction import register_secret
from workbench.results import Result
from workbench.sdk import Connector, action, progress_bar

USERS = [{"id": 1, "name": "Ada", "city": "London"}, {"id": 2, "name": "Grace", "city": "NYC"}]


class Users(JsonHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/users"):
            self.send_json(200, USERS)
        else:
            self.send_json(404, {"error": f"no route {self.path}"})


@pytest.fixture
def api(project: Path) -> Iterator[str]:
    """A JSON API on a loopback port and the connection ``api`` to it in workbench.toml."""
    with serve(Users) as url:
        (project / "workbench.toml").write_text(
            f'[connections.api]\nconnector = "http"\nbase_url = "{url}"\n', encoding="utf-8"
        )
        yield url


@pytest.fixture
def pets() -> type[Connector]:
    return wb.Connector.from_openapi(DOCUMENT, name="petstore")


def classes(widget: Any) -> set[str]:
    """Every CSS class in a widget tree."""
    found = set(getattr(widget, "_dom_classes", ()))
    for child in getattr(widget, "children", ()):
        found |= classes(child)
    return found


def field_error(panel: Panel, name: str) -> str:
    assert panel.form is not None
    box = next(b for b in panel.form.children if f"wb-field-{name}" in b._dom_classes)
    text: str = box.children[1].value
    return text


def test_the_sample_shop_query_runs_from_the_run_button() -> None:
    panel = ui("shop", "query")
    assert panel.form is not None and list(panel.form.fields) == ["sql", EXTRA]
    panel.form.fields["sql"].value = "select id, status from orders where status = :status"
    panel.form.fields[EXTRA].value = '{"status": "shipped"}'
    panel.run_button.click()
    result = panel.wait(30)
    expected = wb.connect("shop").query(
        "select id, status from orders where status = :status", status="shipped"
    )
    assert result is not None and result.rows == expected.rows > 0
    assert set(result.df["status"]) == {"shipped"}
    assert panel.code == (
        'wb.connect("shop").query('
        '"select id, status from orders where status = :status", status="shipped")'
    )
    assert "wb.connect(&quot;shop&quot;).query(" in panel.code_area.value
    assert panel.table.frame is result.df and "shipped" in panel.table.html.value
    assert '"reader": "sqlite3"' in raw_text(result)
    assert panel.error == "" and panel.error_area.layout.display == "none"
    assert f"{result.rows:,} rows" in panel.status.value
    assert not panel.running and not panel.run_button.disabled and panel.cancel_button.disabled


def test_a_missing_required_field_is_shown_in_place_and_on_the_field() -> None:
    panel = ui("shop", "query", background=False)
    assert panel.run(wait=True) is None
    assert panel.error == "shop.query: field 'sql' is required"
    assert panel.error_area.layout.display is None and "is required" in panel.error_area.value
    assert "is required" in field_error(panel, "sql")
    panel.form.set_values(sql="select 1 as one")  # type: ignore[union-attr]
    panel.run_button.click()  # background=False: the click waits
    assert panel.result is not None and panel.result.df["one"].tolist() == [1]
    assert field_error(panel, "sql") == "" and panel.error == ""


def test_a_failing_query_shows_the_driver_error() -> None:
    panel = ui("shop", "query")
    panel.form.set_values(sql="select 1 as one")  # type: ignore[union-attr]
    assert panel.run(wait=True) is not None and panel.table.frame is not None
    panel.form.set_values(sql="select * from no_such_table")  # type: ignore[union-attr]
    assert panel.run(wait=True) is None
    assert panel.result is None and panel.table.frame is None and panel.raw_area.value == ""
    assert "no such table: no_such_table" in panel.error
    assert "no such table" in panel.error_area.value and "failed" in panel.status.value


def test_an_http_connection_from_workbench_toml(api: str) -> None:
    panel = ui("api", "get")
    assert "api" in panel.connection_picker.options
    panel.form.set_values(path="users", params={"page": 1})  # type: ignore[union-attr]
    result = panel.run(wait=True)
    assert result is not None and result.df[["id", "name"]].to_dict("records") == [
        {"id": 1, "name": "Ada"},
        {"id": 2, "name": "Grace"},
    ]
    assert panel.code == 'wb.connect("api").get(path="users", params={"page": 1})'
    assert f"{api}/users?page=1" in raw_text(result)


def test_bad_json_in_an_http_form_names_the_field(api: str) -> None:
    panel = ui("api", "get")
    panel.form.fields["params"].value = "{page: 1}"  # type: ignore[union-attr]
    assert panel.run(wait=True) is None
    assert panel.error.startswith("api.get: field 'params': not valid JSON")
    assert "not valid JSON" in field_error(panel, "params")


def test_an_http_error_status_is_shown(api: str) -> None:
    panel = ui("api", "get")
    panel.form.set_values(path="nowhere")  # type: ignore[union-attr]
    assert panel.run(wait=True) is None
    assert "404" in panel.error and "wb-error" in panel.error_area.value


def test_an_openapi_connector_runs_in_its_sandbox(pets: type[Connector]) -> None:
    panel = ui("petstore")
    assert panel.action is None and panel.form is None
    panel.action_list.value = "list_pets"
    assert panel.form is not None and panel.form.fields["limit"].value == 20
    panel.form.set_values(status="available")
    result = panel.run(wait=True)
    assert result is not None and result.df.to_dict("records") == [
        {"id": 1, "name": "Rex", "status": "available"}
    ]
    assert panel.code == 'wb.connect("petstore").list_pets(status="available")'
    assert "x-workbench-sandbox" in raw_text(result)
    assert "a sandbox answer" in panel.status.value


def test_a_string_where_an_integer_is_expected(pets: type[Connector]) -> None:
    panel = ui("petstore", "get_inventory")
    panel.form.fields["store_id"].value = "seven"  # type: ignore[union-attr]
    assert panel.run(wait=True) is None
    assert (
        panel.error == "petstore.get_inventory: field 'store_id': expected an integer, got 'seven'"
    )
    assert "expected an integer" in field_error(panel, "store_id")


class Tally(Connector):
    """Counts things; one action waits for a signal."""

    name = "tally"
    library = True
    release = threading.Event()

    @action
    def total(self, numbers: list[int], token: str = "") -> int:
        """Add numbers up."""
        return sum(numbers)

    @action
    def slow(self) -> str:
        """Wait for the signal."""
        Tally.release.wait(10)
        return "late"

    @action
    def read(self, total: int = 10) -> list[int]:
        """Read ``total`` records, reporting progress; stop at 3 until the signal."""
        with progress_bar(total=total, unit=" records") as bar:
            bar.update(3)
            Tally.release.wait(10)
            bar.update(total - 3)
        return list(range(total))


def test_the_input_model_checks_what_the_form_cannot() -> None:
    wb.register(Tally)
    panel = ui("tally", "total")
    panel.form.set_values(numbers=[1, "two"])  # type: ignore[union-attr]
    assert panel.run(wait=True) is None
    assert panel.error.startswith("tally.total: argument 'numbers.1': expected a valid integer")
    assert "valid integer" in field_error(panel, "numbers")
    panel.form.set_values(numbers=[1, 2, 3])  # type: ignore[union-attr]
    result = panel.run(wait=True)
    assert result is not None and result.data == 6


def test_a_secret_input_is_named_in_the_code_and_stays_out_of_the_widget() -> None:
    wb.register(Tally)
    panel = ui("tally", "total")
    assert panel.form is not None
    panel.form.fields["token"].value = "tok-0b7f-panel-secret"
    panel.form.set_values(numbers=[1])
    assert panel.run(wait=True) is not None
    assert panel.code == (
        "from workbench.config.secrets import default_secret_store as secrets\n"
        'wb.connect("tally").total(numbers=[1], token=secrets().get("tally/total.token"))'
    )
    assert panel.form.fields["token"].value == ""
    shown = repr(panel) + panel.code_area.value + panel.raw_area.value
    assert "tok-0b7f-panel-secret" not in shown and "***" not in panel.code


def test_the_progress_bar_shows_the_share_a_connector_reports_read() -> None:
    wb.register(Tally)
    Tally.release.clear()
    panel = ui("tally", "read")
    panel.run()
    deadline = time.monotonic() + 5
    while "3 of 10 read" not in panel.status.value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "running tally.read · " in panel.status.value
    assert "3 of 10 read" in panel.status.value
    assert panel.progress.value == 30
    Tally.release.set()
    result = panel.wait(10)
    assert result is not None and result.rows == 10
    assert panel.read == (10, 10)
    assert panel.progress.layout.visibility == "hidden"


def test_cancel_abandons_a_run_and_drops_its_result() -> None:
    wb.register(Tally)
    Tally.release.clear()
    panel = ui("tally", "slow")
    panel.run()
    assert panel.running and panel.run_button.disabled and not panel.cancel_button.disabled
    assert panel.progress.layout.visibility == "visible"
    deadline = time.monotonic() + 5
    while "running tally.slow · " not in panel.status.value and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "running tally.slow · " in panel.status.value and panel.progress.value > 0
    with pytest.raises(wb.WorkbenchError, match="a run is going on"):
        panel.run()
    panel.cancel_button.click()
    assert not panel.running and not panel.run_button.disabled
    assert "cancelled" in panel.status.value and panel.progress.layout.visibility == "hidden"
    Tally.release.set()
    assert panel.wait(10) is None  # the call finished; its result was dropped
    assert "cancelled" in panel.status.value and panel.cancel() is False
    assert panel.run(wait=True) is not None and panel.result.data == "late"  # type: ignore[union-attr]


def test_the_search_filters_by_name_and_summary_and_keeps_the_choice(
    pets: type[Connector],
) -> None:
    panel = ui("petstore", "list_pets")
    assert panel.actions == list(pets.action_specs)
    assert panel.search("PET") == ["list_pets", "create_pet", "get_pet", "delete_pet"]
    assert panel.search("one") == ["get_pet"]  # "One pet": the summary
    assert panel.search("add pet") == ["create_pet"]  # every word, in any order
    assert panel.action == "list_pets" and panel.action_list.value is None
    assert panel.search("list") == ["list_pets"] and panel.action_list.value == "list_pets"
    assert panel.search("") == list(pets.action_specs)
    assert ("get_pet — One pet", "get_pet") in panel.action_list.options


def test_opening_reads_names_and_summaries_only() -> None:
    slack = wb.Connector.from_openapi(SPECS / "slack.com.json", name="slack")
    panel = ui("slack")
    assert len(panel.actions) == len(slack.action_specs) > 100
    built = [
        n for n, s in slack.action_specs.items() if {"input_model", "signature"} & set(vars(s))
    ]
    assert built == []
    panel.choose("chat_post_message")
    built = [n for n, s in slack.action_specs.items() if "input_model" in vars(s)]
    assert built == ["chat_post_message"]
    assert panel.form is not None and "channel" in panel.form.fields


def test_the_connection_list_and_unknown_names() -> None:
    panel = Panel()
    options = panel.connection_picker.options
    assert "shop" in options and "sqlite" in options and "http" in options
    assert panel.connection is None and panel.actions == []
    with pytest.raises(UnknownConnectionError, match="did you mean 'shop'"):
        ui("shpo")
    with pytest.raises(
        ActionArgumentError, match="shop has no action 'qeury'; did you mean 'query'"
    ):
        ui("shop", "qeury")
    panel.connection_picker.value = "shop"
    assert panel.actions[:2] == ["query", "execute"] and "tables" in panel.actions
    assert panel.run(wait=True) is None and panel.error == "choose a connection and an action first"


def test_changing_the_connection_clears_the_action() -> None:
    panel = ui("shop", "tables")
    assert panel.run(wait=True) is not None
    panel.select("files")
    assert (panel.connection, panel.action, panel.form) == ("files", None, None)
    assert "list" in panel.actions


def test_the_css_classes_the_browser_relies_on() -> None:
    panel = ui("shop", "query")
    assert panel._dom_classes == ("wb-panel",)
    expected = {
        "wb-panel",
        "wb-connection",
        "wb-action-search",
        "wb-actions",
        "wb-form",
        "wb-field-sql",
        "wb-run",
        "wb-cancel",
        "wb-result",
        "wb-error",
        "wb-code",
    }
    assert expected <= classes(panel)
    assert panel.tabs.titles == ("Result", "Chart", "Code", "Raw")


def test_the_raw_text_is_cut_and_redacted() -> None:
    many = raw_text(Result(pd.DataFrame({"n": range(1000)})))
    assert '"n": 199' in many and '"n": 200' not in many
    assert many.endswith("… 800 more rows (see the Result tab)")
    register_secret("tok-4c0d-raw-secret")
    long = raw_text(Result("x" * 50_000, raw={"authorization": "Bearer tok-4c0d-raw-secret"}))
    assert "Bearer ***" in long and "tok-4c0d" not in long
    assert long.endswith("more characters") and len(long) < 20_100


def test_an_imported_api_is_in_the_connection_list_and_opens(project: Path) -> None:
    from workbench.openapi.store import import_spec

    spec = project / "pets.json"
    spec.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    import_spec(spec, "imported_pets")
    assert "imported_pets" in Panel().connection_picker.options
    panel = ui("imported_pets", "list_pets")  # as wb.connect("imported_pets") does
    assert panel.connection == "imported_pets" and "list_pets" in panel.actions
