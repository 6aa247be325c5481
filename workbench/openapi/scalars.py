"""Example scalars: text for string formats, numbers within bounds, and checks of given examples."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from typing import Any

FORMATS: dict[str, str] = {
    "date-time": "2024-01-15T09:30:00Z",
    "date": "2024-01-15",
    "time": "09:30:00",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "iri": "https://example.com/resource",
    "uri-reference": "https://example.com/resource",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": base64.b64encode(b"example").decode(),
    "password": "example-password",
    "duration": "P1D",
}

# What a value of these formats looks like, to check a schema's own examples.
_SHAPES = {
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "uuid": re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"),
    "uri": re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$"),
}


def number_for(schema: Mapping[str, Any], integer: bool) -> int | float:
    """A number within the schema's bounds (3.0 and 3.1 exclusive forms) and multiple.

    Example:
        >>> number_for({"minimum": 10}, True), number_for({"exclusiveMaximum": 0}, True)
        (10, -1)
        >>> number_for({"minimum": 7, "multipleOf": 5}, True), number_for({}, False)
        (10, 1.5)
    """
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
    step = 1 if integer else 0.5
    value: float = 1 if integer else 1.5
    if low is not None and (value < low or (low_open and value <= low)):
        value = low + step if low_open else low
    if high is not None and (value > high or (high_open and value >= high)):
        value = high - step if high_open else high
        if low is not None and value < low:
            value = (low + high) / 2
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and multiple > 0:
        value = math.ceil(value / multiple) * multiple
        if isinstance(multiple, int):
            value = int(value)
    return math.ceil(value) if integer else float(value)


def vary_number(value: int | float, schema: Mapping[str, Any], variant: int) -> int | float:
    """Another valid number for the ``variant``-th item of an array (so unique items differ).

    Example:
        >>> [vary_number(1, {"maximum": 2}, i) for i in range(3)]
        [1, 2, -1]
    """
    if not variant:
        return value
    multiple = schema.get("multipleOf")
    step = multiple if isinstance(multiple, int | float) and multiple > 0 else 1
    for candidate in (value + variant * step, value - variant * step):
        if _number_ok(float(candidate), schema):
            return candidate
    return value


def _bound(schema: Mapping[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    flag = schema.get(exclusive)
    if isinstance(flag, int | float) and not isinstance(flag, bool):  # 3.1: a number
        return float(flag), True
    bound = schema.get(inclusive)
    if isinstance(bound, int | float) and not isinstance(bound, bool):
        return float(bound), flag is True
    return None, False


def fits(value: Any, schema: Mapping[str, Any], types: list[str]) -> bool:
    """A light check that a schema's own example (or default) is valid for it.

    Example:
        >>> fits("2024-01-15", {"format": "date"}, ["string"])
        True
        >>> fits(99, {"maximum": 5}, ["integer"])
        False
    """
    if value is None:
        return False
    kind = types[0] if types else None
    if kind == "string":
        if not isinstance(value, str) or not length_ok(value, schema):
            return False
        shape = _SHAPES.get(str(schema.get("format")))
        if shape is not None and not shape.match(value):
            return False
        pattern = schema.get("pattern")
        try:
            return not isinstance(pattern, str) or re.search(pattern, value) is not None
        except re.error:
            return False
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if kind == "integer" and not float(value).is_integer():
            return False
        return _number_ok(float(value), schema)
    if kind == "boolean":
        return isinstance(value, bool)
    return kind is None and isinstance(value, str | int | float | bool)


def _number_ok(value: float, schema: Mapping[str, Any]) -> bool:
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
    if low is not None and (value < low or (low_open and value == low)):
        return False
    return high is None or not (value > high or (high_open and value == high))


def length_ok(text: str, schema: Mapping[str, Any]) -> bool:
    """True when ``text`` respects the schema's ``minLength`` and ``maxLength``.

    Example:
        >>> length_ok("abc", {"minLength": 2, "maxLength": 3}), length_ok("abc", {"maxLength": 2})
        (True, False)
    """
    high = schema.get("maxLength")
    return len(text) >= int(schema.get("minLength") or 0) and (
        not isinstance(high, int) or len(text) <= high
    )
