"""The executed notebook a run leaves: its first error, redacted, then written atomically.

Every text in the notebook (cell sources, stream output, results, error messages and
tracebacks, the injected parameters and the metadata) passes
:func:`workbench.redaction.redact` before the file is written, so no registered secret
reaches the disk.

Example:
    >>> import nbformat, tempfile, pathlib
    >>> from workbench.redaction import register_secret
    >>> register_secret("out-s3cret-value")
    >>> cell = nbformat.v4.new_code_cell("print(token)")
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
    ...                                        text="token=out-s3cret-value\\n")]
    >>> nb = nbformat.v4.new_notebook(cells=[cell])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.ipynb"
    >>> write_notebook(nb, path)
    >>> nbformat.read(path, as_version=4).cells[0].outputs[0].text
    'token=***\\n'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.config.atomic import write_atomic
from workbench.paths import PRIVATE_FILE
from workbench.redaction import known_secrets, redact

INJECTED_TAG = "injected-parameters"
ERROR_MARKER_TAG = "papermill-error-cell-tag"  # papermill's marker cells, left out of indices


@dataclass(frozen=True)
class CellError:
    """The first error in an executed notebook; ``index`` counts cells as written (from 0)."""

    index: int
    ename: str
    evalue: str
    first_line: str


def first_error(nb: Any) -> CellError | None:
    """The first cell whose output is an error (``SystemExit`` with 0 or no code is none).

    Example:
        >>> import nbformat
        >>> ok, bad = nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("\\n1 / 0")
        >>> bad.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError",
        ...                                       evalue="division by zero", traceback=[])]
        >>> first_error(nbformat.v4.new_notebook(cells=[ok, bad]))
        CellError(index=1, ename='ZeroDivisionError', evalue='division by zero', first_line='1 / 0')
    """
    index = -1
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags or ERROR_MARKER_TAG in tags:
            continue
        index += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "SystemExit" and output.get("evalue") in ("", "0"):
                continue
            return CellError(
                index,
                redact(output.get("ename", "")),
                redact(output.get("evalue", "")),
                redact(_first_line(cell.get("source", ""))),
            )
    return None


def _first_line(source: str) -> str:
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    return lines[0] if lines else ""


def redact_notebook(nb: Any) -> Any:
    """Mask every registered secret in every text of ``nb``, in place; return ``nb``."""
    if known_secrets():
        _scrub(nb)
    return nb


def _scrub(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                node[key] = redact(value)
            else:
                _scrub(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, str):
                node[i] = redact(value)
            else:
                _scrub(value)


def write_notebook(nb: Any, path: Path) -> None:
    """Redact ``nb`` and write it to ``path`` atomically (readers never see half a file)."""
    import nbformat

    text: str = nbformat.writes(redact_notebook(nb))  # type: ignore[no-untyped-call]
    write_atomic(path, text, mode=PRIVATE_FILE)
