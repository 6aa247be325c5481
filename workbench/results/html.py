"""Rich HTML display for results in Jupyter (light and dark themes alike)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from workbench.results.result import Result

MAX_ROWS = 50

# Colours come from JupyterLab's theme variables, with neutral fallbacks elsewhere.
_STYLE = (
    "font-size:0.85em;margin:0 0 4px 0;"
    "color:var(--jp-ui-font-color2, #666);"
    "font-family:var(--jp-ui-font-family, sans-serif)"
)


def frame_html(frame: pd.DataFrame, caption: str, max_rows: int = MAX_ROWS) -> str:
    """A caption line above the first ``max_rows`` rows of ``frame``."""
    shown = frame.head(max_rows)
    more = len(frame) - len(shown)
    footer = f"<div style='{_STYLE}'>… {more:,} more rows</div>" if more > 0 else ""
    table = shown.to_html(max_cols=30, border=0, classes="dataframe wb-table")
    head = f"<div style='{_STYLE}'>{html.escape(caption)}</div>"
    return f"<div class='wb-result'>{head}{table}{footer}</div>"


def result_html(result: Result) -> str:
    """The HTML shown for a :class:`Result`: ``connection.action · rows · ms`` and a table."""
    rows = result.rows
    caption = (
        f"{result.label} · {rows:,} row{'' if rows == 1 else 's'} · {result.elapsed * 1000:.0f} ms"
    )
    if result.pages > 1:
        caption += f" · {result.pages} pages"
    return frame_html(result.df, caption)
