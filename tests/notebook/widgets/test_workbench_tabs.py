"""wb.ui() with no argument: the whole workbench in tabs, with no control that does nothing."""

from __future__ import annotations

from pathlib import Path

from sources import register_ticker

import workbench as wb
from workbench.jobs.run.store import RunStore
from workbench.notebook.widgets.panel import Panel
from workbench.notebook.widgets.workbench_tabs import (
    CATALOG,
    HISTORY,
    RUN,
    WorkbenchTabs,
)


def open_whole() -> WorkbenchTabs:
    whole = wb.ui(background=False)
    assert isinstance(whole, WorkbenchTabs)
    return whole


def test_no_argument_is_the_whole_workbench_and_a_name_is_the_panel() -> None:
    whole = open_whole()
    assert whole.tabs.titles == ("Run", "Connections", "Catalog", "History", "Events")
    children = whole.tabs.children
    assert children[RUN] is whole.panel
    assert whole.editor in children[1].children and whole.catalog in children[CATALOG].children
    assert children[HISTORY] is whole.history and children[4] is whole.events
    assert "shop" in whole.connection_table.value  # the named connections, listed
    panel = wb.ui("shop")
    assert isinstance(panel, Panel) and panel.connection == "shop"


def test_with_nothing_chosen_run_is_disabled_and_the_panel_says_what_to_do() -> None:
    panel = open_whole().panel
    assert panel.run_button.disabled and panel.cancel_button.disabled
    assert panel.search_box.disabled and panel.action_list.disabled
    assert "Choose a connection to list its actions." in panel.about.value
    assert panel.tabs.layout.display == "none"  # no empty result tabs

    panel.connection_picker.value = "shop"
    assert panel.run_button.disabled and not panel.search_box.disabled
    assert "Choose one of the " in panel.about.value and "then press Run" in panel.about.value

    panel.choose("tables")
    assert not panel.run_button.disabled
    panel.run_button.click()  # background=False: the run is over when click returns
    assert panel.result is not None and "orders" in set(panel.result.df["name"])
    assert panel.tabs.layout.display is None and not panel.run_button.disabled

    panel.select("files")
    assert panel.run_button.disabled and panel.action is None


def test_a_connection_saved_in_the_editor_is_offered_to_run_at_once(
    project: Path, tmp_path: Path
) -> None:
    whole = open_whole()
    assert "warehouse" not in whole.panel.connection_picker.options
    editor = whole.editor
    editor.connector_picker.value = "sqlite"
    editor.name_text.value = "warehouse"
    editor.fields["path"].value = str(tmp_path / "warehouse.db")
    editor.save_button.click()
    assert editor.message.startswith("saved warehouse (sqlite)"), editor.message
    assert "warehouse" in whole.panel.connection_picker.options
    assert "warehouse" in whole.connection_table.value
    whole.panel.select("warehouse", "tables")
    whole.panel.run_button.click()
    assert whole.panel.result is not None and whole.panel.error == ""


def test_the_catalog_opens_a_usable_connector_in_the_run_tab() -> None:
    whole = open_whole()
    assert whole.open_button.disabled  # nothing chosen
    whole.catalog.select("sqlite")
    assert not whole.open_button.disabled
    whole.tabs.selected_index = CATALOG
    whole.open_button.click()
    assert whole.tabs.selected_index == RUN and whole.panel.connection == "sqlite"
    assert "query" in whole.panel.actions
    whole.catalog.select("webhook")  # needs settings: a connection first
    assert whole.open_button.disabled and "Connections tab" in whole.open_button.tooltip


def test_the_history_tab_reads_the_calls_again_when_opened() -> None:
    whole = open_whole()
    before = len(whole.history.frame)
    whole.panel.select("shop", "tables")
    whole.panel.run_button.click()
    whole.tabs.selected_index = HISTORY
    assert len(whole.history.frame) == before + 1
    assert whole.history.frame[["connection", "action"]].iloc[0].tolist() == ["shop", "tables"]


def test_the_events_tab_lists_triggers_and_listens(store: RunStore) -> None:
    register_ticker()
    whole = open_whole()
    events = whole.events
    assert events.listen_button.disabled
    offered = events.connection_picker.options
    assert "ticker" in offered and "files" in offered and "shop" not in offered  # no triggers
    assert "Choose a connection" in events.note.value
    events.connection_picker.value = "ticker"
    assert events.trigger_picker.value == "ticks" and not events.listen_button.disabled
    events.inputs.value = '{"count": 2}'
    events.listen_button.click()
    assert events.listener is not None
    events.listener.wait(10)
    assert [e.id for e in events.listener.events] == ["0", "1"]
    assert events.area.children == (events.listener,)
    events.inputs.value = "[1]"
    assert events.listen() is None and "expected a JSON object" in events.note.value
