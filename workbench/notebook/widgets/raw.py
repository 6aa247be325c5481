"""The Raw tab: the request that was sent beside the response and the data, as text.

An HTTP action's ``Result.raw`` holds the request (method, URL, headers and body, masked
where the HTTP layer built it); any other action's request is the call itself. Everything
shown passes :func:`workbench.redaction.redact` and is cut to :data:`MAX_RAW` characters.

Example:
    >>> from workbench.results import Result
    >>> sent = {"method": "GET", "url": "https://api.example.com/pets", "status": 200,
    ...         "headers": {}, "request": {"headers": {"accept": "*/*"}, "body": None}}
    >>> print(request_text(Result([], raw=sent)))
    GET https://api.example.com/pets
    accept: */*
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from workbench.redaction import redact
from workbench.results.frames import to_records
from workbench.results.html import view

if TYPE_CHECKING:
    from workbench.results import Result

MAX_RAW = 20_000  # characters of the raw response shown
MAX_RAW_ITEMS = 200  # records of the data shown as raw JSON
_PRE = "white-space:pre-wrap;word-break:break-word;max-height:30em;overflow:auto;margin:0"
_GRID = "display:grid;grid-template-columns:repeat(auto-fit, minmax(22em, 1fr));gap:12px"


def request_text(result: Result, call: str = "") -> str:
    """The request sent: an HTTP request line, headers and body; else ``call`` (the code).

    Example:
        >>> from workbench.results import Result
        >>> request_text(Result(1), 'wb.connect("shop").tables()')
        'wb.connect("shop").tables()'
    """
    raw = result.raw
    sent = raw.get("request") if isinstance(raw, dict) else None
    if not isinstance(sent, dict) or "url" not in raw:
        return redact(call) or "(not recorded)"
    lines = [f"{raw.get('method', '')} {raw['url']}".strip()]
    lines += [f"{name}: {value}" for name, value in (sent.get("headers") or {}).items()]
    if sent.get("body"):
        lines += ["", _as_text(sent["body"])]
    return _cut(redact("\n".join(lines)))


def raw_text(result: Result) -> str:
    """The raw response (``.raw``, without the request) and the data (``.data``) as text.

    Example:
        >>> from workbench.results import Result
        >>> print(raw_text(Result([{"id": 1}], raw={"status": 200})))
        # raw
        {
          "status": 200
        }
        # data
        [
          {
            "id": 1
          }
        ]
    """
    parts = []
    raw = result.raw
    if isinstance(raw, dict) and "request" in raw:
        raw = {key: value for key, value in raw.items() if key != "request"}
    if raw is not None:
        parts.append("# raw\n" + _as_text(raw))
    data, more, rows = result.data if result.rows <= MAX_RAW_ITEMS else None, "", result.rows
    if rows > MAX_RAW_ITEMS:  # the first rows only, as the table has them: never all as JSON
        data = to_records(result.df.head(MAX_RAW_ITEMS))
        more = f"\n… {rows - MAX_RAW_ITEMS:,} more rows (see the Result tab)"
    parts.append("# data\n" + _as_text(data) + more)
    return _cut(redact("\n".join(parts)))


def raw_html(result: Result, call: str = "") -> str:
    """The request (left) beside the response (right), each in its own scrolling box."""
    panes = "".join(
        f"<div><div class='wb-caption'>{title}</div>"
        f"<pre class='{kind}' style='{_PRE}'>{html.escape(text)}</pre></div>"
        for title, kind, text in (
            ("request sent", "wb-raw-request", request_text(result, call)),
            ("response", "wb-raw-response", raw_text(result)),
        )
    )
    return view(f"<div style='{_GRID}'>{panes}</div>")


def _cut(text: str) -> str:
    if len(text) > MAX_RAW:
        return text[:MAX_RAW] + f"\n… {len(text) - MAX_RAW:,} more characters"
    return text


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return f"{len(value):,} bytes: {bytes(value[:2000])!r}"
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # keys that are not strings, circular data
        return repr(value)
