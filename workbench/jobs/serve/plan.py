"""How a served notebook splits into the part run once per kernel and the part run per request.

Code cells tagged ``setup`` run once, when a kernel starts: imports, connections, reference
data. Every other code cell is the *request part*, run for each request after the
``parameters`` cell (its defaults, then the request's values). A notebook with no cell
tagged ``setup`` is all request part: it still runs on a warm kernel, with its modules
imported ahead. The values setup creates are shared by the requests of that kernel (treat
them as read-only); everything a request creates is gone before the next one starts.

Example:
    >>> import nbformat
    >>> cells = [nbformat.v4.new_code_cell("import math"), nbformat.v4.new_code_cell("n = 2"),
    ...          nbformat.v4.new_code_cell("wb.respond(math.sqrt(n))")]
    >>> cells[0].metadata["tags"] = ["setup"]
    >>> cells[1].metadata["tags"] = ["parameters"]
    >>> plan = plan_of(nbformat.v4.new_notebook(cells=cells))
    >>> plan.setup, plan.parameters, plan.cells
    (['import math'], 'n = 2', [(2, 'wb.respond(math.sqrt(n))')])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.jobs.run.parameters import TAG as PARAMETERS_TAG

SETUP_TAG = "setup"


@dataclass(frozen=True)
class RequestPlan:
    """The setup cells' sources, the parameters cell's source, and the request cells (their
    index in the notebook, for errors, and their source)."""

    setup: list[str]
    parameters: str
    cells: list[tuple[int, str]]


def plan_of(nb: Any) -> RequestPlan:
    """The :class:`RequestPlan` of a notebook (format 4)."""
    setup: list[str] = []
    parameters = ""
    cells: list[tuple[int, str]] = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code" or not cell.source.strip():
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if SETUP_TAG in tags:
            setup.append(cell.source)
        elif PARAMETERS_TAG in tags and not parameters:
            parameters = cell.source
        else:
            cells.append((index, cell.source))
    return RequestPlan(setup, parameters, cells)
