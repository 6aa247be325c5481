"""JupyterLab in headless Chromium: the test notebook's results, widgets and workbench panel.

One Lab server and one browser page serve the whole module: the page opens
``data/browser.ipynb``, runs every cell through Run > Run All Cells, and each test then reads
or drives what a user would see. Screenshots go to each test's ``tmp_path``; those of the
whole workbench (``wb.ui()``, light and dark theme) to ``build/test-artifacts/notebook/``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsers import (
    Lab,
    chromium,
    error_outputs,
    jupyter_lab,
    open_notebook,
    run_all_cells,
    screenshot,
)
from playwright.sync_api import Locator, Page, expect

import workbench as wb

pytestmark = pytest.mark.slow

NOTEBOOK = Path(__file__).parent / "data" / "browser.ipynb"
KERNEL_WAIT = 20_000
"""Milliseconds to wait for anything the kernel has to compute."""
FIRST_CUSTOMERS = "select name, email from customers order by id limit 3"
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "notebook"
BY_STATUS = "select status, count(*) as orders from orders group by status order by status"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Lab]:
    """JupyterLab serving a copy of the test notebook; kernels use private Workbench folders."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    state = tmp_path_factory.mktemp("lab-state")
    env = dict(os.environ)
    env.pop("WORKBENCH_SECRET_KEY", None)
    env.update(
        WORKBENCH_CONFIG_DIR=str(state / "workbench-config"),
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_SECRET_BACKEND="file",
    )
    with jupyter_lab(root, state, env) as server:
        spec = server.api("kernelspecs")["kernelspecs"]["python3"]["spec"]
        assert spec["argv"][0] == sys.executable
        yield server


@pytest.fixture(scope="module")
def notebook(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The test notebook open in Chromium, every cell run through Run > Run All Cells."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        try:
            open_notebook(page, lab, NOTEBOOK.name)
            run_all_cells(page)
        except Exception:
            screenshot(page, tmp_path_factory.mktemp("lab-failure"), "notebook")
            raise
        yield page


@pytest.fixture
def panel(notebook: Page) -> Locator:
    """The workbench panel shown by the notebook's ``wb.ui("shop")`` cell, on the query action."""
    panel = notebook.locator(".wb-panel").first  # the wb.ui("shop") cell's
    expect(panel.locator(".wb-connection select")).to_have_value("shop")
    panel.locator(".wb-action-search input").fill("query")
    actions = panel.locator(".wb-actions select")
    expect(actions.locator("option:not([value*='query'])")).to_have_count(0)  # narrowed
    query = actions.locator("option[value^='query — ']")
    expect(query).to_have_count(1)
    actions.select_option(value=query.get_attribute("value") or "")
    expect(panel.locator(".wb-form .wb-field-sql textarea")).to_be_visible()
    return panel


def test_the_kernel_is_this_interpreter_with_the_test_folders(
    notebook: Page, data_dir: Path
) -> None:
    first_output = notebook.locator(".jp-CodeCell .jp-OutputArea-output").first
    expect(first_output).to_have_text(f"kernel {sys.executable} {data_dir}")
    assert error_outputs(notebook) == []


def test_a_query_result_shows_its_rows(notebook: Page, tmp_path: Path) -> None:
    customers = wb.connect("shop").query(FIRST_CUSTOMERS).df
    table = notebook.locator(".jp-OutputArea-output table.wb-table").first
    expect(table.locator("tbody tr")).to_have_count(3)
    for name, email in zip(customers["name"], customers["email"], strict=True):
        expect(table).to_contain_text(name)
        expect(table).to_contain_text(email)
    expect(notebook.locator(".jp-OutputArea-output").nth(1)).to_contain_text("shop.query · 3 rows")
    screenshot(notebook, tmp_path, "query-result")


def test_a_widget_renders_and_answers_a_click(notebook: Page, tmp_path: Path) -> None:
    button = notebook.locator(".jupyter-widgets.demo-button")
    expect(button).to_have_text("Count")
    button.click()
    expect(notebook.locator(".demo-clicks")).to_have_text("clicks: 1", timeout=KERNEL_WAIT)
    screenshot(notebook, tmp_path, "widget")


def test_the_panel_runs_a_query_and_shows_its_rows(panel: Locator, tmp_path: Path) -> None:
    customers = wb.connect("shop").query(FIRST_CUSTOMERS).df
    panel.locator(".wb-form .wb-field-sql textarea").fill(FIRST_CUSTOMERS)
    panel.locator(".wb-run").click()

    table = panel.locator(".jupyter-widgets.wb-result table.wb-table")
    expect(table.locator("tbody tr")).to_have_count(3, timeout=KERNEL_WAIT)
    for row, (name, email) in enumerate(zip(customers["name"], customers["email"], strict=True)):
        expect(table.locator("tbody tr").nth(row).locator("td")).to_have_text([name, email])
    expect(panel.locator(".jupyter-widgets.wb-error")).to_be_hidden()
    screenshot(panel.page, tmp_path, "panel-result")

    panel.get_by_role("tab", name="Code").click()
    code = panel.locator(".jupyter-widgets.wb-code")
    expect(code).to_be_visible()
    expect(code).to_contain_text(f'wb.connect("shop").query("{FIRST_CUSTOMERS}")')


def test_the_panel_shows_what_is_wrong_with_the_input(panel: Locator, tmp_path: Path) -> None:
    sql = panel.locator(".wb-form .wb-field-sql textarea")
    error = panel.locator(".jupyter-widgets.wb-error")

    sql.fill("select * from no_such_table")
    panel.locator(".wb-run").click()
    expect(error).to_be_visible(timeout=KERNEL_WAIT)
    expect(error).to_have_text("shop.query failed: OperationalError: no such table: no_such_table")

    sql.fill("")
    panel.locator(".wb-run").click()
    expect(error).to_have_text("shop.query: field 'sql' is required", timeout=KERNEL_WAIT)
    field_error = panel.locator(".wb-field-sql .wb-field-error")
    expect(field_error).to_be_visible()
    expect(field_error).to_have_text("is required")
    screenshot(panel.page, tmp_path, "panel-error")


def theme(page: Page, name: str) -> None:
    """Settings > Theme > ``name`` from the menu bar, then wait for Lab to apply it."""
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^Theme$")).hover()
    page.locator(".lm-Menu-item").filter(has_text=re.compile(f"^{name}$")).click()
    light = "true" if "Light" in name else "false"
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", light)


def luminance(locator: Locator, prop: str) -> float:
    """The relative luminance (0 black, 1 white) of a computed colour property."""
    rgb = locator.evaluate(f"(e) => getComputedStyle(e).{prop}")
    red, green, blue = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_the_whole_workbench_shows_its_tabs_and_the_chart_tab_draws(notebook: Page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    whole = notebook.locator(".wb-workbench")
    whole.scroll_into_view_if_needed()
    tabs = whole.locator(".lm-TabBar-tab").filter(visible=True)
    expect(tabs.first).to_be_visible()
    titles = [t.strip() for t in tabs.all_inner_texts()]
    assert titles[:5] == ["Run", "Connections", "Catalog", "History", "Events"]
    panel = whole.locator(".wb-panel")
    expect(panel.locator(".wb-run")).to_be_disabled()  # nothing chosen yet
    expect(panel.locator(".wb-about")).to_contain_text("Choose a connection")
    screenshot(notebook, ARTIFACTS, "workbench-nothing-chosen")

    panel.locator(".wb-connection select").select_option("shop")
    query = panel.locator(".wb-actions select option[value^='query — ']")
    panel.locator(".wb-actions select").select_option(value=query.get_attribute("value") or "")
    panel.locator(".wb-form .wb-field-sql textarea").fill(BY_STATUS)
    expect(panel.locator(".wb-run")).to_be_enabled()
    panel.locator(".wb-run").click()
    rows = panel.locator(".jupyter-widgets.wb-result table.wb-table tbody tr")
    expect(rows.first).to_be_visible(timeout=KERNEL_WAIT)
    statuses = wb.connect("shop").query(BY_STATUS).df["status"].tolist()
    expect(rows).to_have_count(len(statuses))

    panel.get_by_role("tab", name="Chart").click()
    picture = panel.locator(".wb-chart-picture svg")
    expect(picture).to_be_visible(timeout=KERNEL_WAIT)
    box = picture.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    bars = picture.locator("g[id^='patch_'] path")
    assert bars.count() >= len(statuses)
    axis_text = picture.locator("g[id^='text_'] use, g[id^='text_'] path").first
    light_ink = luminance(axis_text, "fill")
    picture.scroll_into_view_if_needed()
    screenshot(notebook, ARTIFACTS, "workbench-chart-light")

    panel.get_by_role("tab", name="Raw").click()
    expect(panel.locator(".wb-raw-request")).to_contain_text('wb.connect("shop").query(')
    screenshot(notebook, ARTIFACTS, "workbench-raw-light")

    theme(notebook, "JupyterLab Dark")
    try:
        panel.get_by_role("tab", name="Chart").click()
        expect(picture).to_be_visible()
        dark_ink = luminance(axis_text, "fill")
        assert light_ink < 0.4 < dark_ink  # dark text on light, light text on dark
        picture.scroll_into_view_if_needed()
        screenshot(notebook, ARTIFACTS, "workbench-chart-dark")
        whole.get_by_role("tab", name="Catalog").click()
        expect(whole.locator(".wb-catalog-browser table")).to_be_visible()
        whole.scroll_into_view_if_needed()
        screenshot(notebook, ARTIFACTS, "workbench-catalog-dark")
        whole.get_by_role("tab", name="Connections").click()
        expect(whole.locator(".wb-connection-editor")).to_be_visible()
        screenshot(notebook, ARTIFACTS, "workbench-connections-dark")
    finally:
        theme(notebook, "JupyterLab Light")
