"""Finding values and record lists in JSON bodies by dotted path (``data.items``)."""

from __future__ import annotations

from typing import Any

_MISSING = object()


def dig(body: Any, path: str | None) -> Any:
    """The value at the dotted ``path`` in ``body`` (digits index lists), or None.

    Example:
        >>> dig({"meta": {"next": "c2"}, "data": [{"id": 7}]}, "meta.next")
        'c2'
        >>> dig({"data": [{"id": 7}]}, "data.0.id"), dig({"data": []}, "meta.next")
        (7, None)
    """
    if not path:
        return body
    value = body
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is _MISSING:
            return None
    return value


def select_records(body: Any, path: str | None) -> list[Any]:
    """The list of records at ``path``; with no path, the body itself or its only list.

    Example:
        >>> select_records({"data": {"items": [1, 2]}}, "data.items")
        [1, 2]
        >>> select_records({"items": [1, 2], "total": 2}, None)
        [1, 2]
        >>> select_records({"items": [1], "links": []}, None)
        Traceback (most recent call last):
        ...
        ValueError: the body has several lists ('items', 'links'); set records to the one to read
    """
    if path:
        value = dig(body, path)
        if value is None:
            keys = ", ".join(repr(k) for k in body) if isinstance(body, dict) else "none"
            raise ValueError(f"records {path!r}: not in the body (its keys: {keys})")
        if not isinstance(value, list):
            raise ValueError(f"records {path!r} is a {type(value).__name__}, not a list")
        return value
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        lists = [key for key, value in body.items() if isinstance(value, list)]
        if len(lists) == 1:
            records: list[Any] = body[lists[0]]
            return records
        if lists:
            names = ", ".join(repr(k) for k in lists)
            raise ValueError(
                f"the body has several lists ({names}); set records to the one to read"
            )
        raise ValueError("the body has no list of records; set records to its dotted path")
    if body is None:
        return []
    raise ValueError(f"the body is a {type(body).__name__}, not a list of records")
