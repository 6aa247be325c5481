"""Rich HTML display for results, the catalog and the call history.

Every view is a caption line above a table, styled by one small stylesheet scoped under
the ``wb-view`` class. Colours come from JupyterLab's theme variables (so the light and
dark themes both look right) with neutral fallbacks elsewhere; nothing is hard-coded
black or white. Outside a notebook the same objects print as plain text (see :class:`Rich`).

Example:
    >>> page = message_html("saved connection 'crm'", "ok")
    >>> "wb-ok" in page and "saved connection &#x27;crm&#x27;" in page
    True
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from workbench.redaction import known_secrets, redact, redact_value

if TYPE_CHECKING:
    import pandas as pd

    from workbench.results.result import Result

MAX_ROWS = 50
MAX_CATALOG_ROWS = 500
MAX_CELL = 300  # characters of one cell shown before it is cut

_ERROR = "var(--jp-error-color1, #e53935)"
STYLESHEET = (
    "<style>"
    ".wb-view{font-family:var(--jp-ui-font-family, system-ui, sans-serif);"
    "color:var(--jp-ui-font-color1, inherit);font-size:var(--jp-ui-font-size1, 13px);"
    "line-height:1.4;margin:0 0 6px 0}"
    ".wb-view .wb-caption{font-size:0.85em;margin:0 0 4px 0;"
    "color:var(--jp-ui-font-color2, #888)}"
    ".wb-view .wb-scroll{max-height:28em;overflow:auto}"
    ".wb-view table.wb-table{border-collapse:collapse;border:none;margin:0}"
    ".wb-view table.wb-table th,.wb-view table.wb-table td{padding:3px 10px;border:none;"
    "text-align:left;vertical-align:top;color:inherit;"
    "border-bottom:1px solid var(--jp-border-color2, rgba(128, 128, 128, 0.3))}"
    ".wb-view table.wb-table thead th{font-weight:600;position:sticky;top:0;"
    "background:var(--jp-layout-color1, transparent);"
    "border-bottom:1px solid var(--jp-border-color1, rgba(128, 128, 128, 0.6))}"
    ".wb-view table.wb-table td.wb-num{text-align:right;font-variant-numeric:tabular-nums}"
    ".wb-view table.wb-table td.wb-name{font-family:var(--jp-code-font-family, monospace)}"
    ".wb-view table.wb-table tr.wb-error td{background:rgba(229, 57, 53, 0.1)}"
    f".wb-view table.wb-table tr.wb-error td:first-child{{box-shadow:inset 3px 0 0 {_ERROR}}}"
    ".wb-view .wb-ok{color:var(--jp-success-color1, #43a047)}"
    f".wb-view .wb-bad{{color:{_ERROR};font-weight:600}}"
    f".wb-view .wb-message.wb-error{{color:{_ERROR}}}"
    ".wb-view .wb-message.wb-note{color:var(--jp-ui-font-color2, #888)}"
    "</style>"
)

# History columns shown only when some call filled them (the HTTP ones).
_OPTIONAL_HISTORY = ("method", "url", "http_status", "requests", "bytes", "retries")
_NUMERIC = ("ms", "rows", "http_status", "requests", "bytes", "retries", "actions", "triggers")


class Rich:
    """A view that is HTML in a notebook and plain text in a terminal.

    Example:
        >>> view = Rich("<b>2 rows</b>", "2 rows")
        >>> view
        2 rows
        >>> view._repr_html_()
        '<b>2 rows</b>'
    """

    __slots__ = ("html", "text")

    def __init__(self, html: str, text: str) -> None:
        self.html = html
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def view(body: str, caption: str = "", *, kind: str = "", scroll: bool = False) -> str:
    """``body`` under an escaped ``caption`` line, wrapped in the stylesheet's scope."""
    head = f"<div class='wb-caption'>{html.escape(caption)}</div>" if caption else ""
    if scroll:
        body = f"<div class='wb-scroll'>{body}</div>"
    classes = " ".join(c for c in ("wb-view", kind) if c)
    return f"<div class='{classes}'>{STYLESHEET}{head}{body}</div>"


def message_html(text: str, kind: Literal["ok", "error", "note"] = "note") -> str:
    """One escaped, redacted line of status text: ``ok``, ``error`` or ``note``."""
    line = " ".join(redact(text).split())
    return view(f"<div class='wb-message wb-{kind}'>{html.escape(line)}</div>")


def table_html(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    row_class: Callable[[Mapping[str, Any]], str] | None = None,
    cell: Callable[[str, Any], str] | None = None,
) -> str:
    """An escaped ``<table>`` of ``rows``; ``row_class`` marks rows, ``cell`` formats values.

    Example:
        >>> table_html([{"a": "<x>", "n": 2}], ["a", "n"]).count("<td")
        2
    """
    shown = cell or format_cell
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        marker = row_class(row) if row_class else ""
        attr = f" class='{marker}'" if marker else ""
        cells = "".join(_td(c, shown(c, row.get(c))) for c in columns)
        body.append(f"<tr{attr}>{cells}</tr>")
    return (
        f"<table class='wb-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _td(column: str, text: str) -> str:
    kind = "wb-num" if column in _NUMERIC else "wb-name" if column == "name" else ""
    if column == "status" and text:
        kind = "wb-ok" if text == "ok" else "wb-bad"
    attr = f" class='{kind}'" if kind else ""
    return f"<td{attr}>{html.escape(text)}</td>"


def format_cell(column: str, value: Any) -> str:
    """A value as cell text: blanks for missing values, short times, cut long text."""
    if is_blank(value):
        return ""
    if isinstance(value, datetime):
        plain = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value  # pandas
        local = plain.astimezone()
        today = local.date() == datetime.now(local.tzinfo).date()
        return local.strftime("%H:%M:%S" if today else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:,.1f}"
    text = str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def is_blank(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are values
        return False


def frame_html(frame: pd.DataFrame, caption: str, max_rows: int | None = None) -> str:
    """A caption line above the first ``max_rows`` rows (default :data:`MAX_ROWS`) of ``frame``.

    Known secrets are masked in the cells before they are cut or escaped, and in the page.
    """
    shown = frame.head(MAX_ROWS if max_rows is None else max_rows)
    more = len(frame) - len(shown)
    footer = f"<div class='wb-caption'>… {more:,} more rows</div>" if more > 0 else ""
    table = _redacted(shown).to_html(max_cols=30, border=0, classes="dataframe wb-table")
    return view(redact(table) + footer, redact(caption), kind="wb-result")


def _redacted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with known secrets masked in its text cells and labels (a copy when needed)."""
    if not known_secrets():
        return frame
    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if column.dtype == object or str(column.dtype) == "string":
            out.isetitem(i, column.map(redact_value).to_list())
    out.columns = [redact(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def result_html(result: Result) -> str:
    """The HTML shown for a :class:`Result`: ``connection.action · rows · ms`` and a table."""
    rows = result.rows
    caption = (
        f"{result.label} · {rows:,} row{'' if rows == 1 else 's'} · {result.elapsed * 1000:.0f} ms"
    )
    if result.pages > 1:
        caption += f" · {result.pages} pages"
    if result.sandbox:
        caption += " · a sandbox answer, not from the service"
    return frame_html(result.df, caption)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _count(shown: int, total: int | None, word: str) -> str:
    if total is None or total == shown:
        return _plural(shown, word)
    return f"{shown:,} of {_plural(total, word)}"


def catalog_html(
    frame: pd.DataFrame,
    caption: str | None = None,
    max_rows: int = MAX_CATALOG_ROWS,
    *,
    total: int | None = None,
) -> str:
    """The connector catalog (``wb.catalog()``): name, title, category, counts, description.

    Connectors that cannot load are marked as error rows; ``total`` (the size of the
    unfiltered catalog) makes the caption read ``3 of 13 connectors``.

    Example:
        >>> import workbench as wb
        >>> page = catalog_html(wb.catalog("sqlite"))
        >>> "1 connector ·" in page and "<td class='wb-name'>sqlite</td>" in page
        True
    """
    records = _records(frame.head(max_rows))
    if caption is None:
        actions = int(frame["actions"].sum()) if len(frame) else 0
        caption = f"{_count(len(frame), total, 'connector')} · {_plural(actions, 'action')}"
    columns = ["name", "title", "category", "actions", "triggers", "auth", "description"]
    columns = [c for c in columns if c in frame.columns]

    def broken(row: Mapping[str, Any]) -> str:
        return "wb-error" if str(row.get("description", "")).startswith("cannot load:") else ""

    body = table_html(records, columns, row_class=broken) + _more(len(frame) - len(records))
    return view(body, caption, kind="wb-catalog")


def history_html(
    frame: pd.DataFrame,
    caption: str | None = None,
    max_rows: int = MAX_ROWS,
    *,
    total: int | None = None,
) -> str:
    """The call history (``wb.history()``), newest first, failed calls marked.

    HTTP columns appear only when some call sent a request; error text is redacted;
    ``total`` (the number of calls before filtering) makes the caption read ``2 of 5 calls``.

    Example:
        >>> import pandas as pd
        >>> calls = pd.DataFrame([{"connection": "shop", "action": "query", "status": "ok"},
        ...                       {"connection": "shop", "action": "query",
        ...                        "status": "error", "error": "no such table: x"}])
        >>> page = history_html(calls)
        >>> page.index("no such table") < page.index(">ok<"), page.count("<tr class='wb-error'")
        (True, 1)
    """
    newest = frame.iloc[::-1]
    if "time" in newest.columns:
        newest = newest.sort_values("time", ascending=False, kind="stable")
    records = _records(newest.head(max_rows))
    failed = sum(map(_failed, _records(newest)))
    if caption is None:
        caption = f"{_count(len(frame), total, 'call')} · {_plural(failed, 'error')} · newest first"
    columns = [
        c for c in newest.columns if c not in _OPTIONAL_HISTORY or not newest[c].isna().all()
    ]

    def cell(column: str, value: Any) -> str:
        if column in ("error", "url") and not is_blank(value):
            value = redact(str(value))  # before cutting, so no part of a secret shows
        return format_cell(column, value)

    body = table_html(records, columns, row_class=_history_row, cell=cell)
    return view(body + _more(len(newest) - len(records)), caption, kind="wb-history", scroll=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _failed(row: Mapping[str, Any]) -> bool:
    status = row.get("status")
    return (not is_blank(status) and status != "ok") or not is_blank(row.get("error"))


def _history_row(row: Mapping[str, Any]) -> str:
    return "wb-error" if _failed(row) else ""


def _more(count: int) -> str:
    return f"<div class='wb-caption'>… {count:,} more rows</div>" if count > 0 else ""
