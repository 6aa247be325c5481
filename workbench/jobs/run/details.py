"""One run looked into: its record, and the failing cell's source and output from its
output notebook (redacted when it was written), as ``wb runs show`` prints them.

Example:
    >>> from workbench.jobs.run.record import Run, Status
    >>> run = Run.new("etl.ipynb", job="etl", parameters={"day": "2024-01-01"})
    >>> run.finish(Status.FAILED, exit_code=12, error_class="KeyError",
    ...            error_message="'region'", failed_cell=2, failed_source="total = rows['region']")
    >>> print("\\n".join(report(run_details(run))[:3]))  # doctest: +ELLIPSIS
    run ... of etl.ipynb (job etl)
    status: failed, exit code 12
    parameters: {"day": "2024-01-01"}
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from workbench.jobs.run.record import Run
from workbench.redaction import redact

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MAX_OUTPUT = 4000  # characters of the failing cell's output shown
INJECTED = "injected-parameters"  # the cell papermill adds: not one of the notebook's


def run_details(run: Run) -> dict[str, Any]:
    """The run's record plus ``failed_cell_source`` and ``failed_cell_output`` when its
    output notebook holds them (None otherwise)."""
    details = run.to_dict()
    details["failed_cell_source"] = details["failed_cell_output"] = None
    if run.failed_cell is None or not run.output or not Path(run.output).is_file():
        return details
    try:
        nb = json.loads(Path(run.output).read_text(encoding="utf-8"))
        written = [c for c in nb["cells"] if INJECTED not in c.get("metadata", {}).get("tags", [])]
        cell = written[run.failed_cell]  # counted as the notebook is written
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return details
    source = cell.get("source", "")
    details["failed_cell_source"] = redact("".join(source) if isinstance(source, list) else source)
    details["failed_cell_output"] = redact(_text(cell.get("outputs", [])))[-MAX_OUTPUT:]
    return details


def _text(outputs: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            text = output.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else text)
        elif kind == "error":
            parts.append("\n".join(output.get("traceback", [])))
        elif kind in ("display_data", "execute_result"):
            plain = output.get("data", {}).get("text/plain", "")
            parts.append("".join(plain) if isinstance(plain, list) else plain)
    return _ANSI.sub("", "\n".join(p.rstrip("\n") for p in parts if p))


def report(details: dict[str, Any]) -> list[str]:
    """:func:`run_details` as the lines ``wb runs show`` prints."""
    lines = [f"run {details['id']} of {details['notebook']} (job {details['job']})"]
    status = f"status: {details['status']}"
    if details["exit_code"] is not None:
        status += f", exit code {details['exit_code']}"
    if details["duration"] is not None:
        status += f", {details['duration']:.2f} s"
    if details["worker"]:
        status += f", on {details['worker']}"
    lines.append(status)
    lines.append(f"parameters: {json.dumps(details['parameters'], ensure_ascii=False)}")
    for name in ("queued_at", "started_at", "ended_at"):
        if details[name]:
            lines.append(f"{name.replace('_at', '')}: {details[name]}")
    error = ": ".join(p for p in (details["error_class"], details["error_message"]) if p)
    if error:
        where = f" at cell {details['failed_cell']}" if details["failed_cell"] is not None else ""
        lines.append(f"error{where}: {error}")
    if details["failed_cell_source"] is not None:
        lines.append(f"cell {details['failed_cell']}:")
        lines += ["    " + line for line in details["failed_cell_source"].splitlines()]
    if details["failed_cell_output"]:
        lines.append("its output:")
        lines += ["    " + line for line in details["failed_cell_output"].splitlines()]
    if details["output"]:
        lines.append(f"output notebook: {details['output']}")
    return lines
