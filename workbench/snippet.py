"""The Python call equivalent to a form's values: code to paste into a cell and run.

Example:
    >>> python_call("crm", "get", {"path": "users", "params": {"page": 2}})
    'wb.connect("crm").get(path="users", params={"page": 2})'
    >>> print(python_call("crm", "login", {"token": "x"}, secrets={"token": "crm/token"}))
    from workbench.config.secrets import default_secret_store as secrets
    wb.connect("crm").login(token=secrets().get("crm/token"))
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Mapping
from typing import Any

from workbench.redaction import redact
from workbench.results.frames import is_dataframe
from workbench.sdk.action import ActionSpec

_PLACEHOLDER = "..."
SECRETS_IMPORT = "from workbench.config.secrets import default_secret_store as secrets"
"""The line that code naming a stored secret starts with."""


def call_arguments(spec: ActionSpec, values: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Split argument values into the positional-only ones (in order) and the keywords.

    Example:
        >>> import workbench as wb
        >>> call_arguments(wb.connect("shop").action_specs["query"], {"sql": "select 1", "n": 2})
        (['select 1'], {'n': 2})
    """
    rest = dict(values)
    positional = []
    for parameter in spec.parameters:
        if parameter.kind is not inspect.Parameter.POSITIONAL_ONLY or parameter.name not in rest:
            break
        positional.append(rest.pop(parameter.name))
    return positional, rest


def python_call(
    connection: str,
    action: str | ActionSpec,
    values: Mapping[str, Any],
    *,
    secrets: Mapping[str, str] | None = None,
) -> str:
    """``wb.connect(connection).action(...)`` with ``values`` as arguments, on one line.

    An argument in ``secrets`` (argument name -> secret-store name) is read from the secret
    store by name, after a line importing it, so the code runs as pasted and holds no
    secret value.

    Given the action's spec, its positional-only inputs are written positionally (as the
    call needs them). Values are written as Python literals; a DataFrame, bytes or an
    object with no literal form becomes ``...`` and a comment says what goes there.
    Known secret values are masked.

    Example:
        >>> import workbench as wb
        >>> shop = wb.connect("shop")
        >>> python_call("shop", shop.action_specs["query"], {"sql": "select 1", "e-mail": "a@b"})
        'wb.connect("shop").query("select 1", **{"e-mail": "a@b"})'
    """
    if isinstance(action, ActionSpec):
        name = action.name
        positional, keywords = call_arguments(action, values)
        labels = [p.name for p in action.parameters]
    else:
        name, positional, keywords, labels = action, [], dict(values), []
    notes: list[str] = []
    named = dict(secrets or {})

    def argument(label: str, value: Any) -> str:
        if label in named:
            return f"secrets().get({_literal(named[label])})"
        return _argument(label, value, notes)

    parts = [argument(label, v) for label, v in zip(labels, positional, strict=False)]
    unusual: dict[str, str] = {}
    for key, value in keywords.items():
        text = argument(key, value)
        if key.isidentifier() and not keyword.iskeyword(key):
            parts.append(f"{key}={text}")
        else:
            unusual[key] = text
    if unusual:
        parts.append("**{" + ", ".join(f"{_literal(k)}: {v}" for k, v in unusual.items()) + "}")
    line = f"wb.connect({_literal(connection)}).{name}({', '.join(parts)})"
    if notes:
        line += "  # replace ... with " + "; ".join(notes)
    if any(label in named for label in [*labels[: len(positional)], *keywords]):
        line = f"{SECRETS_IMPORT}\n{line}"
    return redact(line)


def _argument(label: str, value: Any, notes: list[str]) -> str:
    """The literal of ``value``, or ``...`` with a note of what it stands for."""
    if is_dataframe(value):
        rows, columns = value.shape
        notes.append(f"{label}: a DataFrame of {rows:,} rows and {columns:,} columns")
        return _PLACEHOLDER
    if isinstance(value, bytes | bytearray | memoryview):
        notes.append(f"{label}: {len(bytes(value)):,} bytes")
        return _PLACEHOLDER
    text = _literal(value)
    if text.startswith("<") or "\n" in text:  # a repr that is no one-line expression
        notes.append(f"{label}: a {type(value).__name__}")
        return _PLACEHOLDER
    return text


def _literal(value: Any) -> str:
    """``repr`` with double-quoted strings (as ruff and black write them)."""
    if isinstance(value, str):
        text = repr(value)
        return f'"{text[1:-1]}"' if text.startswith("'") and '"' not in value else text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)
