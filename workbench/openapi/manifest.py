"""YAML manifests for APIs with no spec, validated with pydantic and read as OpenAPI 3.

A manifest names the base URL, the auth, a default pagination and the actions::

    name: todo
    title: To-do API
    base_url: https://todo.example.com/v1
    auth: {type: api_key, header: X-API-Key}
    pagination: {type: offset, limit: 100}
    actions:
      list_items:
        method: get
        path: /lists/{list_id}/items
        summary: List the items of a list.
        params:
          list_id: {type: integer}
          done: {type: boolean, default: false}
        records: data.items

It becomes an OpenAPI 3.0 document (``ApiSpec.document``), so the connector generator and
the sandbox treat it like any spec; ``records`` and ``pagination`` travel as the
``x-workbench-records`` and ``x-workbench-pagination`` extensions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.errors import SpecError
from workbench.openapi import documents, shape
from workbench.openapi.build import build_spec
from workbench.openapi.model import ApiSpec
from workbench.openapi.operations import PAGINATION_KEY, RECORDS_KEY, check_pagination

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_STRICT = ConfigDict(extra="forbid", populate_by_name=True)


class Param(BaseModel):
    """One parameter of an action."""

    model_config = _STRICT
    type: Literal["string", "integer", "number", "boolean", "array", "object"] = "string"
    location: Literal["query", "path", "header"] | None = Field(None, alias="in")
    required: bool = False
    default: Any = None
    description: str = ""
    enum: list[Any] | None = None
    items: dict[str, Any] | None = None


class Auth(BaseModel):
    """How requests authenticate; ``header`` (or ``name``) is the API key's header or query key."""

    model_config = _STRICT
    type: Literal["bearer", "basic", "api_key", "none"] = "none"
    header: str | None = None
    name: str | None = None
    location: Literal["header", "query"] = Field("header", alias="in")


class Action(BaseModel):
    """One action: the request it sends and where its records are."""

    model_config = _STRICT
    method: Literal["get", "put", "post", "delete", "patch", "head", "options"] = "get"
    path: str
    summary: str = ""
    description: str = ""
    params: dict[str, Param] = {}
    body: dict[str, Any] | None = None
    content_type: str = "application/json"
    records: str | None = None
    pagination: dict[str, Any] | Literal[False] | None = None
    response: dict[str, Any] | None = None

    @field_validator("method", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"must start with '/', got {value!r}")
        return value


class Manifest(BaseModel):
    """The whole manifest."""

    model_config = _STRICT
    name: str | None = None
    title: str = ""
    description: str = ""
    version: str = "1"
    base_url: str
    auth: Auth = Field(default_factory=lambda: Auth.model_validate({}))
    pagination: dict[str, Any] | None = None
    actions: dict[str, Action]

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not documents.is_url(value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value


def load_manifest(source: str | Path | Mapping[str, Any], *, name: str | None = None) -> ApiSpec:
    """Read a YAML (or JSON) manifest from a path, an http(s) URL or a mapping.

    Example:
        >>> spec = load_manifest({"base_url": "https://todo.example.com/v1",
        ...     "auth": {"type": "bearer"}, "pagination": {"type": "offset", "limit": 100},
        ...     "actions": {"list_items": {"path": "/lists/{list_id}/items",
        ...                                "records": "data.items"}}}, name="todo")
        >>> op = spec.operations["list_items"]
        >>> op.method, [p.python_name for p in op.parameters], op.records, op.pagination
        ('get', ['list_id'], 'data.items', {'type': 'offset', 'limit': 100})
        >>> load_manifest({"base_url": "https://x.example.com", "actions": {"a": {
        ...     "path": "/a", "params": {"page": {"type": "int"}}}}}, name="manifest.yaml")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: manifest.yaml: actions.a.params.page.type: Input should be 'string', 'integer', 'number', 'boolean', 'array' or 'object' (got 'int')

    Each pagination's fields are checked when the manifest is read:

        >>> load_manifest({"base_url": "https://x.example.com", "pagination": {"type": "page",
        ...     "limit": 50}, "actions": {}}, name="manifest.yaml")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: manifest.yaml: pagination: the default for every action: unknown field 'limit' for pagination 'page' (did you mean 'size'?); the fields of 'page' are: type, records, page_param, size_param, size, first_page, total_pages_path
    """  # noqa: E501
    label = name if isinstance(source, Mapping) else None
    document = documents.read(source, label=label)
    if not isinstance(document.data, Mapping):
        kind = shape.kind(document.data)
        raise SpecError(f"expected a mapping at the top, got {kind}", source=document.label)
    return manifest_spec(document.data, source=document.label, uri=document.uri, name=name)


def manifest_spec(
    data: Mapping[str, Any], *, source: str, uri: str, name: str | None = None
) -> ApiSpec:
    """Validate a parsed manifest and read it as an :class:`ApiSpec`."""
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_describe(exc), source=source) from None
    check_pagination(manifest.pagination, source, "pagination", "the default for every action")
    for key, action in manifest.actions.items():
        check_pagination(action.pagination, source, f"actions.{key}.pagination", f"action {key!r}")
    document = to_openapi(manifest, source)
    return build_spec(
        document, source=source, uri=uri, name=name or manifest.name, origin="manifest"
    )


def _describe(exc: ValidationError) -> str:
    """Each error as ``yaml.path: message (got value)``."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top)"
        shown = error.get("input")
        got = f" (got {shown!r})" if isinstance(shown, str | int | float | bool) else ""
        lines.append(f"{where}: {error['msg']}{got}")
    return "; ".join(lines)


def to_openapi(manifest: Manifest, source: str) -> dict[str, Any]:
    """The OpenAPI 3.0.3 document a manifest describes."""
    paths: dict[str, dict[str, Any]] = {}
    for key, action in manifest.actions.items():
        operations = paths.setdefault(action.path, {})
        if action.method in operations:
            other = operations[action.method]["operationId"]
            raise SpecError(
                f"{action.method.upper()} {action.path} is already action {other!r}",
                source=source,
                pointer=f"actions.{key}",
            )
        pagination = manifest.pagination if action.pagination is None else action.pagination
        operations[action.method] = _operation(key, action, pagination or None, source)
    info = {"title": manifest.title or manifest.name or "", "version": manifest.version}
    if manifest.description:
        info["description"] = manifest.description
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": info,
        "servers": [{"url": manifest.base_url}],
        "paths": paths,
    }
    scheme = _security_scheme(manifest.auth)
    if scheme is not None:
        document["components"] = {"securitySchemes": {manifest.auth.type: scheme}}
        document["security"] = [{manifest.auth.type: []}]
    return document


def _operation(
    key: str, action: Action, pagination: dict[str, Any] | None, source: str
) -> dict[str, Any]:
    placeholders = _PLACEHOLDER.findall(action.path)
    parameters = []
    for name, param in action.params.items():
        location = param.location or ("path" if name in placeholders else "query")
        if location == "path" and name not in placeholders:
            raise SpecError(
                f"'path' but {action.path} has no {{{name}}}",
                source=source,
                pointer=f"actions.{key}.params.{name}.in",
            )
        schema: dict[str, Any] = {"type": param.type}
        if param.type == "array":
            schema["items"] = param.items or {"type": "string"}
        if param.enum is not None:
            schema["enum"] = param.enum
        if param.default is not None:
            schema["default"] = param.default
        entry = {"name": name, "in": location, "required": param.required or location == "path"}
        if param.description:
            entry["description"] = param.description
        parameters.append({**entry, "schema": schema})
    operation: dict[str, Any] = {"operationId": key, "parameters": parameters}
    if action.summary:
        operation["summary"] = action.summary
    if action.description:
        operation["description"] = action.description
    if action.body is not None:
        content = {action.content_type: {"schema": action.body}}
        operation["requestBody"] = {"required": True, "content": content}
    response = {"schema": action.response or {}}
    operation["responses"] = {
        "200": {"description": "OK", "content": {"application/json": response}}
    }
    if action.records:
        operation[RECORDS_KEY] = action.records
    if pagination:
        operation[PAGINATION_KEY] = pagination
    return operation


def _security_scheme(auth: Auth) -> dict[str, Any] | None:
    if auth.type in ("bearer", "basic"):
        return {"type": "http", "scheme": auth.type}
    if auth.type == "api_key":
        default = "X-API-Key" if auth.location == "header" else "api_key"
        return {"type": "apiKey", "name": auth.name or auth.header or default, "in": auth.location}
    return None
