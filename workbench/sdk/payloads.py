"""Message payloads: encode what users publish, decode what brokers deliver.

bytes go as they are, str as UTF-8 text, anything else as JSON; a DataFrame is one
message per row (each row a JSON object).

Example:
    >>> encode({"order": 42})
    (b'{"order": 42}', 'application/json')
    >>> encode("café")
    (b'caf\\xc3\\xa9', 'text/plain; charset=utf-8')
    >>> decode(b'{"order": 42}', "application/json")
    {'order': 42}
    >>> decode(b"plain words", None)
    'plain words'
    >>> decode(b"\\x00\\x01", BINARY)
    b'\\x00\\x01'
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from workbench.errors import ActionArgumentError
from workbench.results.frames import is_dataframe

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"


def split(payload: Any) -> list[Any]:
    """The messages in ``payload``: one per DataFrame row (as a dict), else the payload itself.

    Example:
        >>> import pandas as pd
        >>> split(pd.DataFrame({"id": [1, 2]}))
        [{'id': 1}, {'id': 2}]
        >>> split("one")
        ['one']
    """
    if is_dataframe(payload):
        rows: list[Any] = json.loads(
            payload.to_json(orient="records", date_format="iso", force_ascii=False)
        )
        return rows
    return [payload]


def encode(payload: Any) -> tuple[bytes, str]:
    """``(body, content_type)`` of one message; a value JSON cannot hold fails clearly."""
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload), BINARY
    if isinstance(payload, str):
        return payload.encode("utf-8"), TEXT
    try:
        text = json.dumps(payload, ensure_ascii=False, default=_plain)
    except (TypeError, ValueError) as exc:
        raise ActionArgumentError(f"payload: {exc}; pass bytes, str or JSON data") from None
    return text.encode("utf-8"), JSON


def decode(body: bytes | bytearray, content_type: str | None) -> Any:
    """The message body as Python data: JSON when the type says so or it parses, else text.

    Binary bodies (``application/octet-stream``, or not UTF-8) stay bytes.
    """
    kind = (content_type or "").lower()
    if kind.startswith(BINARY):
        return bytes(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return bytes(body)
    if "json" in kind or not kind.startswith("text/"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
