"""The code cell "Insert into notebook" adds: the chosen call, by connection name.

The call is written by :func:`workbench.snippet.python_call` (the one the
panel's Code tab shows), so the sidebar and the panel write the same code. Values are
checked against the action's input schema first; a secret value typed in is masked.

Example:
    >>> print(cell_code("shop", "query", {"sql": "select 1 as one"}))
    import workbench as wb
    <BLANKLINE>
    wb.connect("shop").query("select 1 as one").df
"""

from __future__ import annotations

from typing import Any

import jsonschema

from workbench.lab.catalog import action_spec
from workbench.lab.problems import Problem


def cell_code(connection: str, action: str, values: dict[str, Any]) -> str:
    """A ready-to-run cell calling ``action`` of ``connection`` with ``values``.

    Example:
        >>> cell_code("shop", "query", {"sql": 1})
        Traceback (most recent call last):
        ...
        workbench.lab.problems.Problem: inputs.sql: 1 is not of type 'string'
    """
    from workbench.snippet import python_call

    spec = action_spec(connection, action)
    given = {key: value for key, value in values.items() if value is not None}
    validator = jsonschema.Draft202012Validator(spec.input_schema())
    for error in validator.iter_errors(given):
        where = ".".join(str(p) for p in error.absolute_path)
        raise Problem(400, f"inputs{'.' + where if where else ''}: {error.message}")
    call = python_call(connection, spec, given)
    return f"import workbench as wb\n\n{call}.df"
