"""``load_spec``: any OpenAPI 3.0 / 3.1 or Swagger 2.0 document, or a YAML manifest.

Example:
    >>> spec = load_spec({"swagger": "2.0", "info": {"title": "Pets", "version": "1"},
    ...                   "host": "pets.example.com", "paths": {"/pets": {"get": {
    ...                       "operationId": "listPets", "responses": {"200": {
    ...                           "description": "ok", "schema": {"type": "array"}}}}}}})
    >>> spec.origin, spec.servers, spec.operations["list_pets"].success().media_type
    ('swagger', ('https://pets.example.com',), 'application/json')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.errors import SpecError
from workbench.openapi import documents, shape, swagger2
from workbench.openapi.build import build_spec
from workbench.openapi.model import ApiSpec


def load_spec(
    source: str | Path | Mapping[str, Any],
    *,
    name: str | None = None,
    base: str | None = None,
) -> ApiSpec:
    """Read an API description from a path, an http(s) URL or a parsed mapping.

    Accepts OpenAPI 3.0 and 3.1, Swagger 2.0 (converted to OpenAPI 3 form) and YAML
    manifests (a mapping with ``actions``), in JSON or YAML. ``name`` names the API (and
    the source of a mapping in error messages); ``base`` is the location that relative
    ``$ref``s and servers resolve against, when not the source's own (a copied file).
    A malformed document raises :class:`~workbench.errors.SpecError` naming the source and
    the JSON pointer of the fault.

    Example:
        >>> load_spec({"info": {"title": "x"}}, name="x.json")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: x.json: not an OpenAPI or Swagger document (no 'openapi' or 'swagger' key) nor a manifest (no 'actions')
    """  # noqa: E501
    label = name if isinstance(source, Mapping) else None
    return spec_from_document(documents.read(source, label=label), name=name, base=base)


def spec_from_document(
    document: documents.Document, *, name: str | None = None, base: str | None = None
) -> ApiSpec:
    """The :class:`ApiSpec` of an already-read :class:`~documents.Document`."""
    data, source = document.data, document.label
    uri = _base_uri(base) if base else document.uri
    if not isinstance(data, Mapping):
        raise SpecError(f"expected a mapping at the top, got {shape.kind(data)}", source=source)
    if "openapi" in data:
        version = str(data["openapi"])
        if not version.startswith("3."):
            raise SpecError(
                f"unsupported OpenAPI version {version!r}", source=source, pointer="#/openapi"
            )
        return build_spec(data, source=source, uri=uri, name=name)
    if "swagger" in data:
        version = str(data["swagger"])
        if version not in ("2", "2.0"):
            raise SpecError(
                f"unsupported Swagger version {version!r}", source=source, pointer="#/swagger"
            )
        converted = swagger2.convert(data, source=source, uri=uri)
        return build_spec(converted, source=source, uri=uri, name=name, origin="swagger")
    if "actions" in data:
        from workbench.openapi.manifest import manifest_spec

        return manifest_spec(data, source=source, uri=uri, name=name)
    raise SpecError(
        "not an OpenAPI or Swagger document (no 'openapi' or 'swagger' key) "
        "nor a manifest (no 'actions')",
        source=source,
    )


def _base_uri(base: str) -> str:
    if documents.is_url(base) or base.startswith("file:"):
        return base
    return documents.file_uri(Path(base))
