"""Kernels that start with a notebook's imports already made."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from workbench.jobs.run.kernels import KernelPool
from workbench.jobs.run.preload import STARTUP_VARIABLE, imported_modules, preload_env, startup_code
from workbench.jobs.run.runner import run_notebook
from workbench.jobs.run.store import RunStore


def test_the_imports_of_every_code_cell_in_order() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("import not_code"),
            nbformat.v4.new_code_cell("!pip list\nimport json, os.path as p\nfrom . import local"),
            nbformat.v4.new_code_cell("def f():\n    from csv import reader\nimport json"),
            nbformat.v4.new_code_cell("from __future__ import annotations\nthis is not python"),
            nbformat.v4.new_code_cell("from __future__ import annotations\nimport wave"),
        ]
    )
    assert imported_modules(nb) == ["json", "os.path", "csv", "wave"]


def test_the_startup_code_leaves_no_name_and_restores_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = tmp_path / "mine.py"
    original.write_text("from_original = 42\n")
    monkeypatch.setenv(STARTUP_VARIABLE, "ours")
    namespace: dict[str, object] = {}
    code = startup_code(["colorsys", "no_such_module_anywhere"], str(original))
    exec(code, namespace)  # noqa: S102 - as IPython runs a startup file
    assert {k: v for k, v in namespace.items() if not k.startswith("__")} == {"from_original": 42}
    assert os.environ[STARTUP_VARIABLE] == str(original)
    exec(startup_code(["colorsys"]), {})  # noqa: S102 - as IPython runs a startup file
    assert STARTUP_VARIABLE not in os.environ


@pytest.mark.slow
def test_a_pool_kernel_has_the_notebooks_imports_loaded_before_its_first_cell(
    project: Path, tmp_path: Path
) -> None:
    check = "import sys\nprint(sorted(m for m in ('colorsys', 'wave') if m in sys.modules))"
    names = "print([name for name in dir() if 'workbench' in name])"
    cells = [nbformat.v4.new_code_cell(c) for c in (check, names, "import colorsys")]
    nb = nbformat.v4.new_notebook(cells=cells)
    path = project / "preloaded.ipynb"
    nbformat.write(nb, path)
    store = RunStore(tmp_path / "runs.db")
    printed = []
    for env in (preload_env(nb, tmp_path), None):
        with KernelPool(size=1, cwd=project, env=env) as pool:
            pool.wait_full()
            run = run_notebook(path, store=store, pool=pool)
        out = nbformat.read(run.output, as_version=4)
        printed.append([cell.outputs[0].text.strip() for cell in out.cells[:2]])
    store.close()
    assert printed == [["['colorsys']", "[]"], ["[]", "[]"]]  # loaded ahead; no name left
