"""The API description every importer produces: operations, parameters, bodies, auth.

OpenAPI 3.0/3.1, Swagger 2.0 and YAML manifests are all read into these classes; the
connector generator and the sandbox work from them alone. Schemas are plain JSON Schema
dicts in OpenAPI 3 form; ``$ref``s inside them are resolved through :meth:`ApiSpec.resolve`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Location = Literal["path", "query", "header", "cookie"]
Method = Literal["get", "put", "post", "delete", "options", "head", "patch", "trace"]


@dataclass(frozen=True)
class Parameter:
    """One path, query, header or cookie parameter of an operation.

    ``name`` is the wire name (``Stripe-Account``, ``page[size]``); ``python_name`` the
    snake_case keyword an action takes for it (unique within the operation).
    """

    name: str
    location: Location
    python_name: str
    schema: Mapping[str, Any] = field(default_factory=dict)
    required: bool = False
    description: str = ""
    style: str | None = None
    explode: bool | None = None
    deprecated: bool = False
    media_type: str | None = None  # given as ``content`` (not ``schema``): sent so encoded


@dataclass(frozen=True)
class Body:
    """The request body: one media type and its schema.

    ``media_type`` is the content type chosen for requests (JSON first, then form, then
    multipart, then anything else). ``fields`` maps each top-level property that became
    a keyword argument of the action to its wire name; empty when the body is passed whole
    as the ``body`` argument.
    """

    media_type: str
    schema: Mapping[str, Any] = field(default_factory=dict)
    required: bool = False
    description: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    """One documented response: status (``"200"``, ``"2XX"``, ``"default"``), media and schema."""

    status: str
    media_type: str | None = None
    schema: Mapping[str, Any] | None = None
    examples: tuple[Any, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class SecurityScheme:
    """An authentication scheme from ``securitySchemes`` (or ``securityDefinitions``).

    ``kind`` is ``apiKey``, ``http`` (with ``scheme`` ``bearer`` or ``basic``),
    ``oauth2`` or ``openIdConnect``. For apiKey, ``name`` and ``location`` say where the
    key goes; for oauth2, ``token_url`` and ``scopes`` come from the flows
    (clientCredentials, then authorizationCode, then password), ``flows`` names the flows
    present and ``authorization_url`` is the authorizationCode (or implicit) one; for
    openIdConnect, ``openid_connect_url`` is the discovery document. ``signing`` is a
    request-signing scheme an apiKey scheme stands for (``awsSigv4``, from
    ``x-amazon-apigateway-authtype``): no key is sent, each request is signed.
    """

    key: str
    kind: str
    scheme: str | None = None
    name: str | None = None
    location: str | None = None
    token_url: str | None = None
    scopes: tuple[str, ...] = ()
    description: str = ""
    authorization_url: str | None = None
    openid_connect_url: str | None = None
    flows: tuple[str, ...] = ()
    signing: str | None = None


@dataclass(frozen=True)
class Operation:
    """One operation: what an action of the generated connector sends.

    ``name`` is the action name: a stable snake_case name from the operationId (else the
    method and path), made unique within the spec. ``unsupported`` holds the reason when
    the operation is listed but cannot be called (the rest of the spec still imports).
    ``pointer`` is the JSON pointer of the operation in the source document (the same in
    ``ApiSpec.document``). ``servers`` are the operation's own (path- or operation-level)
    servers, when it overrides the spec's.
    """

    name: str
    method: Method
    path: str
    pointer: str
    operation_id: str | None = None
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    body: Body | None = None
    responses: tuple[Response, ...] = ()
    security: tuple[tuple[str, ...], ...] | None = None
    deprecated: bool = False
    unsupported: str | None = None
    records: str | None = None
    pagination: Mapping[str, Any] | None = None
    servers: tuple[str, ...] = ()

    @property
    def doc(self) -> str:
        """Summary and description, as an action's docstring."""
        return "\n\n".join(p for p in (self.summary, self.description) if p).strip()

    def success(self) -> Response | None:
        """The first 2xx response (``"200"`` before ``"2XX"``), else ``default``."""
        ordered = sorted(self.responses, key=lambda r: (not r.status.startswith("2"), r.status))
        for response in ordered:
            if response.status.startswith("2") or response.status == "default":
                return response
        return None


@dataclass
class ApiSpec:
    """A whole API: metadata, servers, auth schemes and operations by action name.

    ``document`` is the source in OpenAPI 3 form (Swagger 2.0 and manifests converted);
    ``resolve`` follows a ``$ref`` (local or remote) to the schema it names. ``spec_version``
    is the schema dialect of ``document`` (``"3.0"`` or ``"3.1"``); ``origin`` says what was
    read (``"openapi"``, ``"swagger"`` or ``"manifest"``); ``name`` is the name given to
    the loader (else one derived from the source).
    """

    title: str
    version: str
    source: str
    document: Mapping[str, Any]
    resolve: Callable[[str], Mapping[str, Any]]
    servers: tuple[str, ...] = ()
    security_schemes: Mapping[str, SecurityScheme] = field(default_factory=dict)
    security: tuple[tuple[str, ...], ...] = ()
    operations: dict[str, Operation] = field(default_factory=dict)
    description: str = ""
    spec_version: str = "3.0"
    name: str = ""
    origin: str = "openapi"

    def supported(self) -> list[Operation]:
        """The operations that can be called."""
        return [op for op in self.operations.values() if op.unsupported is None]

    def unsupported(self) -> list[Operation]:
        """The operations listed with the reason they cannot be called."""
        return [op for op in self.operations.values() if op.unsupported is not None]
