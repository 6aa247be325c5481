"""Warm kernels that have already imported what a notebook imports.

A served notebook runs on a fresh kernel per request; importing pandas and Workbench there
would cost most of a request's time. :func:`preload_env` gives a :class:`KernelPool` an
environment whose ``PYTHONSTARTUP`` file (which IPython kernels run while they start, before
they answer) imports the modules the notebook's code cells import. The cells still run
their own ``import`` lines; those find the modules loaded (for Workbench, the secret
backend is found too; connectors load when the notebook connects, as built-in ones that
carry a whole API description are too heavy to load for every kernel). Nothing is left
in the kernel's
namespace, and a module that fails to import is left for the notebook to report. A
``PYTHONSTARTUP`` file already set still runs after the imports.

Example:
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("%matplotlib inline\\nimport pandas as pd\\n"
    ...                                  "from workbench.jobs import respond\\nfrom . import x")
    >>> imported_modules(nbformat.v4.new_notebook(cells=[cell]))
    ['pandas', 'workbench.jobs']
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

STARTUP_VARIABLE = "PYTHONSTARTUP"
FILE_NAME = "preload.py"
_MAGIC = re.compile(r"^\s*[%!]")
_WORKBENCH_WARMUP = ["workbench.client", "workbench.jobs.serve.respond", "workbench.results.html"]

_TEMPLATE = '''\
"""Imports made while the kernel starts, for a notebook served by wb serve."""


def _workbench_preload():
    import importlib
    import os

    for name in {modules!r}:
        try:
            importlib.import_module(name)
        except Exception:  # the notebook reports its own import errors
            pass
    if {workbench!r}:
        try:
            importlib.import_module("keyring").get_keyring()  # the secret backend, found once
        except Exception:
            pass
    original = {original!r}
    if original:
        os.environ["PYTHONSTARTUP"] = original
    else:
        os.environ.pop("PYTHONSTARTUP", None)
    return original


_workbench_original_startup = _workbench_preload()
del _workbench_preload
if _workbench_original_startup:
    with open(_workbench_original_startup, encoding="utf-8") as _workbench_file:
        exec(compile(_workbench_file.read(), _workbench_original_startup, "exec"))
    del _workbench_file
del _workbench_original_startup
'''


def imported_modules(nb: Any) -> list[str]:
    """The absolute modules the notebook's code cells import, in order, without repeats."""
    found: dict[str, None] = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        text = "\n".join("" if _MAGIC.match(line) else line for line in cell.source.splitlines())
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue  # the run reports it
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and _absolute(node):
                found[str(node.module)] = None
    return list(found)


def _absolute(node: ast.ImportFrom) -> bool:
    return not node.level and node.module not in (None, "__future__")


def startup_code(modules: list[str], original: str | None = None) -> str:
    """The startup file's code: import ``modules``, then run the ``original`` file if any.

    Example:
        >>> namespace = {}
        >>> exec(startup_code(["json", "no_such_module_here"]), namespace)
        >>> sorted(name for name in namespace if not name.startswith("__"))
        []
    """
    workbench = any(name.split(".")[0] == "workbench" for name in modules)
    wanted = modules + [m for m in _WORKBENCH_WARMUP if workbench and m not in modules]
    return _TEMPLATE.format(modules=wanted, workbench=workbench, original=original or "")


def preload_env(nb: Any, folder: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``env`` (this process's by default) whose kernels preload ``nb``'s imports.

    The startup file is written to ``folder``, which the caller owns and removes.
    """
    base = dict(os.environ if env is None else env)
    path = folder / FILE_NAME
    path.write_text(startup_code(imported_modules(nb), base.get(STARTUP_VARIABLE)), "utf-8")
    return {**base, STARTUP_VARIABLE: str(path)}
