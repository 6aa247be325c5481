"""JupyterLab in headless Chromium: ``wb.ui(NAME)`` on connectors imported from real specs.

A notebook of the test's own imports xkcd's and Slack's OpenAPI descriptions with
``wb.Connector.from_openapi`` and shows ``wb.ui(NAME)`` for each; the panel must open on the
connector (no connection configured: the sandbox), list its actions and show no error.
Screenshots go to each test's ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
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
from specs import SPECS

from workbench.openapi import connector_class, load_spec

pytestmark = pytest.mark.slow

NOTEBOOK = "imported.ipynb"
IMPORTED = {"xkcd": "xkcd.com.json", "slack_web": "slack.com.json"}
"""The connector names the notebook gives, and the spec each is imported from."""
KERNEL_WAIT = 20_000


def imported_notebook(path: Path) -> None:
    """A notebook importing each spec of :data:`IMPORTED`, then one ``wb.ui(NAME)`` cell each."""
    imports = "\n".join(
        f'wb.Connector.from_openapi(specs / "{file}", name="{name}")'
        for name, file in IMPORTED.items()
    )
    cells = [
        nbformat.v4.new_code_cell(  # type: ignore[no-untyped-call]
            f"from pathlib import Path\n\nimport workbench as wb\n\nspecs = Path({str(SPECS)!r})\n"
            f"{imports}\nprint('imported')"
        ),
        *(
            nbformat.v4.new_code_cell(f'wb.ui("{name}")')  # type: ignore[no-untyped-call]
            for name in IMPORTED
        ),
    ]
    book = nbformat.v4.new_notebook(cells=cells)  # type: ignore[no-untyped-call]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(book, path)  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("lab-root")
    imported_notebook(root / NOTEBOOK)
    state = tmp_path_factory.mktemp("lab-state")
    env = dict(os.environ)
    env.pop("WORKBENCH_SECRET_KEY", None)
    env.update(
        WORKBENCH_CONFIG_DIR=str(state / "workbench-config"),
        WORKBENCH_DATA_DIR=str(data_dir),
        WORKBENCH_SECRET_BACKEND="file",
    )
    with jupyter_lab(root, state, env) as server:
        yield server


@pytest.fixture(scope="module")
def notebook(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.set_default_timeout(30_000)
        try:
            open_notebook(page, lab, NOTEBOOK)
            run_all_cells(page)
        except Exception:
            screenshot(page, tmp_path_factory.mktemp("lab-failure"), "imported")
            raise
        yield page


def panel_of(notebook: Page, index: int) -> Locator:
    return notebook.locator(".wb-panel").nth(index)


VALUES = "(options) => options.map((o) => o.value)"
"""The values of the matched option elements, in the page."""


@pytest.mark.parametrize(("index", "name"), list(enumerate(IMPORTED)), ids=list(IMPORTED))
def test_the_panel_of_an_imported_connector_lists_its_actions(
    notebook: Page, index: int, name: str, tmp_path: Path
) -> None:
    spec = load_spec(SPECS / IMPORTED[name])
    actions = sorted(connector_class(spec, name).action_specs)
    panel = panel_of(notebook, index)
    expect(panel).to_be_visible(timeout=KERNEL_WAIT)
    expect(panel.locator(".wb-connection select")).to_have_value(name)
    options = panel.locator(".wb-actions select option")
    expect(options).to_have_count(len(actions), timeout=KERNEL_WAIT)
    shown = sorted(value.split(" — ")[0] for value in options.evaluate_all(VALUES))
    assert shown == actions
    expect(panel.locator(".jupyter-widgets.wb-error")).to_be_hidden()
    assert error_outputs(notebook) == []
    panel.scroll_into_view_if_needed()
    screenshot(notebook, tmp_path, f"ui-{name}")


def test_an_imported_action_runs_in_the_sandbox_from_the_panel(
    notebook: Page, tmp_path: Path
) -> None:
    panel = panel_of(notebook, 0)  # xkcd
    actions = panel.locator(".wb-actions select")
    current = panel.locator(".wb-actions select option[value^='get_info_0_json']")
    actions.select_option(value=current.get_attribute("value") or "")
    panel.locator(".wb-run").click()
    table = panel.locator(".jupyter-widgets.wb-result table.wb-table")
    expect(table.locator("tbody tr")).to_have_count(1, timeout=KERNEL_WAIT)
    expect(panel.locator(".jupyter-widgets.wb-error")).to_be_hidden()
    screenshot(notebook, tmp_path, "ui-xkcd-run")
