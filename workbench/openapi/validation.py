"""Checking an httpx request against the spec with openapi-core (a validator we did not write).

Security is not checked (the sandbox needs no credentials). The document is checked as
:func:`~workbench.openapi.core_support.rebased` gives it (server ``/``: the request's path
is given relative to the base URL), with ``deepObject`` read the way Stripe writes it.
Errors about a parameter the request does not carry (openapi-core checks the schema's
default then), and about an optional body left out, are not problems of the request.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from functools import cached_property
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from workbench.lazy import paused_gc
from workbench.openapi.core_support import (
    LastPathFinder,
    rebased,
    style_deserializers_factory,
    typed_form_loads,
    unreadable,
)
from workbench.openapi.iri import defer_iri_grammar
from workbench.openapi.patterns import validate_with_regex

if TYPE_CHECKING:
    import httpx
    from openapi_core import OpenAPI

    from workbench.openapi.model import ApiSpec, Operation

HOST = "http://sandbox.invalid"
MULTIPART = "multipart/form-data"


class OpenApiCoreRequest:
    """An ``httpx.Request`` as openapi-core's ``Request`` protocol sees it.

    ``path`` is the request path relative to the API's base URL (percent-encoded as sent).
    ``path_pattern`` and ``path_params``, when given, skip openapi-core's own path matching.
    """

    def __init__(
        self,
        request: httpx.Request,
        path: str,
        *,
        path_pattern: str | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> None:
        _load_openapi_core()
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self._request = request
        self.host_url = HOST
        # decoded as web frameworks do, except "/" (it would split a path segment)
        self.path = unquote(path.replace("%2F", "%252F").replace("%2f", "%252F"))
        self.path_pattern = path_pattern
        query = request.url.query.decode("ascii", "replace")
        cookies = SimpleCookie()
        cookies.load(request.headers.get("cookie", ""))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict({k: m.value for k, m in cookies.items()}),
            path=dict(path_params or {}),
        )

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.read() or None

    @property
    def content_type(self) -> str:
        return str(self._request.headers.get("content-type", "")).lower()


class RequestChecker:
    """Validates requests to one API with openapi-core; the OpenAPI objects are built on first
    use (one per path for a request already matched to its operation).

    Example:
        >>> import httpx
        >>> from workbench.openapi.model import ApiSpec
        >>> doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        ...     "/pets": {"get": {"parameters": [{"name": "limit", "in": "query",
        ...         "required": True, "schema": {"type": "integer"}}],
        ...         "responses": {"200": {"description": "ok"}}}}}}
        >>> checker = RequestChecker(ApiSpec("t", "1", "", doc, {}.__getitem__))
        >>> checker.problems(httpx.Request("GET", "https://x.test/pets?limit=5"), "/pets")
        []
        >>> checker.problems(httpx.Request("GET", "https://x.test/pets?limit=ten"), "/pets")
        ["query parameter 'limit': expected integer, got 'ten'"]
    """

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec
        self._routes: dict[str, tuple[Any, Any]] = {}
        self._openapis: dict[str, OpenAPI] = {}

    @cached_property
    def openapi(self) -> OpenAPI:
        """openapi-core's view of the document (servers rebased to ``/``; spec not re-validated)."""
        return _openapi(rebased(self.spec.document))

    @cached_property
    def _checks(self) -> tuple[Any, Any]:
        return _validators(self.openapi)

    def _route_checks(self, route: str, operation: Operation | None = None) -> tuple[Any, Any]:
        """The validators for requests to path ``route`` (already matched), built on first use.

        Their document is the spec's with only that path rebased, so the first request to
        one operation of a large API does not copy every path, and that path comes first:
        openapi-core's path lookup stops at the first path that matches the request's
        route, rather than building a matcher for each path before it. An ``operation``
        with a multipart or ``+json`` body has validators of its own (:meth:`_body_readers`).
        """
        readers = self._body_readers(operation) if operation is not None else {}
        key = f"{route} {operation.name}" if readers and operation is not None else route
        found = self._routes.get(key)
        if found is None:
            openapi = self._route_openapi(route)
            if openapi is None:
                return self._checks
            found = self._routes[key] = _validators(openapi, readers)
        return found

    def _body_readers(self, operation: Operation) -> dict[str, Any]:
        """Readers of the operation's body media type where openapi-core has none fit: its
        multipart parts typed, and a ``+json`` type other than JSON read as JSON."""
        body = operation.body
        if body is None:
            return {}
        media = body.media_type.split(";")[0].strip().lower()
        if media == MULTIPART:
            return {MULTIPART: typed_form_loads(body.schema, self.spec.resolve)}
        if media.endswith("+json"):
            return {media: _json_loads}
        return {}

    def _route_openapi(self, route: str) -> OpenAPI | None:
        document = self.spec.document
        paths = document.get("paths")
        if not isinstance(paths, Mapping) or not isinstance(paths.get(route), Mapping):
            return None
        if route not in self._openapis:
            one = rebased({**document, "paths": {route: paths[route]}})
            with paused_gc():
                others = {name: item for name, item in paths.items() if name != route}
                self._openapis[route] = _openapi({**one, "paths": {**one["paths"], **others}})
        return self._openapis[route]

    def problems(
        self,
        request: httpx.Request,
        path: str,
        *,
        operation: Operation | None = None,
        path_params: Mapping[str, str] | None = None,
    ) -> list[str]:
        """What is wrong with ``request`` (parameters and body), one line each; [] when valid.

        With the ``operation`` (already matched), openapi-core skips its own path matching
        and ``path_params`` are its path values; parameters it cannot read back
        (:func:`~workbench.openapi.core_support.unreadable`) are not checked.
        """
        too_deep = _too_deep(request)
        if too_deep:
            return [too_deep]
        pattern = operation.path if operation is not None else None
        adapter = OpenApiCoreRequest(request, path, path_pattern=pattern, path_params=path_params)
        skipped = set()
        if operation is not None:
            skipped = {p.name for p in operation.parameters if unreadable(p, self.spec.resolve)}
        found: list[str] = []
        if operation is None:
            checks = self._checks
        else:
            checks = self._route_checks(operation.path, operation)
        for check in checks:
            for error in check.iter_errors(adapter):
                if getattr(error, "name", None) in skipped:
                    continue
                if _about_the_request(error, adapter):
                    found.append(describe(error))
        return list(dict.fromkeys(found))


def _openapi(document: dict[str, Any]) -> OpenAPI:
    """openapi-core's OpenAPI object for ``document``, which is not validated again."""
    _load_openapi_core()
    from openapi_core import Config, OpenAPI

    config = Config(spec_validator_cls=None)  # type: ignore[arg-type]  # None: do not check
    with paused_gc():
        return OpenAPI.from_dict(document, config=config)


def _load_openapi_core() -> None:
    """Import openapi-core once: its IRI grammar deferred, the garbage collector paused, and
    its ``pattern`` keyword reading what only ``regex`` reads (``\\p{L}``, in any schema)."""
    if "openapi_core" not in sys.modules:
        defer_iri_grammar()
        with paused_gc():
            import openapi_core  # noqa: F401
    validate_with_regex()


def _validators(openapi: OpenAPI, media: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
    """The parameters and body validators of ``openapi``, sharing one path finder; ``media``
    adds or replaces readers of request bodies by media type."""
    from openapi_core.validation.request import validators as v

    parameters: Any
    body: Any
    if openapi.version.minor == "1":
        parameters, body = v.V31RequestParametersValidator, v.V31RequestBodyValidator
    else:
        parameters, body = v.V30RequestParametersValidator, v.V30RequestBodyValidator
    spec = openapi.spec
    options = {
        "style_deserializers_factory": style_deserializers_factory(parameters),
        "path_finder_cls": LastPathFinder(spec),
        "extra_media_type_deserializers": dict(media or {}),
    }
    return parameters(spec, **options), body(spec, **options)


def _too_deep(request: httpx.Request) -> str | None:
    """Why a JSON body is refused before it is parsed (nested past the limit), or None."""
    from workbench.errors import SpecError
    from workbench.openapi.limits import check_json

    kind = str(request.headers.get("content-type", "")).split(";")[0].strip().lower()
    if not kind.endswith("json"):
        return None
    try:
        check_json(request.read(), "request body")
    except SpecError as exc:
        return f"request body: {exc.reason}"
    return None


def _about_the_request(error: BaseException, adapter: OpenApiCoreRequest) -> bool:
    kind = type(error).__name__
    if kind == "MissingRequestBody":  # an optional body left out
        return False
    if "Body" in kind and adapter.content_type.split(";")[0].endswith("xml"):
        return False  # openapi-core reads XML into elements that no object schema accepts
    name, location = getattr(error, "name", None), getattr(error, "location", None)
    reasons = list(_reasons(error)) if name and location else []
    if reasons and all("read-only" in r for r in reasons):
        return False  # readOnly on a parameter's own schema: it concerns properties only
    if not (name and location) or kind == "MissingRequiredParameter" or location == "path":
        return True
    carried = adapter.parameters[location]
    if location == "header":
        return str(name) in carried  # werkzeug Headers: compared without case
    return name in carried or any(str(k).startswith(f"{name}[") for k in carried)


def _json_loads(value: bytes, **parameters: str) -> Any:
    return json.loads(value)


def _said(error: BaseException) -> str:
    """``str(error)``, or its kind where openapi-core's own message cannot be made (a media
    type error holding text where it expects bytes)."""
    try:
        return str(error)
    except (AttributeError, TypeError, ValueError):
        return type(error).__name__


def describe(error: BaseException) -> str:
    """One line saying what openapi-core found wrong, with the schema's reasons."""
    name, location = getattr(error, "name", None), getattr(error, "location", None)
    kind = type(error).__name__
    if name and location:
        head = f"{location} parameter {name!r}"
        if "Missing" in kind:
            return f"{head} is required"
    elif "Body" in kind:
        head = "request body"
        if "Missing" in kind:
            return "the request body is required"
    else:
        return _said(error)
    reasons = list(_reasons(error))
    return f"{head}: " + "; ".join(reasons[:3]) if reasons else f"{head}: {_said(error)}"


def _reasons(error: BaseException) -> Iterator[str]:
    cause, last = error.__cause__, ""
    for _ in range(6):
        if cause is None:
            break
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            for found in schema_errors:
                where = "/".join(str(p) for p in getattr(found, "path", ()))
                message = str(getattr(found, "message", found))
                yield f"{where}: {message}" if where else message
            return
        if hasattr(cause, "type") and hasattr(cause, "value"):
            yield f"expected {cause.type}, got {cause.value!r}"
            return
        last, cause = _said(cause), cause.__cause__
    if last:
        yield last
