"""The catalog browser: search, category filter, action counts and a connector's actions."""

from __future__ import annotations

import workbench as wb
from workbench.notebook.widgets.catalog_browser import CatalogBrowser
from workbench.registry import get_connector, register
from workbench.sdk import Connector, action


def test_everything_is_listed_with_action_counts() -> None:
    browser = CatalogBrowser()
    everything = wb.catalog()
    assert list(browser.frame["name"]) == list(everything["name"])
    total = int(everything["actions"].sum())
    assert f"{len(everything)} connectors · {total:,} actions" in browser.table.value
    sqlite_actions = len(get_connector("sqlite").action_specs)
    row = browser.table.value.split("<td class='wb-name'>sqlite</td>", 1)[1].split("</tr>")[0]
    assert f"<td class='wb-num'>{sqlite_actions}</td>" in row
    assert browser.details.value == ""


def test_search_narrows_the_table() -> None:
    browser = CatalogBrowser()
    browser.search_text.value = "sql"
    names = set(browser.frame["name"])
    assert {"sqlite", "postgresql", "mysql"} <= names
    assert "redis" not in names
    assert ">redis<" not in browser.table.value
    assert f"{len(names)} of {len(wb.catalog())} connectors" in browser.table.value

    browser.search_text.value = "no-such-connector-anywhere"
    assert browser.frame.empty
    assert "0 of " in browser.table.value


def test_category_filter_and_search_combine() -> None:
    browser = CatalogBrowser(category="messaging")
    assert set(browser.frame["category"]) == {"messaging"}
    assert {"rabbitmq", "mqtt"} <= set(browser.frame["name"])
    assert ">sqlite<" not in browser.table.value

    browser.search_text.value = "rabbit"
    assert list(browser.frame["name"]) == ["rabbitmq"]
    browser.category_filter.value = "database"
    assert browser.frame.empty
    assert "all categories" in [label for label, _ in browser.category_filter.options]


def test_choosing_a_connector_lists_its_actions_and_triggers() -> None:
    browser = CatalogBrowser()
    browser.select("sqlite")
    assert "Run a query and return its rows as a DataFrame." in browser.details.value
    assert "SQLite (sqlite) · 8 actions" in browser.details.value

    browser.select("mqtt")
    triggers = get_connector("mqtt").trigger_specs
    assert triggers and all(f">{name}<" in browser.details.value for name in triggers)

    browser.search_text.value = "sqlite"  # mqtt is filtered away: nothing chosen any more
    assert browser.connector_picker.value == ""
    assert browser.details.value == ""


def test_a_registered_connector_is_searchable_by_action_and_escaped() -> None:
    @register
    class Gadget(Connector):
        "Gadgets <and> widgets."

        name = "gadget_catalog"
        category = "tools"
        library = True

        @action
        def polish(self) -> str:
            "Make it shine."
            return "shiny"

    browser = CatalogBrowser("polish")
    assert list(browser.frame["name"]) == ["gadget_catalog"]
    assert "Gadgets &lt;and&gt; widgets." in browser.table.value
    assert ("tools", "tools") in browser.category_filter.options
    browser.select("gadget_catalog")
    assert "Make it shine." in browser.details.value
    assert repr(browser).startswith("<CatalogBrowser: 1 of ")
