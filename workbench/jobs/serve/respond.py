"""``wb.respond``: the HTTP response a notebook served with ``wb serve`` gives.

A notebook calls ``wb.respond(value, status=200, headers=None)`` and the value becomes
JSON: a DataFrame (or an action's :class:`~workbench.results.result.Result`) becomes a list
of records with dates and times in ISO 8601 and missing values as ``null``; dicts, lists
and scalars stay as they are (Decimals and UUIDs as text, durations in seconds). The
response is published as display data of MIME type :data:`MIME` beside the value's usual
representation, so the same notebook shows a table in JupyterLab, runs under papermill,
and answers HTTP requests: the server reads the last response from the executed (and
redacted) notebook. Outside IPython the JSON body is printed.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": [7], "at": pd.to_datetime(["2025-02-26 17:55"])})
    >>> to_json(frame)
    [{'id': 7, 'at': '2025-02-26T17:55:00'}]

In the notebook, the last cell then reads ``wb.respond(frame)`` (or
``wb.respond({"shipped": 3}, status=201)``).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from workbench.errors import JobError
from workbench.redaction import redact_value

MIME = "application/vnd.workbench.response+json"
"""The MIME type of the display data that carries a response out of the kernel."""

served: list[dict[str, Any]] = []
"""The responses of the request a warm session of ``wb serve`` runs (its driver reads them)."""

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110)
_RESERVED = frozenset({"content-length", "content-type", "transfer-encoding", "connection"})


def respond(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
    """Make ``obj`` the notebook's HTTP response, with ``status`` and extra ``headers``.

    In a notebook the value is displayed as usual; when the notebook is served, the last
    call's value is the JSON body of the response. Bad arguments raise :class:`JobError`.
    """
    payload = response_payload(obj, status, headers)
    shell = _shell()
    if shell is None:
        print(json.dumps(json.loads(payload["json"]), indent=2, ensure_ascii=False))
        return
    from IPython.display import publish_display_data

    if os.environ.get("WORKBENCH_SERVING"):  # a warm session of wb serve: its driver sends it
        served.append(payload)
        return
    shown = obj.df if _is_result(obj) else obj
    data, metadata = shell.display_formatter.format(shown)
    publish_display_data(data={**data, MIME: payload}, metadata=metadata)  # type: ignore[no-untyped-call]


def response_payload(
    obj: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The response as published: ``{"status": ..., "headers": {...}, "json": BODY_TEXT}``.

    The body travels as JSON text, so its keys keep their order (a notebook file's are
    sorted).

    Example:
        >>> response_payload({"b": 1, "a": None})
        {'status': 200, 'headers': {}, 'json': '{"b":1,"a":null}'}
        >>> response_payload([1, 2], status=999)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        workbench.errors.JobError: respond(): status must be an HTTP status code ..., got 999
    """
    status, headers = check_status(status), check_headers(headers)
    text = json.dumps(to_json(obj), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return {"status": status, "headers": headers, "json": text}


def check_status(status: Any) -> int:
    """``status`` if it is an HTTP status code a response can have (200 to 599)."""
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise JobError(
            f"respond(): status must be an HTTP status code from 200 to 599, got {status!r}"
        )
    return status


def check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """``headers`` as a dict of valid names and single-line text values.

    Example:
        >>> check_headers({"Cache-Control": "max-age=60"})
        {'Cache-Control': 'max-age=60'}
        >>> check_headers({"X-Bad": "a\\r\\nSet-Cookie: x"})
        Traceback (most recent call last):
        ...
        workbench.errors.JobError: respond(): header 'X-Bad' has a line break or NUL in its value
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise JobError(f"respond(): headers must be a dict of names to text, got {headers!r}")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise JobError(f"respond(): {name!r} is not a valid HTTP header name")
        if name.lower() in _RESERVED:
            raise JobError(f"respond(): header {name!r} is set by the server, not by respond()")
        if not isinstance(value, str):
            raise JobError(f"respond(): header {name!r} must be text, got {type(value).__name__}")
        if any(ch in value for ch in "\r\n\0"):
            raise JobError(f"respond(): header {name!r} has a line break or NUL in its value")
        checked[name] = value
    return checked


def to_json(obj: Any) -> Any:
    """``obj`` as JSON-ready data: DataFrames as records, dates in ISO 8601, NaN as None.

    Example:
        >>> import datetime, decimal
        >>> to_json({"day": datetime.date(2024, 1, 2), "total": decimal.Decimal("1.10"),
        ...          "ratio": float("nan"), "tags": ("a", "b")})
        {'day': '2024-01-02', 'total': '1.10', 'ratio': None, 'tags': ['a', 'b']}
    """
    return _plain(obj, "body")


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {_key(k, where): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if _is_result(value):
        value = value.df
    if _is_dataframe(value):
        return _plain(_records(value), where)
    if _is_missing(value):  # NaT and NA, before the datetime check (NaT is a datetime)
        return None
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return _plain(value.value, where)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return _plain(value.item(), where)  # a NumPy scalar
    raise JobError(
        f"respond(): {where} is a {type(value).__module__}.{type(value).__qualname__}, which "
        "cannot be turned into JSON; pass a DataFrame, a dict, a list or plain values"
    )


def _key(key: Any, where: str) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return json.dumps(key)
    raise JobError(f"respond(): {where} has a key {key!r}; JSON keys must be text or numbers")


def _records(frame: Any) -> list[dict[str, Any]]:
    from workbench.results.frames import to_records

    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()  # a named index (a group-by's keys) becomes columns
    return to_records(frame)


def _is_dataframe(value: Any) -> bool:
    from workbench.results.frames import is_dataframe

    return is_dataframe(value)


def _is_result(value: Any) -> bool:
    from workbench.results.result import Result

    return isinstance(value, Result)


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook extras
        return None
    return get_ipython()


def find_response(nb: Mapping[str, Any]) -> dict[str, Any] | None:
    """The last response an executed notebook (as JSON data) published; None if none.

    Returns ``{"status": ..., "headers": {...}, "body": ...}``, registered secrets masked.

    Example:
        >>> output = {"output_type": "display_data", "metadata": {},
        ...           "data": {MIME: response_payload({"ok": True}, status=201)}}
        >>> find_response({"cells": [{"cell_type": "code", "outputs": [output]}]})
        {'status': 201, 'headers': {}, 'body': {'ok': True}}
    """
    found: dict[str, Any] | None = None
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(MIME)
            if isinstance(payload, dict):
                found = payload
    return None if found is None else read_payload(found)


def read_payload(found: Mapping[str, Any]) -> dict[str, Any]:
    """A published response (:func:`response_payload`'s) as ``{"status", "headers",
    "body"}``, checked again and with registered secrets masked."""
    try:
        body = json.loads(found.get("json", "null"))
    except (TypeError, ValueError):
        raise JobError("the notebook's response is not valid JSON") from None
    return {
        "status": check_status(found.get("status", 200)),
        "headers": redact_value(check_headers(found.get("headers"))),
        "body": redact_value(body),
    }
