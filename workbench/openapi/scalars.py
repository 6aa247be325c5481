"""Example scalars: text for string formats, numbers within bounds, and checks of given examples."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from typing import Any

from workbench.openapi.patterns import backtracks

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


def count(schema: Mapping[str, Any], keyword: str) -> int:
    """A count keyword (``minItems``, ``minLength``, ...) as a non-negative int; 0 when
    absent or not a number.

    Example:
        >>> count({"minItems": 3}, "minItems"), count({"minItems": "many"}, "minItems")
        (3, 0)
    """
    value = schema.get(keyword)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return 0
    return int(value) if math.isfinite(value) else 0


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
    if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple > 0:
        ratio = value / multiple
        if math.isfinite(ratio) and math.isfinite(math.ceil(ratio) * multiple):
            value = math.ceil(ratio) * multiple
            if isinstance(multiple, int):
                value = int(value)
    if not math.isfinite(value):
        return 1 if integer else 1.5
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
        if _number_ok(_float(candidate), schema):
            return candidate
    return value


def _float(value: int | float) -> float:
    """``value`` as a float; an int too large for one is infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _bound(schema: Mapping[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    flag = schema.get(exclusive)
    if isinstance(flag, int | float) and not isinstance(flag, bool):  # 3.1: a number
        found = _float(flag)
        return (found, True) if math.isfinite(found) else (None, False)
    bound = schema.get(inclusive)
    if isinstance(bound, int | float) and not isinstance(bound, bool):
        found = _float(bound)
        return (found, flag is True) if math.isfinite(found) else (None, False)
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
        if not isinstance(pattern, str):
            return True
        if backtracks(pattern):
            return False  # checking could take exponential time: make one instead
        try:
            return re.search(pattern, value) is not None
        except (re.error, RecursionError, OverflowError):
            return False
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        number = _float(value)
        if not math.isfinite(number) or (kind == "integer" and not number.is_integer()):
            return False
        return _number_ok(number, schema)
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
    return len(text) >= count(schema, "minLength") and (
        not isinstance(high, int) or len(text) <= high
    )
