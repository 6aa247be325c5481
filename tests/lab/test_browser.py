"""The sidebar and the Jobs view in JupyterLab, in headless Chromium, light and dark.

One page serves the module: it opens ``scratch.ipynb``, drives the Workbench sidebar
(connections, catalog, actions, "Insert into notebook"), then ``orders.ipynb`` and the
Jobs view (schedule it, run it, replay a dead letter), then the same screens in the dark
theme. Screenshots go to build/test-artifacts/lab/.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browsers import KERNEL_NAME, chromium, error_outputs, open_notebook, run_all_cells, screenshot
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

import workbench as wb

if TYPE_CHECKING:
    from conftest import Workbench

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).parents[2] / "build" / "test-artifacts" / "lab"
KERNEL_WAIT = 60_000
"""Milliseconds to wait for anything a kernel or a run has to compute."""
FIRST_ORDERS = "select id, status from orders order by id limit 3"
LUMINANCE = """(element) => {
    const rgb = getComputedStyle(element).backgroundColor.match(/[\\d.]+/g).map(Number);
    return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
}"""


@pytest.fixture(scope="module")
def page(workbench: Workbench) -> Iterator[Page]:
    """Chromium on JupyterLab, ``scratch.ipynb`` open with its kernel idle."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(30_000)
        try:
            open_notebook(page, workbench.lab, "scratch.ipynb")
        except Exception:
            screenshot(page, ARTIFACTS, "failure-open")
            raise
        yield page


def sidebar(page: Page) -> Locator:
    """The Workbench sidebar, opened from its tab in the left bar."""
    panel = page.locator("#workbench-sidebar")
    if not panel.is_visible():
        page.locator('.jp-SideBar .lm-TabBar-tab[data-id="workbench-sidebar"]').click()
    expect(panel).to_be_visible()
    return panel


def close_all_tabs(page: Page) -> None:
    """File > Close All Tabs, discarding unsaved changes."""
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^File$")).click()
    page.locator('.lm-Menu-item[data-command="application:close-all"]').click()
    discard = page.locator(".jp-Dialog button", has_text="Discard")
    with contextlib.suppress(PlaywrightError):
        discard.click(timeout=3000)
    expect(page.locator(".jp-NotebookPanel")).to_have_count(0)


def open_from_file_browser(page: Page, name: str) -> None:
    """Double-click notebook ``name`` in the file browser; wait for its kernel."""
    if not page.locator("#filebrowser").is_visible():
        page.locator('.jp-SideBar .lm-TabBar-tab[data-id="filebrowser"]').click()
    page.locator(".jp-DirListing-item", has_text=name).dblclick()
    toolbar = page.locator(".jp-NotebookPanel-toolbar:visible")
    expect(toolbar.locator(".jp-KernelName")).to_have_text(KERNEL_NAME, timeout=KERNEL_WAIT)
    expect(toolbar.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle", timeout=KERNEL_WAIT
    )


def jobs_view(page: Page) -> Locator:
    """The Jobs view, opened with the notebook toolbar's Schedule button."""
    page.locator(".jp-NotebookPanel-toolbar:visible .wb-lab-toolbar-workbench-schedule").click()
    view = page.locator(".wb-lab-jobs")
    expect(view).to_be_visible()
    return view


def test_the_sidebar_lists_the_shop_connection_and_the_catalog(page: Page) -> None:
    panel = sidebar(page)
    shop = panel.locator('.wb-lab-connection[data-name="shop"]')
    expect(shop).to_contain_text("sqlite")
    expect(shop.locator(".wb-lab-status")).to_have_attribute("data-status", "ok")
    catalog = panel.locator(".wb-lab-catalog-item")
    expect(catalog.filter(has_text="sqlite")).to_have_count(1)
    assert catalog.count() == len(wb.catalog())
    screenshot(page, ARTIFACTS, "sidebar-light")

    panel.locator(".wb-lab-search").fill("duckdb")
    expect(catalog).to_have_count(1)
    expect(catalog).to_contain_text("duckdb")
    panel.locator(".wb-lab-search").fill("")
    expect(catalog.filter(has_text="sqlite")).to_have_count(1)


def test_the_add_form_shows_the_connectors_settings(page: Page) -> None:
    panel = sidebar(page)
    panel.locator(".wb-lab-add-connection").click()
    form = panel.locator(".wb-lab-connection-form")
    form.locator(".wb-lab-connector").select_option("http")
    expect(form.locator(".wb-lab-field-base_url input")).to_be_visible()
    expect(form.locator(".wb-lab-field-token input")).to_have_attribute("type", "password")
    expect(form.locator(".wb-lab-field-token .wb-lab-help")).to_contain_text("Bearer token")
    form.locator(".wb-lab-connection-name").fill("shop")
    form.locator(".wb-lab-save").click()
    expect(form.locator(".wb-lab-form-status")).to_contain_text("already exists")
    screenshot(page, ARTIFACTS, "connection-form-light")
    form.locator(".wb-lab-cancel").click()
    expect(form).to_have_count(0)


def test_insert_into_notebook_adds_a_cell_that_renders_a_dataframe(page: Page) -> None:
    panel = sidebar(page)
    panel.locator('.wb-lab-connection[data-name="shop"] .wb-lab-connection-name').click()
    actions = panel.locator(".wb-lab-action-item")
    expect(actions.filter(has_text="query")).not_to_have_count(0)
    panel.locator(".wb-lab-action-search").fill("query")
    panel.locator('.wb-lab-action-item[data-name="query"] button').click()
    detail = panel.locator(".wb-lab-action-detail")
    expect(detail.locator(".wb-lab-field-sql .wb-lab-help")).to_contain_text("placeholders")
    detail.locator(".wb-lab-field-sql textarea").fill(FIRST_ORDERS)
    detail.locator(".wb-lab-insert").click()
    expect(detail.locator(".wb-lab-form-status")).to_contain_text("inserted")

    cells = page.locator(".jp-NotebookPanel:visible .jp-Cell")
    expect(cells).to_have_count(1)  # the empty cell was filled
    call = f'wb.connect("shop").query("{FIRST_ORDERS}").df'
    expect(cells.nth(0).locator(".cm-line")).to_have_text(["import workbench as wb", "", call])
    run_all_cells(page)
    table = cells.nth(0).locator(".jp-OutputArea-output table.dataframe")
    expect(table.locator("tbody tr")).to_have_count(3, timeout=KERNEL_WAIT)
    orders = wb.connect("shop").query(FIRST_ORDERS).df
    for row, status in enumerate(orders["status"]):
        expect(table.locator("tbody tr").nth(row)).to_contain_text(status)
    assert error_outputs(page) == []
    screenshot(page, ARTIFACTS, "inserted-cell-light")


def test_a_notebook_scheduled_from_the_jobs_view_is_listed_and_runs(
    page: Page, workbench: Workbench
) -> None:
    close_all_tabs(page)
    open_from_file_browser(page, "orders.ipynb")
    toolbar = page.locator(".jp-NotebookPanel-toolbar:visible")
    for name in ("run", "schedule", "bind"):
        expect(toolbar.locator(f".wb-lab-toolbar-workbench-{name}")).to_be_visible()
    view = jobs_view(page)
    form = view.locator(".wb-lab-schedule-form")
    expect(form.locator(".wb-lab-notebook")).to_have_value("orders.ipynb")
    expect(form.locator(".wb-lab-parameter-status")).to_have_attribute("placeholder", '"shipped"')
    form.locator(".wb-lab-cron").fill("30 6 * * 1-5")
    form.locator(".wb-lab-schedule-name").fill("orders-lab")
    form.locator(".wb-lab-parameter-status").fill("pending")
    form.locator(".wb-lab-add-schedule").click()
    expect(view.locator(".wb-lab-jobs-status")).to_contain_text("added schedule orders-lab")
    row = view.locator(".wb-lab-schedules tr", has_text="orders-lab")
    expect(row).to_contain_text("30 6 * * 1-5")
    listed = {s["name"]: s for s in workbench.wb("schedule", "list")}
    assert listed["orders-lab"]["parameters"] == {"status": "pending"}
    assert listed["orders-lab"]["notebook"] == str(workbench.lab.root / "orders.ipynb")

    row.locator(".wb-lab-pause").click()
    expect(row.locator(".wb-lab-state")).to_have_text("paused")
    assert {s["name"]: s for s in workbench.wb("schedule", "list")}["orders-lab"][
        "state"
    ] == "paused"
    row.locator(".wb-lab-resume").click()
    expect(row.locator(".wb-lab-state")).to_have_text("active")

    row.locator(".wb-lab-run-schedule").click()
    status = view.locator(".wb-lab-jobs-status")
    expect(status).to_contain_text("succeeded", timeout=KERNEL_WAIT)
    (run,) = workbench.wb("runs", "--job", "orders-lab")
    run_row = view.locator(".wb-lab-runs tbody tr", has_text=run["id"])
    expect(run_row).to_contain_text("orders-lab")
    expect(run_row.locator(".wb-lab-state")).to_have_text("succeeded")
    expect(run_row).to_contain_text(re.compile(r"\d+\.\d\d s"))
    expect(run_row.locator(".wb-lab-output")).to_be_visible()
    screenshot(page, ARTIFACTS, "jobs-light")


def test_run_as_job_from_the_toolbar_records_a_run(page: Page, workbench: Workbench) -> None:
    before = {r["id"] for r in workbench.wb("runs", "--job", "orders")}
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="orders.ipynb").click()
    page.locator(".jp-NotebookPanel-toolbar:visible .wb-lab-toolbar-workbench-run").click()
    toast = page.locator(".Toastify__toast", has_text="of orders succeeded")
    expect(toast).to_be_visible(timeout=KERNEL_WAIT)
    (run,) = [r for r in workbench.wb("runs", "--job", "orders") if r["id"] not in before]
    assert run["status"] == "succeeded"
    assert run["notebook"] == str(workbench.lab.root / "orders.ipynb")
    expect(toast).to_contain_text(run["id"])
    screenshot(page, ARTIFACTS, "run-as-job-light")


def test_a_notebook_bound_from_the_jobs_view_is_listed(page: Page, workbench: Workbench) -> None:
    open_from_file_browser(page, "on_event.ipynb")
    page.locator(".jp-NotebookPanel-toolbar:visible .wb-lab-toolbar-workbench-bind").click()
    view = page.locator(".wb-lab-jobs")
    form = view.locator(".wb-lab-binding-form")
    expect(view.locator(".wb-lab-notebook")).to_have_value("on_event.ipynb")
    expect(form.locator(".wb-lab-on")).to_be_focused()
    form.locator(".wb-lab-on").fill("files.new_files")
    form.locator(".wb-lab-inputs").fill("pattern=*.csv type=created")
    form.locator(".wb-lab-add-binding").click()
    expect(view.locator(".wb-lab-jobs-status")).to_contain_text("added binding on_event-new_files")
    row = view.locator(".wb-lab-bindings tbody tr", has_text="on_event-new_files")
    expect(row).to_contain_text("type=created")
    listed = {b["name"]: b for b in workbench.wb("trigger", "list")}
    assert listed["on_event-new_files"]["args"] == {"pattern": "*.csv"}
    assert listed["on_event-new_files"]["filters"] == {"type": "created"}


def test_a_dead_letter_is_replayed_from_the_jobs_view(page: Page, workbench: Workbench) -> None:
    inbox_id = workbench.dead_letter("evt-browser-1")
    sidebar(page).locator(".wb-lab-open-jobs").click()
    view = page.locator(".wb-lab-jobs")
    view.locator(".wb-lab-header .wb-lab-refresh").click()
    dead = view.locator(".wb-lab-dead tbody tr", has_text=inbox_id)
    expect(dead).to_contain_text("hooks.received")
    screenshot(page, ARTIFACTS, "dead-letters-light")
    dead.locator(".wb-lab-replay").click()
    expect(view.locator(".wb-lab-jobs-status")).to_contain_text(f"replaying event {inbox_id}")
    expect(dead).to_have_count(0)


def test_the_commands_are_in_the_palette(page: Page) -> None:
    page.keyboard.press("Control+Shift+C")
    palette = page.locator(".lm-CommandPalette")
    expect(palette).to_be_visible()
    palette.locator("input").fill("this notebook")
    items = palette.locator(".lm-CommandPalette-item")
    for label in (
        "Run this notebook as a job",
        "Schedule this notebook",
        "Bind this notebook to a trigger",
    ):
        expect(items.filter(has_text=label)).to_have_count(1)
    page.keyboard.press("Escape")


def test_the_same_screens_in_the_dark_theme(page: Page) -> None:
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^Theme$")).hover()
    page.get_by_role("menuitem", name="JupyterLab Dark", exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
    view = page.locator(".wb-lab-jobs")
    expect(view).to_be_visible()
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.wb-lab-jobs'))"
        ".backgroundColor !== 'rgb(255, 255, 255)'"
    )
    assert view.evaluate(LUMINANCE) < 0.3
    screenshot(page, ARTIFACTS, "jobs-dark")
    panel = sidebar(page)
    assert panel.evaluate(LUMINANCE) < 0.3
    expect(panel.locator('.wb-lab-connection[data-name="shop"]')).to_be_visible()
    screenshot(page, ARTIFACTS, "sidebar-dark")
