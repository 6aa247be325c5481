"""Arguments written on a magic's line: ``key=value`` pairs, literals and namespace values.

A value is read as a Python literal (``3``, ``'a b'``, ``[1, 2]``, ``None``); anything
else is plain text. ``$name`` (or ``$name.attribute``) and ``{expression}`` take the
object itself from the user's namespace, so a DataFrame or a list passes through
unchanged, never as its text.

Example:
    >>> split_arguments("shop query 'select 1' limit=5 status=$s", {"s": "shipped"})
    (['shop', 'query', 'select 1'], {'limit': 5, 'status': 'shipped'})
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from workbench.errors import ActionArgumentError

_KEY = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.DOTALL)
_VARIABLE = re.compile(r"^\$([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)$")


def split_arguments(line: str, namespace: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Positional values and ``key=value`` keywords of a magic's line, each value resolved."""
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for token in tokens(line):
        match = _KEY.match(token)
        if match is None:
            if keywords:
                raise ActionArgumentError(
                    f"{token!r} comes after key=value arguments; put it first"
                )
            positional.append(resolve_value(token, namespace))
        else:
            keywords[match.group(1)] = resolve_value(match.group(2), namespace, match.group(1))
    return positional, keywords


def tokens(line: str) -> list[str]:
    """The line split on spaces outside quotes and brackets; quotes are kept.

    Example:
        >>> tokens("send channel=#ops text='hi there' data={'a': [1, 2]}")
        ['send', 'channel=#ops', "text='hi there'", "data={'a': [1, 2]}"]
    """
    out: list[str] = []
    current: list[str] = []
    quote = ""
    depth = 0
    escaped = False
    for ch in line:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch.isspace() and depth == 0:
            if current:
                out.append("".join(current))
                current = []
            continue
        current.append(ch)
    if quote:
        raise ActionArgumentError(f"unclosed {quote} quote in {line!r}")
    if current:
        out.append("".join(current))
    return out


def resolve_value(text: str, namespace: Mapping[str, Any], key: str | None = None) -> Any:
    """One value: ``$name`` or ``{expression}`` from ``namespace``, else a literal, else text.

    Example:
        >>> resolve_value("{n + 1}", {"n": 41}), resolve_value("'x y'", {}), resolve_value("ok", {})
        (42, 'x y', 'ok')
    """
    where = f"argument {key!r}" if key else f"value {text!r}"
    variable = _VARIABLE.match(text)
    if variable:
        name, attributes = variable.groups()
        if name not in namespace:
            raise ActionArgumentError(f"{where}: no variable ${name} in the notebook")
        value = namespace[name]
        for attribute in filter(None, attributes.split(".")):
            try:
                value = getattr(value, attribute)
            except AttributeError:
                raise ActionArgumentError(
                    f"{where}: ${name}{attributes} has no {attribute!r}"
                ) from None
        return value
    if len(text) > 1 and text.startswith("{") and text.endswith("}") and not _is_literal(text):
        try:
            return eval(text[1:-1], {}, dict(namespace))  # noqa: S307 - the user's own notebook
        except Exception as exc:
            raise ActionArgumentError(
                f"{where}: {text} failed: {type(exc).__name__}: {exc}"
            ) from None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _is_literal(text: str) -> bool:
    """True for a dict or set literal such as ``{"a": 1}`` (not an expression to evaluate)."""
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False
    return True
