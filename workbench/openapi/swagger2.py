"""Swagger 2.0 converted to OpenAPI 3.0 form, so one reader handles both.

host, basePath and schemes become ``servers``; ``body`` and ``formData`` parameters a
``requestBody`` (one entry per ``consumes`` type); ``produces`` and response schemas
``content``; ``definitions``, ``parameters``, ``responses`` and ``securityDefinitions`` the
matching ``components``, with every ``#/definitions/X`` reference rewritten.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from workbench.errors import SpecError
from workbench.openapi import shape
from workbench.openapi.bodies import FORM, MULTIPART
from workbench.openapi.operations import METHODS
from workbench.openapi.parameters import SpecWarning
from workbench.openapi.refs import Resolver, escape
from workbench.openapi.swagger2_parts import parameter_schema, rewrite, security_scheme

PARAMETER_KEYS = ("name", "in", "description", "required", "allowEmptyValue", "deprecated")
_STYLES = {"ssv": ("spaceDelimited", False), "pipes": ("pipeDelimited", False)}


def convert(doc: Mapping[str, Any], *, source: str, uri: str) -> dict[str, Any]:
    """The OpenAPI 3.0.3 form of a Swagger 2.0 document (the input is not modified).

    Example:
        >>> doc = {"swagger": "2.0", "info": {"title": "Pets", "version": "1"},
        ...        "host": "pets.example.com", "basePath": "/v1", "schemes": ["https"],
        ...        "paths": {"/pets": {"post": {"consumes": ["application/json"],
        ...            "parameters": [{"in": "body", "name": "pet", "schema": {
        ...                "$ref": "#/definitions/Pet"}}],
        ...            "responses": {"200": {"description": "ok"}}}}},
        ...        "definitions": {"Pet": {"type": "object"}}}
        >>> out = convert(doc, source="pets.json", uri="file:///pets.json")
        >>> out["servers"], out["paths"]["/pets"]["post"]["requestBody"]["content"]
        ([{'url': 'https://pets.example.com/v1'}], {'application/json': {'schema': {'$ref': '#/components/schemas/Pet'}}})
    """  # noqa: E501
    return _Converter(doc, source, uri).run()


class _Converter:
    def __init__(self, doc: Mapping[str, Any], source: str, uri: str) -> None:
        self.doc, self.source, self.uri = doc, source, uri
        self.resolver = Resolver(doc, uri, source)
        self.consumes = self._list(doc.get("consumes"), "#/consumes") or ["application/json"]
        self.produces = self._list(doc.get("produces"), "#/produces") or ["application/json"]

    def _list(self, raw: Any, at: str) -> list[str]:
        return [str(item) for item in shape.sequence(raw, self.source, at, optional=True)]

    def _mapping(self, raw: Any, at: str, *, optional: bool = False) -> Mapping[str, Any]:
        return shape.mapping(raw, self.source, at, optional=optional)

    def run(self) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {"openapi": "3.0.3", "info": rewrite(doc.get("info") or {})}
        servers = self._servers()
        if servers:
            out["servers"] = servers
        for key, value in doc.items():
            if key in ("tags", "externalDocs", "security") or key.startswith("x-"):
                out[key] = rewrite(value)
        out["paths"] = self._paths(self._mapping(doc.get("paths"), "#/paths", optional=True))
        components = self._components()
        if components:
            out["components"] = components
        return out

    def _servers(self) -> list[dict[str, str]]:
        host, base_path = self.doc.get("host"), str(self.doc.get("basePath") or "")
        if isinstance(host, str) and "://" in host:  # a URL where a host belongs
            scheme, _, host = host.partition("://")
            self._warn("#/host", f"is a URL, not a host; read as host {host.rstrip('/')!r}")
            self.doc = {**self.doc, "schemes": self.doc.get("schemes") or [scheme]}
            host = host.rstrip("/")
        if base_path and not base_path.startswith("/"):
            self._warn(
                "#/basePath", f"{base_path!r} does not start with '/'; read as '/{base_path}'"
            )
            base_path = "/" + base_path
        here = urlsplit(self.uri)
        remote = here.scheme in ("http", "https")
        schemes = self._list(self.doc.get("schemes"), "#/schemes")
        schemes = schemes or [here.scheme if remote else "https"]
        if not host and remote:
            host = here.netloc
        if host:
            return [{"url": f"{scheme}://{host}{base_path}"} for scheme in schemes]
        return [{"url": base_path}] if base_path else []

    def _components(self) -> dict[str, Any]:
        doc, components = self.doc, {}
        definitions = self._mapping(doc.get("definitions"), "#/definitions", optional=True)
        if definitions:
            components["schemas"] = rewrite(definitions)
        parameters = {}
        for key, raw in self._mapping(doc.get("parameters"), "#/parameters", optional=True).items():
            at = f"#/parameters/{escape(key)}"
            param = self._mapping(raw, at)
            if param.get("in") not in ("body", "formData"):
                parameters[key] = self._parameter(param)
        if parameters:
            components["parameters"] = parameters
        responses = {
            key: self._response(raw, self.produces, f"#/responses/{escape(key)}")
            for key, raw in self._mapping(
                doc.get("responses"), "#/responses", optional=True
            ).items()
        }
        if responses:
            components["responses"] = responses
        schemes = self._mapping(
            doc.get("securityDefinitions"), "#/securityDefinitions", optional=True
        )
        if schemes:
            components["securitySchemes"] = {
                key: security_scheme(self._mapping(raw, f"#/securityDefinitions/{escape(key)}"))
                for key, raw in schemes.items()
            }
        return components

    def _warn(self, pointer: str, message: str) -> None:
        warnings.warn(f"{self.source}: {pointer}: {message}", SpecWarning, stacklevel=3)

    def _paths(self, paths: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, raw_item in paths.items():
            item_at = "#/paths/" + escape(path)
            if path.startswith("x-"):
                out[path] = rewrite(raw_item)
                continue
            item = self._mapping(raw_item, item_at)
            common = self._parameters(item.get("parameters"), f"{item_at}/parameters")
            converted: dict[str, Any] = {}
            shared = [value for kind, _, value in common if kind == "param"]
            if shared:
                converted["parameters"] = shared
            for key, value in item.items():
                if key in METHODS:
                    converted[key] = self._operation(value, f"{item_at}/{key}", common)
                elif key != "parameters":
                    converted[key] = rewrite(value)
            out[path] = converted
        return out

    def _parameters(self, raw: Any, at: str) -> list[tuple[str, tuple[Any, ...], Any]]:
        """(kind, key, value): kind param (converted or a reference), body or form (raw)."""
        found: list[tuple[str, tuple[Any, ...], Any]] = []
        for index, item in enumerate(shape.sequence(raw, self.source, at, optional=True)):
            where = f"{at}/{index}"
            item = self._mapping(item, where)
            try:
                param = self._mapping(self.resolver.follow(item), where)
            except SpecError:  # left as a reference: the operation is listed as unsupported
                found.append(("param", (where,), rewrite(item)))
                continue
            key = (param.get("name"), param.get("in"))
            if param.get("in") == "body":
                found.append(("body", key, param))
            elif param.get("in") == "formData":
                found.append(("form", key, param))
            else:
                value = rewrite(item) if "$ref" in item else self._parameter(param)
                found.append(("param", key, value))
        return found

    def _operation(self, raw: Any, at: str, common: list[Any]) -> dict[str, Any]:
        op = self._mapping(raw, at)
        skip = ("parameters", "consumes", "produces", "responses", "schemes")
        out = {key: rewrite(value) for key, value in op.items() if key not in skip}
        own = self._parameters(op.get("parameters"), f"{at}/parameters")
        merged = {key: (kind, value) for kind, key, value in [*common, *own]}
        own_params = [value for kind, _, value in own if kind == "param"]
        if own_params:
            out["parameters"] = own_params
        consumes = self._list(op.get("consumes"), f"{at}/consumes") or self.consumes
        bodies = [value for kind, value in merged.values() if kind == "body"]
        forms = [value for kind, value in merged.values() if kind == "form"]
        if bodies:
            out["requestBody"] = self._json_body(bodies[-1], consumes)
        elif forms:
            out["requestBody"] = self._form_body(forms, consumes)
        produces = self._list(op.get("produces"), f"{at}/produces") or self.produces
        responses = self._mapping(op.get("responses"), f"{at}/responses", optional=True)
        out["responses"] = {
            str(code): self._response(value, produces, f"{at}/responses/{escape(str(code))}")
            for code, value in responses.items()
        }
        return out

    def _parameter(self, param: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in param.items() if k in PARAMETER_KEYS or k.startswith("x-")}
        out["schema"] = parameter_schema(param)
        if param.get("type") == "array":
            style, explode = _STYLES.get(str(param.get("collectionFormat")), (None, False))
            if param.get("collectionFormat") == "multi":
                style, explode = "form", True
            out["style"] = style or ("form" if param.get("in") in ("query", "cookie") else "simple")
            out["explode"] = explode
        return out

    def _json_body(self, param: Mapping[str, Any], consumes: list[str]) -> dict[str, Any]:
        schema = rewrite(param.get("schema") or {})
        body: dict[str, Any] = {"content": {media: {"schema": schema} for media in consumes}}
        if param.get("description"):
            body["description"] = param["description"]
        body["required"] = param.get("required") is True
        body["x-codegen-request-body-name"] = param.get("name")
        return body

    def _form_body(self, params: list[Mapping[str, Any]], consumes: list[str]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required = []
        for param in params:
            prop = parameter_schema(param)
            if param.get("description"):
                prop["description"] = param["description"]
            properties[str(param.get("name"))] = prop
            if param.get("required") is True:
                required.append(str(param.get("name")))
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        medias = [m for m in consumes if m.split(";")[0].strip() in (FORM, MULTIPART)]
        has_file = any(param.get("type") == "file" for param in params)
        medias = medias or [MULTIPART if has_file else FORM]
        content = {media: {"schema": schema} for media in medias}
        return {"content": content, "required": bool(required)}

    def _response(self, raw: Any, produces: list[str], at: str) -> dict[str, Any]:
        response = self._mapping(raw, at)
        if "$ref" in response:
            return rewrite(response)  # type: ignore[no-any-return]
        out: dict[str, Any] = {"description": str(response.get("description") or "")}
        headers = self._mapping(response.get("headers"), f"{at}/headers", optional=True)
        if headers:
            out["headers"] = {
                name: {
                    "description": str(h.get("description") or ""),
                    "schema": parameter_schema(h),
                }
                for name, h in headers.items()
                if isinstance(h, Mapping)
            }
        content: dict[str, Any] = {}
        if response.get("schema") is not None:
            schema = rewrite(response["schema"])
            content = {media: {"schema": schema} for media in produces}
        examples = self._mapping(response.get("examples"), f"{at}/examples", optional=True)
        for media, example in examples.items():
            content.setdefault(media, {})["example"] = example
        if content:
            out["content"] = content
        out.update({k: rewrite(v) for k, v in response.items() if k.startswith("x-")})
        return out
