"""A notebook's parameters: read from its ``parameters`` cell, then checked before a run.

The cell tagged ``parameters`` declares each parameter as an assignment of a literal
default (``day = "2024-01-01"``, ``limit: int = 100``); the default's type is the
parameter's type (``int``, ``float``, ``str``, ``bool``, ``list``, ``dict``), and a
``None`` default (or one that is not a literal) accepts any value. An annotation of one
of those types wins over the default. Values passed to a run are checked against the
declaration before any kernel starts; command-line values (always text) are converted
first with :func:`from_text`.

Example:
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell('connection = "shop"\\nlimit = 10')
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb = nbformat.v4.new_notebook(cells=[cell])
    >>> declared = declared_parameters(nb)
    >>> declared["limit"]
    Parameter(name='limit', type='int', default=10)
    >>> check_parameters({"limit": from_text("25", declared["limit"])}, declared,
    ...                  notebook="etl.ipynb")
    {'limit': 25}
"""

from __future__ import annotations

import ast
import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import ParameterError
from workbench.jobs.run.limits import Limits, base_type, limits_of
from workbench.redaction import known_secrets

TAG = "parameters"
ANY = "any"
TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}
_MAGIC = re.compile(r"^\s*[%!]")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, type name (``any`` for untyped), default, and the
    values and ranges it accepts (:mod:`workbench.jobs.run.limits`)."""

    name: str
    type: str = ANY
    default: Any = None
    limits: Limits | None = field(default=None, repr=False)


def declared_parameters(nb: Any, *, notebook: str = "the notebook") -> dict[str, Parameter]:
    """The parameters declared in the first cell tagged ``parameters`` (none without one)."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and TAG in cell.get("metadata", {}).get("tags", []):
            return parse_cell(cell.source, notebook=notebook)
    return {}


def parse_cell(source: str, *, notebook: str = "the notebook") -> dict[str, Parameter]:
    """The parameters a ``parameters`` cell's source declares, in order.

    Example:
        >>> parse_cell("rows: int = 5  # how many\\nsince = None")["since"]
        Parameter(name='since', type='any', default=None)
    """
    # Line magics and shell escapes are not Python; they declare nothing.
    text = "\n".join("" if _MAGIC.match(line) else line for line in source.splitlines())
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise ParameterError(
            f"{notebook}: the cell tagged 'parameters' is not valid Python "
            f"(line {exc.lineno}: {exc.msg})"
        ) from None
    found: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value, annotation = node.targets, node.value, None
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value, annotation = [node.target], node.value, node.annotation
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = _parameter(target.id, value, annotation, notebook)
    return found


def _parameter(name: str, value: ast.expr, annotation: ast.expr | None, notebook: str) -> Parameter:
    try:
        default = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        default = None
        kind = ANY
    else:
        kind = _type_of(default)
    limits = None
    if annotation is not None:
        where = f"{notebook}: parameter {name!r}"
        limits = limits_of(annotation, where=where)
        base = base_type(annotation)
        if isinstance(base, ast.Name) and base.id in TYPES:
            kind = base.id
        elif limits is not None and limits.choices:
            kind = _common_type(limits.choices)
        if limits is not None and default is not None:
            try:
                limits.check(name, default, notebook=notebook)
            except ParameterError:
                raise ParameterError(
                    f"{where}: its default {default!r} is not {limits.describe()}"
                ) from None
    return Parameter(name, kind, default, limits)


def _common_type(choices: tuple[Any, ...]) -> str:
    kinds = {_type_of(choice) for choice in choices}
    return kinds.pop() if len(kinds) == 1 else ANY


def _type_of(value: Any) -> str:
    for name in ("bool", "int", "float", "str", "dict"):
        if type(value) is TYPES[name][-1]:
            return name
    return "list" if isinstance(value, list | tuple) else ANY


def from_text(text: str, parameter: Parameter) -> Any:
    """A command-line value converted to the parameter's type.

    ``"3"`` becomes 3 for an ``int``, ``"true"`` / ``"false"`` a ``bool``, JSON text a
    ``list`` or ``dict``; an untyped parameter takes JSON where the text is JSON, else text.

    Example:
        >>> from_text("true", Parameter("dry_run", "bool", False))
        True
        >>> from_text('["a", "b"]', Parameter("tables", "list", []))
        ['a', 'b']
    """
    kind = parameter.type
    if kind == "str":
        return text
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return _Unconverted(text)
    if kind == ANY:
        try:
            return json.loads(text)
        except ValueError:
            return text
    try:
        value = int(text) if kind == "int" else float(text) if kind == "float" else json.loads(text)
    except ValueError:
        return _Unconverted(text)
    return value


class CommandLineText(str):
    """A value given as text (``wb run -p KEY VALUE``): converted with :func:`from_text`
    to the declared type when :func:`check_parameters` checks it.

    Example:
        >>> check_parameters({"limit": CommandLineText("25")},
        ...                  {"limit": Parameter("limit", "int", 10)}, notebook="etl.ipynb")
        {'limit': 25}
    """

    __slots__ = ()


class _Unconverted(str):
    """Text that did not convert; :func:`check_parameters` reports it against the type."""

    __slots__ = ()


def check_parameters(
    values: Mapping[str, Any], declared: Mapping[str, Parameter], *, notebook: str
) -> dict[str, Any]:
    """``values`` checked against ``declared``: names known, types right, no secret values.

    Raises :class:`ParameterError` naming the parameter, what was expected and the notebook.

    Example:
        >>> check_parameters({"limt": 5}, {"limit": Parameter("limit", "int", 10)},
        ...                  notebook="etl.ipynb")
        Traceback (most recent call last):
        ...
        workbench.errors.ParameterError: etl.ipynb has no parameter 'limt'; did you mean 'limit'?
    """
    checked: dict[str, Any] = {}
    for name, value in values.items():
        parameter = declared.get(name)
        if parameter is None:
            raise ParameterError(_unknown(name, declared, notebook))
        if _holds_secret(value):
            raise ParameterError(_REFUSED_VALUE.format(notebook=notebook, name=name))
        if isinstance(value, CommandLineText):
            value = from_text(str(value), parameter)
        checked[name] = _checked_value(parameter, value, notebook)
    return checked


def refuse_secrets(values: Mapping[str, Any], *, notebook: str) -> None:
    """A ParameterError if a value holds a registered secret (register them first)."""
    for name, value in values.items():
        if _holds_secret(value):
            raise ParameterError(_REFUSED_VALUE.format(notebook=notebook, name=name))


_REFUSED_VALUE = (
    "{notebook}: parameter {name!r} holds a secret value; pass the name of a connection "
    "(or of a stored secret) instead, never the secret itself"
)


def _checked_value(parameter: Parameter, value: Any, notebook: str) -> Any:
    kind = parameter.type
    if not _fits(kind, value):
        shown = repr(str(value)) if isinstance(value, _Unconverted) else _describe(value)
        raise ParameterError(
            f"{notebook}: parameter {parameter.name!r} expects {_expected(kind)}, got {shown}"
        )
    if isinstance(value, tuple):
        value = list(value)
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{notebook}: parameter {parameter.name!r} must hold JSON-like values "
            f"(text, numbers, booleans, None, lists, dicts), got {_describe(value)}"
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(
            f"{notebook}: parameter {parameter.name!r} expects a finite number, got {value!r}"
        )
    if parameter.limits is not None:
        parameter.limits.check(parameter.name, value, notebook=notebook)
    return value


def _fits(kind: str, value: Any) -> bool:
    if isinstance(value, _Unconverted):
        return False
    if kind == ANY:
        return True
    if isinstance(value, bool):  # a bool is an int to Python, never to a parameter
        return kind == "bool"
    return isinstance(value, TYPES[kind])


def _expected(kind: str) -> str:
    return {
        "int": "an int (e.g. 3)",
        "float": "a float (e.g. 0.5)",
        "str": "a str",
        "bool": "a bool (true or false)",
        "list": 'a list (JSON, e.g. ["a", "b"])',
        "dict": 'a dict (JSON, e.g. {"key": 1})',
    }[kind]


def _describe(value: Any) -> str:
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _unknown(name: str, declared: Mapping[str, Parameter], notebook: str) -> str:
    if not declared:
        return f"{notebook} has no cell tagged 'parameters', so it takes no parameter {name!r}"
    close = difflib.get_close_matches(name, list(declared), n=3)
    if close:
        return (
            f"{notebook} has no parameter {name!r}; did you mean "
            + " or ".join(repr(c) for c in close)
            + "?"
        )
    return f"{notebook} has no parameter {name!r}; its parameters are: " + ", ".join(declared)


def _holds_secret(value: Any) -> bool:
    secrets = known_secrets()
    if not secrets:
        return False
    if isinstance(value, str):
        return any(secret in value for secret in secrets)
    if isinstance(value, dict):
        return any(_holds_secret(k) or _holds_secret(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_secret(v) for v in value)
    return False
