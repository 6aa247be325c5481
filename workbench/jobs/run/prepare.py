"""Preparing a run: load the notebook, check its parameters and timeout, before any kernel.

:func:`prepare_run` is the one place a run is checked, whoever asks for it: ``wb run``,
a schedule being added, ``wb serve`` on each request, an engine queueing a run, a trigger
binding. It reads the notebook once, registers the secrets a run could reveal (so a
parameter holding one is refused), converts and checks the parameters against the
``parameters`` cell, and checks the timeout. It imports nothing of the execution stack
(papermill, nbclient, jupyter_client), so a bad parameter is refused at once.

Example:
    >>> import nbformat, tempfile, pathlib
    >>> cell = nbformat.v4.new_code_cell("limit = 10")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "etl.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    >>> prepared = prepare_run(path, {"limit": CommandLineText("25")}, timeout=60)
    >>> prepared.parameters, prepared.job, prepared.timeout
    ({'limit': 25}, 'etl', 60)
    >>> prepare_run(path, {"limt": 5})
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: ...etl.ipynb has no parameter 'limt'; did you mean 'limit'?
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workbench.errors import JobError, ParameterError, WorkbenchError
from workbench.jobs.run.kernels import DEFAULT_KERNEL
from workbench.jobs.run.parameters import (
    CommandLineText,
    Parameter,
    check_parameters,
    declared_parameters,
    refuse_secrets,
)
from workbench.jobs.run.secrets import register_run_secrets
from workbench.redaction import redact

__all__ = [
    "CommandLineText",
    "PreparedRun",
    "as_nbformat",
    "check_timeout",
    "load_notebook",
    "prepare_run",
]


@dataclass(frozen=True)
class PreparedRun:
    """A run checked and ready: the notebook (read once), its parameters, its limits."""

    path: Path
    label: str
    nb: Any
    declared: dict[str, Parameter]
    parameters: dict[str, Any]
    job: str
    timeout: float | None
    folder: Path

    @property
    def kernel_name(self) -> str:
        """The kernel the notebook asks for (``python3`` when it names none)."""
        return str(self.nb.metadata.get("kernelspec", {}).get("name") or DEFAULT_KERNEL)

    def with_parameters(self, parameters: Mapping[str, Any] | None) -> PreparedRun:
        """The same notebook with other ``parameters``, checked (the file is not read again)."""
        values = check_parameters(dict(parameters or {}), self.declared, notebook=self.label)
        return replace(self, parameters=values)


def prepare_run(
    notebook: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    job: str | None = None,
    timeout: float | None = None,
    cwd: str | Path | None = None,
    where: str = "timeout",
) -> PreparedRun:
    """Load ``notebook`` and check ``parameters`` and ``timeout``; raises the error that
    names what is wrong (:class:`~workbench.errors.ParameterError`, exit code 11, for a bad
    parameter or timeout; :class:`~workbench.errors.JobError`, 10, for the notebook).

    Values given as :class:`CommandLineText` are converted to the declared types first.
    ``cwd`` is the folder the run will work in (the notebook's own by default): the
    connections seen from there are the ones whose secrets a parameter may not hold.
    """
    path = Path(notebook).expanduser().resolve()
    label = str(notebook)
    nb = load_notebook(path, label)
    folder = Path(cwd).expanduser().resolve() if cwd is not None else path.parent
    declared = declared_parameters(nb, notebook=label)
    values = check_parameters(dict(parameters or {}), declared, notebook=label)
    register_run_secrets(folder)  # after names and types: a misspelt parameter fails at once
    refuse_secrets(values, notebook=label)
    return PreparedRun(
        path=path,
        label=label,
        nb=nb,
        declared=declared,
        parameters=values,
        job=job or path.stem,
        timeout=check_timeout(timeout, where=where),
        folder=folder,
    )


def check_timeout(
    timeout: Any, *, where: str = "timeout", error: type[WorkbenchError] = ParameterError
) -> float | None:
    """``timeout`` if it is a number of seconds above 0 (or None), else ``error``.

    Example:
        >>> check_timeout(-1, where="--timeout")
        Traceback (most recent call last):
        ...
        workbench.errors.ParameterError: --timeout: expected a number of seconds above 0, got -1
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise error(f"{where}: expected a number of seconds above 0, got {timeout!r}")
    return timeout


def load_notebook(path: Path, label: str | None = None) -> Any:
    """The notebook at ``path`` (format 4, read as JSON: attributes work as on nbformat's
    nodes), or a JobError saying why it cannot be read.

    nbformat itself is not imported here (it pulls in jsonschema and its format checkers,
    seconds of start-up): a run is checked first, then executed with nbformat
    (:func:`as_nbformat`). A notebook in an older format is converted by nbformat.
    """
    label = label or str(path)
    if not path.is_file():
        raise JobError(f"{label}: no such notebook")
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:
        reason = redact(str(exc)).splitlines()[0] if str(exc) else type(exc).__name__
        raise JobError(f"{label}: not a readable notebook: {reason[:200]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise JobError(f"{label}: not a readable notebook: it has no list of cells")
    if data.get("nbformat") != 4:
        return _converted(path, label)
    if not isinstance(data.setdefault("metadata", {}), dict):
        raise JobError(f"{label}: not a readable notebook: its metadata is not a mapping")
    for index, cell in enumerate(data["cells"]):
        problem = _cell_problem(cell)
        if problem:
            raise JobError(f"{label}: not a readable notebook: cell {index} {problem}")
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(str(part) for part in cell["source"])
        cell.setdefault("source", "")
        cell.setdefault("metadata", {})
    return _Node.of(data)


def _cell_problem(cell: Any) -> str | None:
    """What makes ``cell`` unreadable as a notebook cell, or None."""
    if not isinstance(cell, dict):
        return "is not a cell"
    if not isinstance(cell.get("cell_type", ""), str):
        return "has a cell_type that is not text"
    if not isinstance(cell.get("source", ""), str | list):
        return "has a source that is neither text nor a list of lines"
    metadata = cell.get("metadata", {})
    if not isinstance(metadata, dict):
        return "has metadata that is not a mapping"
    if not isinstance(metadata.get("tags", []), list):
        return "has tags that are not a list"
    return None


def as_nbformat(nb: Any) -> Any:
    """``nb`` as an nbformat notebook node, validated (for executing or writing it)."""
    import nbformat

    try:
        node = nbformat.from_dict(json.loads(json.dumps(nb)))  # type: ignore[no-untyped-call]
        nbformat.validate(node)
    except Exception as exc:  # jsonschema's ValidationError and friends
        reason = redact(str(exc)).splitlines()[0] if str(exc) else type(exc).__name__
        raise JobError(f"not a valid notebook: {reason[:200]}") from None
    return node


def _converted(path: Path, label: str) -> Any:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:
        reason = redact(str(exc)).splitlines()[0] if str(exc) else type(exc).__name__
        raise JobError(f"{label}: not a readable notebook: {reason[:200]}") from None


class _Node(dict[str, Any]):
    """A notebook read as JSON, with attribute access as nbformat's nodes give."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    @classmethod
    def of(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return cls({k: cls.of(v) for k, v in value.items()})
        if isinstance(value, list):
            return [cls.of(v) for v in value]
        return value
