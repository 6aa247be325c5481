"""The OpenAPI 3.1 document of a notebook served with ``wb serve``.

The notebook's ``parameters`` cell gives the operation's parameters: each one a query
parameter of ``GET`` and a property of ``POST``'s JSON body, with its JSON Schema type,
its default, and the comment at the end of its line as description. The first markdown
heading is the title; the rest of that cell the description.

Example:
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell('status = "shipped"  # which orders\\nlimit = 10')
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Orders"), cell])
    >>> doc = openapi_document(nb, route="/orders", auth=True)
    >>> doc["info"]["title"], doc["openapi"]
    ('Orders', '3.1.0')
    >>> doc["paths"]["/orders"]["get"]["parameters"][0]
    {'name': 'status', 'in': 'query', 'required': False, 'description': 'which orders', \
'schema': {'type': 'string', 'default': 'shipped'}}
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from typing import Any

from workbench import __version__
from workbench.jobs.run.parameters import ANY, TAG, Parameter, declared_parameters

JSON_TYPES = {
    "int": "integer",
    "float": "number",
    "str": "string",
    "bool": "boolean",
    "list": "array",
    "dict": "object",
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "The error's class"},
        "message": {"type": "string", "description": "What went wrong (secrets masked)"},
        "parameter": {"type": "string", "description": "The parameter at fault"},
        "run": {"type": "string", "description": "The run's id (see: wb runs)"},
        "cell": {"type": "integer", "description": "The failing cell, counted from 0"},
    },
    "required": ["error", "message"],
}
_ASSIGNED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=")


def openapi_document(nb: Any, *, route: str, auth: bool, notebook: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``nb`` served at ``route`` (bearer auth if ``auth``)."""
    declared = declared_parameters(nb, notebook=notebook or "the notebook")
    notes = parameter_notes(nb)
    title, description = _title(nb, notebook or route)
    operation = operation_id(route)
    error = {"$ref": "#/components/schemas/Error"}
    responses: dict[str, Any] = {
        "200": {
            "description": "The notebook's response, from wb.respond(...)",
            "content": {"application/json": {"schema": {}}},
        },
        "400": _error_response("A parameter is unknown or of the wrong type", error),
        "500": _error_response("The notebook failed, or finished without responding", error),
        "504": _error_response("The run went past its timeout", error),
    }
    if auth:
        responses["401"] = _error_response("No bearer token, or a wrong one", error)
    security: dict[str, Any] = {"security": [{"bearer": []}]} if auth else {}
    body = {
        "type": "object",
        "properties": {name: _schema(p, notes.get(name)) for name, p in declared.items()},
        "additionalProperties": False,
    }
    paths = {
        route: {
            "get": {
                "operationId": operation,
                "summary": title,
                "parameters": [_query(p, notes.get(p.name)) for p in declared.values()],
                "responses": responses,
                **security,
            },
            "post": {
                "operationId": f"{operation}_post",
                "summary": title,
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": body}},
                },
                "responses": responses,
                **security,
            },
        }
    }
    components: dict[str, Any] = {"schemas": {"Error": ERROR_SCHEMA}}
    if auth:
        components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    info = {"title": title, "version": __version__}
    if description:
        info["description"] = description
    return {"openapi": "3.1.0", "info": info, "paths": paths, "components": components}


def operation_id(route: str) -> str:
    """An operation id from a route: ``/api/orders`` -> ``api_orders``.

    Example:
        >>> operation_id("/"), operation_id("/api/v1/orders")
        ('root', 'api_v1_orders')
    """
    return re.sub(r"[^A-Za-z0-9]+", "_", route).strip("_") or "root"


def parameter_notes(nb: Any) -> dict[str, str]:
    """The comment at the end of each parameter's line, by parameter name.

    Example:
        >>> import nbformat
        >>> cell = nbformat.v4.new_code_cell("limit: int = 10  # at most this many\\nday = None")
        >>> cell.metadata["tags"] = ["parameters"]
        >>> parameter_notes(nbformat.v4.new_notebook(cells=[cell]))
        {'limit': 'at most this many'}
    """
    source = next(
        (
            cell.source
            for cell in nb.cells
            if cell.get("cell_type") == "code" and TAG in cell.get("metadata", {}).get("tags", [])
        ),
        "",
    )
    lines = source.splitlines()
    notes: dict[str, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return notes
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        line = lines[token.start[0] - 1] if token.start[0] <= len(lines) else ""
        match = _ASSIGNED.match(line)
        text = token.string.lstrip("#").strip()
        if match and text and token.start[1] > 0:
            notes[match.group(1)] = text
    return notes


def _schema(parameter: Parameter, note: str | None) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if parameter.type != ANY:
        schema["type"] = JSON_TYPES[parameter.type]
    if parameter.type == "list":
        schema["items"] = {}
    if parameter.limits is not None:
        schema.update(parameter.limits.schema())
        note = note or parameter.limits.description
    if note:
        schema["description"] = note
    default = _json_default(parameter.default)
    if default is not None or parameter.type == ANY:
        schema["default"] = default
    return schema


def _query(parameter: Parameter, note: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": parameter.name, "in": "query", "required": False}
    if note:
        entry["description"] = note
    schema = _schema(parameter, None)
    if parameter.type in ("list", "dict"):
        entry["content"] = {"application/json": {"schema": schema}}  # JSON text in the query
    else:
        entry["schema"] = schema
    return entry


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        value = list(value)
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return value


def _error_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _title(nb: Any, fallback: str) -> tuple[str, str]:
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        lines = cell.source.strip().splitlines()
        if lines and lines[0].startswith("# "):
            return lines[0][2:].strip(), "\n".join(lines[1:]).strip()
        break
    return fallback, ""
