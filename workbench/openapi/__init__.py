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
"""

from workbench.openapi.connector import ApiConnector, connector_class, from_openapi
from workbench.openapi.examples import example_arguments, example_for
from workbench.openapi.loader import load_spec
from workbench.openapi.manifest import load_manifest
from workbench.openapi.model import ApiSpec, Body, Operation, Parameter, Response, SecurityScheme
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
