"""An :class:`ApiSpec` from a document in OpenAPI 3 form."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from workbench.openapi import naming, shape
from workbench.openapi.aws import without_signing_headers
from workbench.openapi.model import ApiSpec
from workbench.openapi.operations import read_operations
from workbench.openapi.refs import Resolver
from workbench.openapi.security import AWS_SIGV4, requirements, security_schemes
from workbench.openapi.servers import absolute, server_urls


def build_spec(
    document: Mapping[str, Any],
    *,
    source: str,
    uri: str,
    name: str | None = None,
    origin: str = "openapi",
) -> ApiSpec:
    """Read an OpenAPI 3.x ``document`` whose relative references resolve against ``uri``.

    Example:
        >>> doc = {"openapi": "3.1.0", "info": {"title": "Pets", "version": "1"},
        ...        "servers": [{"url": "https://pets.example.com/"}],
        ...        "paths": {"/pets": {"get": {"operationId": "listPets"}}}}
        >>> spec = build_spec(doc, source="pets.json", uri="file:///specs/pets.json")
        >>> spec.name, spec.spec_version, spec.servers, list(spec.operations)
        ('pets', '3.1', ('https://pets.example.com',), ['list_pets'])
    """
    resolver = Resolver(document, uri, source)
    info = shape.mapping(document.get("info"), source, "#/info", optional=True)
    http_base = uri if uri.startswith(("http://", "https://")) else None
    servers = server_urls(document.get("servers"), source, "#/servers", http_base)
    if not servers and http_base:
        servers = (absolute("/", http_base),)
    components = shape.mapping(document.get("components"), source, "#/components", optional=True)
    schemes = security_schemes(
        components.get("securitySchemes"), resolver, "#/components/securitySchemes"
    )
    operations = read_operations(document, resolver, http_base)
    if any(scheme.signing == AWS_SIGV4 for scheme in schemes.values()):
        operations = without_signing_headers(operations)
    version = str(document.get("openapi") or "3.0")
    title = str(info.get("title") or "")
    name = name or default_name(source, title)
    return ApiSpec(
        title=title or name,
        version=str(info.get("version") or ""),
        source=source,
        document=document,
        resolve=resolver,
        servers=servers,
        security_schemes=schemes,
        security=requirements(document.get("security"), source, "#/security") or (),
        operations=operations,
        description=str(info.get("description") or ""),
        spec_version="3.1" if version.startswith("3.1") else "3.0",
        name=name,
        origin=origin,
    )


def default_name(source: str, title: str = "") -> str:
    """A snake_case name from a file or URL's stem, else from the title.

    Example:
        >>> default_name("specs/petstore.v2.yaml"), default_name("<spec>", "Pet Store")
        ('petstore_v2', 'pet_store')
    """
    stem = PurePosixPath(urlsplit(source).path if "://" in source else source).stem
    if source.startswith("<"):
        stem = ""
    return naming.snake_case(stem) or naming.snake_case(title) or "api"
