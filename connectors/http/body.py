"""Picking the list of records out of a nested JSON response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


def select_records(body: Any, path: str) -> Any:
    """Follow a dotted path (``data.items``; numbers index lists) into parsed JSON.

    Raises :class:`LookupError` saying where the path stopped and what was there.

    Example:
        >>> select_records({"data": {"items": [{"id": 1}]}}, "data.items")
        [{'id': 1}]
        >>> select_records({"pages": [{"rows": [1, 2]}]}, "pages.0.rows")
        [1, 2]
    """
    current = body
    walked: list[str] = []
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and _is_index(part, len(current)):
            current = current[int(part)]
        else:
            where = ".".join(walked) or "the top level"
            raise LookupError(f"no {part!r} at {where} of the response; {_describe(current)}")
        walked.append(part)
    return current


def _is_index(part: str, length: int) -> bool:
    return part.lstrip("-").isdigit() and -length <= int(part) < length


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        keys = list(value)
        shown = ", ".join(repr(k) for k in keys[:10]) + (", ..." if len(keys) > 10 else "")
        return f"found an object with keys {shown}" if keys else "found an empty object"
    if isinstance(value, list):
        return f"found a list of {len(value)}"
    return f"found {type(value).__name__}"
