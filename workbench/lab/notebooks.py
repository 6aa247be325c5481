"""Notebook paths as JupyterLab sends them (relative to its root) and their parameters.

Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> notebook_path(root, "../etc/passwd.ipynb")
    Traceback (most recent call last):
    ...
    workbench.lab.problems.Problem: notebook: '../etc/passwd.ipynb' is outside the Jupyter root
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.jobs.run.parameters import CommandLineText, declared_parameters
from workbench.jobs.run.prepare import load_notebook
from workbench.lab.problems import Problem


def notebook_path(root: Path, relative: Any) -> Path:
    """The notebook at ``relative`` under ``root``; a 400 when outside it or not a notebook.

    Example:
        >>> notebook_path(Path("/srv/lab"), "jobs/etl.ipynb")
        PosixPath('/srv/lab/jobs/etl.ipynb')
    """
    if not isinstance(relative, str) or not relative.strip():
        raise Problem(400, "notebook: expected the notebook's path, such as 'etl.ipynb'")
    base = root.expanduser().resolve()
    path = (base / relative.strip().lstrip("/")).resolve()
    if not path.is_relative_to(base):
        raise Problem(400, f"notebook: {relative!r} is outside the Jupyter root")
    if path.suffix != ".ipynb":
        raise Problem(400, f"notebook: {relative!r} is not a notebook (.ipynb)")
    return path


def relative_path(root: Path, path: str | None) -> str | None:
    """``path`` relative to ``root`` when it is inside it (what Lab can open), else None.

    Example:
        >>> relative_path(Path("/srv/lab"), "/srv/lab/out/run.ipynb")
        'out/run.ipynb'
        >>> relative_path(Path("/srv/lab"), "/var/runs/run.ipynb") is None
        True
    """
    if not path:
        return None
    base, target = root.expanduser().resolve(), Path(path).expanduser().resolve()
    return target.relative_to(base).as_posix() if target.is_relative_to(base) else None


def parameters_of(path: Path, label: str) -> list[dict[str, Any]]:
    """The parameters the notebook declares in its cell tagged ``parameters``.

    Example:
        >>> import json, tempfile
        >>> cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]},
        ...         "source": "limit = 10", "outputs": [], "execution_count": None}
        >>> nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        >>> path = Path(tempfile.mkdtemp()) / "etl.ipynb"
        >>> _ = path.write_text(json.dumps(nb))
        >>> parameters_of(path, "etl.ipynb")
        [{'name': 'limit', 'type': 'int', 'default': 10}]
    """
    declared = declared_parameters(load_notebook(path, label), notebook=label)
    return [{"name": p.name, "type": p.type, "default": p.default} for p in declared.values()]


def given_parameters(body: dict[str, Any]) -> dict[str, Any]:
    """The ``parameters`` object of a request: texts are read as a command line's would be.

    Example:
        >>> given_parameters({"parameters": {"limit": "25", "full": True}})
        {'limit': '25', 'full': True}
    """
    values = body.get("parameters") or {}
    if not isinstance(values, dict):
        raise Problem(400, f"parameters: expected a JSON object, got {type(values).__name__}")
    return {
        str(key): CommandLineText(value) if isinstance(value, str) else value
        for key, value in values.items()
    }
