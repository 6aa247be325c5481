"""Swagger 2.0 fragments in OpenAPI 3 form: schemas and references, parameter schemas, auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REFS = {
    "#/definitions/": "#/components/schemas/",
    "#/parameters/": "#/components/parameters/",
    "#/responses/": "#/components/responses/",
}
SCHEMA_KEYS = (
    *("type", "format", "items", "default", "enum", "multipleOf", "pattern", "uniqueItems"),
    *("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"),
    *("maxLength", "minLength", "maxItems", "minItems"),
)
FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def rewrite(node: Any) -> Any:
    """A copy of a Swagger 2.0 fragment in OpenAPI 3 form: references, nullable, file, discriminator.

    Example:
        >>> rewrite({"$ref": "#/definitions/Pet", "x-nullable": True, "type": "file"})
        {'$ref': '#/components/schemas/Pet', 'nullable': True, 'type': 'string', 'format': 'binary'}
    """  # noqa: E501
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = _ref(value)
            elif key == "x-nullable" and isinstance(value, bool):
                out["nullable"] = value
            elif key == "discriminator" and isinstance(value, str):
                out[key] = {"propertyName": value}
            elif key == "type" and value == "file":
                out.update(type="string", format="binary")
            else:
                out[key] = rewrite(value)
        return out
    if isinstance(node, list):
        return [rewrite(item) for item in node]
    return node


def _ref(ref: str) -> str:
    for old, new in REFS.items():
        if ref.startswith(old):
            return new + ref[len(old) :]
    return ref


def parameter_schema(param: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of a non-body parameter, header or items object.

    Example:
        >>> parameter_schema({"name": "ids", "in": "query", "type": "array",
        ...                   "items": {"type": "integer"}, "collectionFormat": "csv"})
        {'type': 'array', 'items': {'type': 'integer'}}
    """
    schema = {key: rewrite(param[key]) for key in SCHEMA_KEYS if key in param and key != "items"}
    if isinstance(param.get("items"), Mapping):
        schema["items"] = parameter_schema(param["items"])
    if schema.get("type") == "file":
        schema.update(type="string", format="binary")
    if param.get("x-nullable") is True:
        schema["nullable"] = True
    return schema


def security_scheme(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A ``securityDefinitions`` entry as an OpenAPI 3 security scheme.

    Example:
        >>> security_scheme({"type": "oauth2", "flow": "application",
        ...                  "tokenUrl": "https://a.example.com/token", "scopes": {"read": ""}})
        {'type': 'oauth2', 'flows': {'clientCredentials': {'scopes': {'read': ''}, 'tokenUrl': 'https://a.example.com/token'}}}
    """
    kind = raw.get("type")
    out: dict[str, Any] = {"description": raw["description"]} if raw.get("description") else {}
    if kind == "basic":
        return {"type": "http", "scheme": "basic", **out}
    if kind == "oauth2":
        flow: dict[str, Any] = {"scopes": dict(raw.get("scopes") or {})}
        for key in ("authorizationUrl", "tokenUrl"):
            if key in raw:
                flow[key] = raw[key]
        name = FLOWS.get(str(raw.get("flow")), str(raw.get("flow")))
        return {"type": "oauth2", "flows": {name: flow}, **out}
    kept = ("type", "name", "in", "x-amazon-apigateway-authtype")
    return {**{k: v for k, v in raw.items() if k in kept}, **out}
