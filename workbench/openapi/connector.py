"""Connectors generated from an API description: every supported operation is an action.

Example:
    >>> from workbench.openapi import load_spec
    >>> spec = load_spec({"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"},
    ...     "servers": [{"url": "https://pets.example.com"}],
    ...     "paths": {"/pets": {"get": {"operationId": "listPets", "summary": "List pets",
    ...         "responses": {"200": {"description": "ok", "content": {"application/json": {
    ...             "schema": {"type": "array", "items": {"type": "string"}},
    ...             "example": ["Rex", "Tom"]}}}}}}}})
    >>> Pets = connector_class(spec, "pets")
    >>> pets = Pets(Pets.config_model(sandbox=True))
    >>> pets.list_pets().data
    ['Rex', 'Tom']
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.errors import ConnectionFailedError
from workbench.http.connector import HttpConnector
from workbench.openapi.actions import MAX_ITEMS, OperationMethod, OperationSpec
from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.models import TypeBuilder
from workbench.openapi.settings import ApiConfig, auth_kinds, config_class
from workbench.redaction import register_secret
from workbench.results import Result

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx
    import pandas as pd
    from pydantic import BaseModel

    from workbench.openapi.credentials import Credentials
    from workbench.openapi.sandbox import SandboxTransport

UNSUPPORTED_COLUMNS = ["action", "method", "path", "reason"]
SANDBOX_HOST = "http://sandbox.invalid"


class ApiConnector(HttpConnector):
    """The base of connectors generated from an API description (OpenAPI, Swagger, manifest).

    With ``mode = "sandbox"`` (or ``sandbox=True``) requests are answered from the spec by
    :class:`~workbench.openapi.sandbox.SandboxTransport`: no network, no credentials.
    """

    category = "api"
    config_model: ClassVar[type[ApiConfig]] = ApiConfig
    config: ApiConfig
    api: ClassVar[ApiSpec]
    types: ClassVar[TypeBuilder]
    _sandboxes: ClassVar[dict[str, SandboxTransport]]

    def __init__(self, config: ApiConfig | None = None, *, connection: str | None = None) -> None:
        super().__init__(config, connection=connection)
        self._credentials: Credentials | None = None

    @classmethod
    def unconfigured_defaults(cls) -> dict[str, Any]:
        """Without a connection of its name, a spec-backed connector runs in the sandbox."""
        return {"mode": "sandbox"}

    @property
    def unsupported(self) -> pd.DataFrame:
        """The operations that are listed but cannot be called, with the reason."""
        import pandas as pd

        rows = [
            {
                "action": op.name,
                "method": op.method.upper(),
                "path": op.path,
                "reason": op.unsupported,
            }
            for op in self.api.unsupported()
        ]
        return pd.DataFrame(rows, columns=UNSUPPORTED_COLUMNS)

    def check(self) -> str:
        """In the sandbox, which spec answers; live, ``HTTP <status> from <base_url>``.

        Live, the base URL is fetched with the spec's default credentials: 401 and 403
        (credentials refused) and 5xx raise :class:`ConnectionFailedError`, like an
        unreachable server; any other answer shows the API is there.
        """
        if self.config.mode == "sandbox":
            return f"sandbox of {self.api.title or self.name} ({len(self.action_specs)} actions)"

        return self.check_url(self._base_url(), auth=self._auth(Operation("check", "get", "/", "")))

    def build_http_client(self) -> httpx.Client:
        """The connection's client: sandboxed in sandbox mode."""
        from workbench.http import build_client
        from workbench.http.masking import looks_secret

        config = self.config
        for name, value in config.headers.items():
            if looks_secret(name):
                register_secret(value)
        sandboxed = config.mode == "sandbox"
        return build_client(
            self._base_url(),
            headers=config.headers,
            timeout=config.timeout,
            verify=config.verify,
            rate_limit=config.rate_limit,
            retry=None if sandboxed else _default_retry(),
            transport=self._sandbox() if sandboxed else None,
            connection=self.connection,
        )

    def _base_url(self) -> str:
        base = self.config.base_url
        if base.startswith(("http://", "https://")):
            return base
        if self.config.mode == "sandbox":
            return SANDBOX_HOST + "/" + base.lstrip("/")
        raise ConnectionFailedError(
            f"{self.connection}: base_url {base!r} is not an http(s) URL; set base_url "
            "in the connection (or use sandbox=True)"
        )

    def _sandbox(self) -> SandboxTransport:
        from workbench.openapi.sandbox import SandboxTransport

        cls = type(self)
        base = self.config.base_url
        if "_sandboxes" not in cls.__dict__:
            cls._sandboxes = {}
        if base not in cls._sandboxes:
            cls._sandboxes[base] = SandboxTransport(self.api, base_url=base)
        return cls._sandboxes[base]

    def _auth(self, operation: Operation) -> httpx.Auth | None:
        from workbench.openapi.credentials import Credentials

        if self.config.mode == "sandbox":
            return None
        with self._lock:
            if self._credentials is None:
                self._credentials = Credentials(self.api, self.config)
            credentials = self._credentials
        return credentials.auth_for(operation)

    def _call_operation(self, spec: OperationSpec, model: BaseModel) -> Result:
        from workbench.http.responses import send
        from workbench.openapi.reply import raw_result, to_result
        from workbench.openapi.requests import build_request

        operation = spec.operation
        label = f"{self.connection}.{spec.name}"
        client = self.http()
        values = spec.values(model)
        if self.config.mode == "sandbox":
            from workbench.openapi.sandbox import fill_credentials

            values = fill_credentials(spec.arguments, values, self.api)
        max_items = values.pop(MAX_ITEMS, None) if spec.paginated else None
        records, given, raw = spec.call_options(values)
        request = build_request(
            operation, self.api, values, base_url=self._base(operation), client=client
        )
        auth = self._auth(operation)
        if raw:  # one request, even for a paginated action
            return raw_result(send(client, request, label, auth=auth), label)
        if spec.paginated:
            return self._paginate(operation, request, label, auth, max_items, records, given)
        response = send(client, request, label, auth=auth)
        return to_result(response, records, label, strict=given)

    def _paginate(
        self,
        operation: Operation,
        first: httpx.Request,
        label: str,
        auth: httpx.Auth | None,
        max_items: int | None,
        records: str | None = None,
        given: bool = False,
    ) -> Result:
        """Every page of a paginated read, with a progress bar, as one Result.

        The records of every page are read with ``records`` (given at call time, it
        replaces the strategy's own ``records``).
        """
        from workbench.http.pagination import paginate
        from workbench.http.responses import details, from_sandbox, send
        from workbench.openapi.reply import rows

        client = self.http()
        strategy = dict(operation.pagination or {})
        if given:
            strategy["records"] = records
        elif records is not None:
            strategy.setdefault("records", records)
        found: list[Any] = []
        pages = 0
        last: httpx.Response | None = None
        for page in paginate(
            lambda request: send(client, request, label, auth=auth),
            first,
            strategy,
            max_items=max_items,
        ):
            found.extend(page.records)
            pages, last = page.number, page.response
        sandbox = last is not None and from_sandbox(last)
        return Result(
            rows(found), raw=details(last) if last else None, pages=pages, sandbox=sandbox
        )

    def _base(self, operation: Operation) -> str:
        """The operation's own server when it has one and the base URL is the spec's default."""
        default = type(self).config_model.model_fields["base_url"].default
        if operation.servers and self.config.base_url == default:
            return operation.servers[0]
        return ""


def connector_class(spec: ApiSpec, name: str) -> type[ApiConnector]:
    """A connector class for ``spec``, called ``name``: one action per supported operation.

    Operations that cannot be called are listed by ``connector.unsupported``. An action whose
    name is taken by the connector itself (``check``, ``close``, ...) gets a ``_`` appended.

    Example:
        >>> from workbench.openapi import load_spec
        >>> spec = load_spec({"openapi": "3.0.3", "info": {"title": "Todo", "version": "1"},
        ...     "paths": {"/todos/{id}": {"get": {"operationId": "getTodo", "summary": "One todo",
        ...         "parameters": [{"name": "id", "in": "path", "required": True,
        ...                         "schema": {"type": "integer"}}]}}}})
        >>> Todo = connector_class(spec, "todo")
        >>> Todo.title, Todo.category, list(Todo.action_specs)
        ('Todo', 'api', ['get_todo'])
        >>> import inspect
        >>> str(inspect.signature(Todo.get_todo)).replace("workbench.results.result.", "")
        '(self, /, id: int, *, records: str | None = None, raw: bool = False) -> Result'
    """
    types = TypeBuilder(spec.resolve)
    class_name = "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", name)) or "Api"
    if not class_name[0].isalpha():
        class_name = "Api" + class_name
    description = " ".join(spec.description.split("\n\n", 1)[0].split())
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": class_name,
        "__doc__": spec.description or spec.title or name,
        "name": name,
        "title": spec.title or name,
        "description": description or spec.title,
        "auth_kinds": auth_kinds(spec),
        "config_model": config_class(spec, name),
        "api": spec,
        "types": types,
    }
    taken = set(dir(ApiConnector)) | {"config", "connection"}
    for operation in spec.supported():
        attribute = operation.name
        while attribute in taken or attribute in namespace or attribute.startswith("_"):
            attribute += "_"
        namespace[attribute] = OperationMethod(
            OperationSpec(operation, spec, types, attribute), class_name
        )
    return type(class_name, (ApiConnector,), namespace)


def from_openapi(
    source: str | Path | Mapping[str, Any], *, name: str | None = None
) -> type[ApiConnector]:
    """Load an API description, generate its connector class and register it by name.

    ``wb.connect(name)`` then finds it; without a connection of that name it runs in the
    sandbox.
    """
    from workbench.registry import register

    cls = connector_from_source(source, name=name)
    register(cls)
    return cls


def connector_from_source(
    source: str | Path | Mapping[str, Any], *, name: str | None = None
) -> type[ApiConnector]:
    """Load an API description and generate its connector class (registered nowhere).

    Example:
        >>> Pets = connector_from_source({"openapi": "3.0.3", "info": {"title": "Pets"},
        ...     "paths": {"/pets": {"get": {"operationId": "listPets"}}}}, name="pets")
        >>> Pets.name, list(Pets.action_specs)
        ('pets', ['list_pets'])
    """
    from workbench.openapi.loader import load_spec

    spec = load_spec(source, name=name)
    return connector_class(spec, name or spec.name or _name_of(source))


def _name_of(source: object) -> str:
    stem = Path(str(source)).stem if not isinstance(source, dict) else "api"
    return re.sub(r"\W+", "_", stem).strip("_").lower() or "api"


def _default_retry() -> Any:
    from workbench.http.client import DEFAULT_RETRY

    return DEFAULT_RETRY
