"""The allowed values and ranges a ``parameters`` cell can declare, read without running it.

A parameter's annotation says what it accepts, in standard Python typing, so the cell still
runs as it is::

    from typing import Annotated, Literal
    from annotated_types import Interval, MaxLen

    status: Literal["pending", "paid", "shipped"] = "shipped"
    limit: Annotated[int, Interval(ge=1, le=100)] = 10
    note: Annotated[str, "shown in the API's description", MaxLen(200)] = ""

``Literal[...]`` gives the allowed values; ``Annotated[TYPE, RULE, ...]`` the rules: ``Ge``,
``Gt``, ``Le``, ``Lt``, ``Interval(ge=, gt=, le=, lt=)``, ``MinLen``, ``MaxLen``,
``Len(min, max)`` (from ``annotated_types``) or pydantic's ``Field(ge=..., max_length=...)``;
a string in ``Annotated`` is the parameter's description. ``wb run``, schedules, triggers
and ``wb serve`` all check values against them (a refusal names the rule), and the served
notebook's OpenAPI document publishes them.

Example:
    >>> import ast
    >>> limits = limits_of(ast.parse("Annotated[int, Interval(ge=1, le=100)]").body[0].value)
    >>> limits.describe(), limits.schema()
    ('from 1 to 100', {'minimum': 1, 'maximum': 100})
    >>> limits.check("limit", -1, notebook="orders.ipynb")
    Traceback (most recent call last):
    ...
    workbench.errors.ParameterError: orders.ipynb: parameter 'limit' must be from 1 to 100, got -1
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Any

from workbench.errors import ParameterError

_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum"}
_RULES = "Ge, Gt, Le, Lt, Interval, MinLen, MaxLen, Len or Field(...)"


@dataclass(frozen=True)
class Limits:
    """What a parameter accepts beyond its type; None where nothing is said."""

    choices: tuple[Any, ...] | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    description: str | None = None

    def check(self, name: str, value: Any, *, notebook: str) -> None:
        """Raise a ParameterError naming the rule ``value`` breaks (None passes)."""
        if value is None:
            return
        if self.choices is not None and value not in self.choices:
            self._refuse(name, value, notebook)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if numeric and (
            (self.ge is not None and not value >= self.ge)
            or (self.gt is not None and not value > self.gt)
            or (self.le is not None and not value <= self.le)
            or (self.lt is not None and not value < self.lt)
        ):
            self._refuse(name, value, notebook)
        if isinstance(value, str | list | dict) and (
            (self.min_length is not None and len(value) < self.min_length)
            or (self.max_length is not None and len(value) > self.max_length)
        ):
            self._refuse(name, value, notebook)

    def _refuse(self, name: str, value: Any, notebook: str) -> None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ParameterError(
            f"{notebook}: parameter {name!r} must be {self.describe()}, got {shown}"
        )

    def describe(self) -> str:
        """The rules in words: ``one of 'a', 'b'``, ``from 1 to 100``, ``at most 20 long``."""
        parts: list[str] = []
        if self.choices is not None:
            parts.append("one of " + ", ".join(repr(c) for c in self.choices))
        low = (self.ge, "") if self.ge is not None else (self.gt, " (excluded)")
        high = (self.le, "") if self.le is not None else (self.lt, " (excluded)")
        if low[0] is not None and high[0] is not None:
            parts.append(f"from {_number(low[0])}{low[1]} to {_number(high[0])}{high[1]}")
        elif low[0] is not None:
            parts.append(("above " if self.gt is not None else "at least ") + _number(low[0]))
        elif high[0] is not None:
            parts.append(("below " if self.lt is not None else "at most ") + _number(high[0]))
        if self.min_length is not None and self.max_length is not None:
            parts.append(f"{self.min_length} to {self.max_length} long")
        elif self.min_length is not None:
            parts.append(f"at least {self.min_length} long")
        elif self.max_length is not None:
            parts.append(f"at most {self.max_length} long")
        return ", and ".join(parts) or "anything"

    def schema(self) -> dict[str, Any]:
        """The rules as JSON Schema keywords (for ``/openapi.json``)."""
        found: dict[str, Any] = {}
        if self.choices is not None:
            found["enum"] = list(self.choices)
        for name, keyword in _BOUNDS.items():
            bound = getattr(self, name)
            if bound is not None:
                found[keyword] = bound
        if self.min_length is not None:
            found["minLength"] = self.min_length
        if self.max_length is not None:
            found["maxLength"] = self.max_length
        return found


def limits_of(annotation: ast.expr, *, where: str = "the parameters cell") -> Limits | None:
    """The limits an annotation declares (None for a plain type such as ``int``)."""
    head, args = _subscript(annotation)
    if head == "Literal":
        return Limits(choices=tuple(_constant(a, where) for a in args))
    if head != "Annotated" or not args:
        return None
    limits = limits_of(args[0], where=where) or Limits()
    for rule in args[1:]:
        limits = _with_rule(limits, rule, where)
    return limits


def base_type(annotation: ast.expr) -> ast.expr:
    """The type an annotation wraps: ``int`` in ``Annotated[int, ...]``, else itself."""
    head, args = _subscript(annotation)
    return args[0] if head == "Annotated" and args else annotation


def _subscript(node: ast.expr) -> tuple[str | None, list[ast.expr]]:
    if not isinstance(node, ast.Subscript):
        return None, []
    head = _name(node.value)
    inner = node.slice
    return head, list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr  # typing.Literal, annotated_types.Ge
    return None


def _constant(node: ast.expr, where: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ParameterError(f"{where}: {ast.unparse(node)!r} is not a literal value") from None


def _with_rule(limits: Limits, rule: ast.expr, where: str) -> Limits:
    changes: dict[str, Any] = _rule(rule, where)
    return replace(limits, **changes)


def _rule(rule: ast.expr, where: str) -> dict[str, Any]:
    """The fields of :class:`Limits` one ``Annotated`` entry sets."""
    if isinstance(rule, ast.Constant) and isinstance(rule.value, str):
        return {"description": rule.value}
    if not isinstance(rule, ast.Call):
        raise ParameterError(f"{where}: {ast.unparse(rule)!r} is not a rule; use {_RULES}")
    name = _name(rule.func)
    positional = [_constant(a, where) for a in rule.args]
    keywords = {k.arg: _constant(k.value, where) for k in rule.keywords if k.arg is not None}
    if name in ("Ge", "Gt", "Le", "Lt") and len(positional) == 1 and not keywords:
        return {name.lower(): _bound(positional[0], rule, where)}
    if name in ("Interval", "Field") and not positional:
        known = {*_BOUNDS, "min_length", "max_length", "description"}
        if name == "Interval":
            known = set(_BOUNDS)
        unknown = sorted(set(keywords) - known)
        if unknown:
            raise ParameterError(f"{where}: {name}() takes {', '.join(sorted(known))}")
        return {k: _bound(v, rule, where) if k in _BOUNDS else v for k, v in keywords.items()}
    if name in ("MinLen", "MaxLen") and len(positional) == 1:
        field = "min_length" if name == "MinLen" else "max_length"
        return {field: _length(positional[0], rule, where)}
    if name == "Len" and 1 <= len(positional) <= 2:
        high = _length(positional[1], rule, where) if len(positional) == 2 else None
        return {"min_length": _length(positional[0], rule, where), "max_length": high}
    raise ParameterError(f"{where}: {ast.unparse(rule)!r} is not a rule; use {_RULES}")


def _bound(value: Any, rule: ast.expr, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"{where}: {ast.unparse(rule)!r}: a bound must be a number")
    return value


def _length(value: Any, rule: ast.expr, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ParameterError(f"{where}: {ast.unparse(rule)!r}: a length is a whole number >= 0")
    return value


def _number(value: float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
