"""How ``wb`` prints: aligned tables for people, JSON records for scripts, one-line errors.

Example:
    >>> print(table([{"name": "shop", "rows": 3}], ["name", "rows"]))
    name  rows
    shop  3
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from workbench.redaction import redact

if TYPE_CHECKING:
    import pandas as pd

MAX_CELL = 60

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON records.")


def one_line(text: str) -> str:
    """``text`` on one line, with registered secrets masked."""
    return redact(" ".join(text.split("\n")).strip())


def cell(value: Any) -> str:
    """A table cell: one line, cut at :data:`MAX_CELL` characters."""
    text = "" if value is None else " ".join(str(value).split("\n"))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "..."


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """``rows`` as a table of ``columns``, aligned, with a header line."""
    cells = [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [list(columns), *cells]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records."""
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return rows


def emit(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], *, as_json: bool, empty: str
) -> None:
    """Rows as JSON records, or as an aligned table (``empty`` when there are none)."""
    if as_json:
        click.echo(json.dumps(list(rows), indent=2, default=str))
    elif rows:
        click.echo(table(rows, columns))
    else:
        click.echo(empty)
