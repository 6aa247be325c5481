"""OpenAPI 3.0 / 3.1, Swagger 2.0 and YAML manifests read into one model, then connectors.

``load_spec`` reads a description into an :class:`ApiSpec`; ``connector_class`` turns one
into a typed connector (``from_openapi`` does both and registers it); ``SandboxTransport``
answers its requests from the spec.

Example:
    >>> from workbench.openapi import load_spec
    >>> spec = load_spec({"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"},
    ...                   "paths": {"/pets": {"get": {"operationId": "listPets"}}}})
    >>> list(spec.operations)
    ['list_pets']

Names are loaded on first use, so importing one module of the package (the store of
imported specs, say) does not import them all.
"""

import typing as _typing

from workbench.lazy import lazy_getattr as _lazy_getattr

_EXPORTS = {
    "ApiConnector": "workbench.openapi.connector",
    "ApiSpec": "workbench.openapi.model",
    "Body": "workbench.openapi.model",
    "Operation": "workbench.openapi.model",
    "Parameter": "workbench.openapi.model",
    "Response": "workbench.openapi.model",
    "SandboxTransport": "workbench.openapi.sandbox",
    "SecurityScheme": "workbench.openapi.model",
    "connector_class": "workbench.openapi.connector",
    "example_arguments": "workbench.openapi.examples",
    "example_for": "workbench.openapi.examples",
    "from_openapi": "workbench.openapi.connector",
    "load_manifest": "workbench.openapi.manifest",
    "load_spec": "workbench.openapi.loader",
}

if _typing.TYPE_CHECKING:
    from workbench.openapi.connector import ApiConnector, connector_class, from_openapi
    from workbench.openapi.examples import example_arguments, example_for
    from workbench.openapi.loader import load_spec
    from workbench.openapi.manifest import load_manifest
    from workbench.openapi.model import (
        ApiSpec,
        Body,
        Operation,
        Parameter,
        Response,
        SecurityScheme,
    )
    from workbench.openapi.sandbox import SandboxTransport

__all__ = [
    "ApiConnector",
    "ApiSpec",
    "Body",
    "Operation",
    "Parameter",
    "Response",
    "SandboxTransport",
    "SecurityScheme",
    "connector_class",
    "example_arguments",
    "example_for",
    "from_openapi",
    "load_manifest",
    "load_spec",
]


__getattr__ = _lazy_getattr(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted({*__all__, *globals()})
