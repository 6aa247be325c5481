"""What openapi-core needs to check real-world requests the way the APIs read them.

- :func:`rebased`: the document with ``/`` as its only server (any base URL can be
  checked) and without the header parameters OpenAPI says to ignore (``Accept``,
  ``Content-Type``, ``Authorization``: the client and the auth set those; ``Accept-Encoding``,
  which the HTTP client sets itself).
- :func:`deep_object_loads`: the ``deepObject`` style read the way Stripe and Rails write
  it, nested (``card[exp][month]=12``) and for lists too (``expand[0]=a``, ``expand[]=a``).
  openapi-core reads one level of objects only, and fails on a list even when absent.
- :func:`unreadable`: query parameters openapi-core cannot read back as they are sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from workbench.openapi.arguments import IGNORED_HEADERS
from workbench.openapi.bodies import RAW_BYTES, closed_over_all_of, sent_as_bytes
from workbench.openapi.model import Parameter
from workbench.openapi.schemas import Resolver, flatten, node_at, types_of

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Besides those OpenAPI ignores, a header the HTTP client sets whether asked or not.
_UNCHECKED_HEADERS = IGNORED_HEADERS | {"accept-encoding"}
_BRACKETS = re.compile(r"\[([^\]]*)\]")
MAX_BRACKETS = 32  # a deepObject key nested deeper is refused (the request is invalid)


def rebased(document: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``document``: one server ``/``, ignored header parameters left out.

    Example:
        >>> doc = {"servers": [{"url": "https://x.test/v1"}], "paths": {"/a": {"get": {
        ...     "parameters": [{"name": "Accept", "in": "header"}, {"name": "q", "in": "query"}]}}}}
        >>> copy = rebased(doc)
        >>> copy["servers"], copy["paths"]["/a"]["get"]["parameters"]
        ([{'url': '/'}], [{'name': 'q', 'in': 'query'}])
    """
    paths: dict[str, Any] = {}
    for route, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            paths[route] = item
            continue
        copied = _without(item, document)
        for method in _METHODS:
            operation = copied.get(method)
            if isinstance(operation, Mapping):
                copied[method] = _without(operation, document)
        paths[route] = copied
    return {**document, "servers": [{"url": "/"}], "paths": paths}


def _without(node: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    copied = {k: v for k, v in node.items() if k != "servers"}
    parameters = copied.get("parameters")
    if isinstance(parameters, list):
        copied["parameters"] = [p for p in parameters if not _ignored(p, document)]
    if "requestBody" in copied:
        copied["requestBody"] = _as_sent(copied["requestBody"], document)
    return copied


def _as_sent(body: Any, document: Mapping[str, Any]) -> Any:
    """``body`` as the request sends it: what is sent as bytes read as bytes
    (:func:`~workbench.openapi.bodies.sent_as_bytes`), a schema closed over its ``allOf``
    parts with them merged (:func:`~workbench.openapi.bodies.closed_over_all_of`), and a
    wildcard media type (``*/*``) also read as the JSON that is sent for it."""
    if isinstance(body, Mapping) and isinstance(body.get("$ref"), str):
        target = node_at(document, body["$ref"])
        body = target if isinstance(target, Mapping) else body
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping):
        return body
    read: dict[str, Any] = {}
    resolve = _resolver(document)
    for media, entry in content.items():
        if isinstance(entry, Mapping) and sent_as_bytes(media, entry.get("schema")):
            entry = {**entry, "schema": RAW_BYTES}
        elif isinstance(entry, Mapping) and closed_over_all_of(entry.get("schema"), resolve):
            entry = {**entry, "schema": flatten(entry["schema"], resolve)}
        read[media] = entry
    wildcard = next((e for m, e in content.items() if "*" in str(m)), None)
    if isinstance(wildcard, Mapping) and wildcard.get("schema") not in (None, RAW_BYTES):
        read.setdefault("application/json", wildcard)
    return {**body, "content": read}


def _ignored(parameter: Any, document: Mapping[str, Any]) -> bool:
    if isinstance(parameter, Mapping) and isinstance(parameter.get("$ref"), str):
        target = node_at(document, parameter["$ref"])
        parameter = target if isinstance(target, Mapping) else parameter
    if not isinstance(parameter, Mapping) or parameter.get("in") != "header":
        return False
    return str(parameter.get("name", "")).lower() in _UNCHECKED_HEADERS


def deep_object_loads(
    explode: bool, name: str, schema_type: str, location: Mapping[str, Any]
) -> Any:
    """The value of ``name`` from its bracketed keys (openapi-core style deserializer).

    Example:
        >>> from werkzeug.datastructures import ImmutableMultiDict
        >>> query = ImmutableMultiDict([("card[exp][month]", "12"), ("expand[]", "a"),
        ...                             ("expand[]", "b"), ("items[0][price]", "p1")])
        >>> deep_object_loads(True, "card", "object", query)
        {'exp': {'month': '12'}}
        >>> deep_object_loads(True, "expand", "array", query)
        ['a', 'b']
        >>> deep_object_loads(True, "items", "array", query)
        [{'price': 'p1'}]
    """
    multi: Any = location
    pairs = multi.items(multi=True) if hasattr(location, "getlist") else location.items()
    prefix = name + "["
    root: dict[str, Any] = {}
    found = False
    for key, value in pairs:
        if not key.startswith(prefix):
            continue
        found = True
        parts = _BRACKETS.findall(key[len(name) :])
        if len(parts) > MAX_BRACKETS:
            raise ValueError(f"{key[:40]}...: nested deeper than {MAX_BRACKETS} levels")
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part or str(len(node)), {})
            node = child if isinstance(child, dict) else {}
        node[parts[-1] or str(len(node))] = value
    if not found:
        raise KeyError(name)
    return _lists(root)


def _lists(node: Any) -> Any:
    """Objects whose keys are all indexes, as lists."""
    if not isinstance(node, dict):
        return node
    values = {k: _lists(v) for k, v in node.items()}
    if values and all(k.isdigit() for k in values):
        return [values[k] for k in sorted(values, key=int)]
    return values


def style_deserializers_factory(validator_cls: Any) -> Any:
    """openapi-core's style deserializers for ``validator_cls``, with :func:`deep_object_loads`."""
    from openapi_core.deserializing.styles import StyleDeserializersFactory, style_deserializers

    styles = {**style_deserializers, "deepObject": deep_object_loads}
    casters = validator_cls.schema_casters_factory
    return StyleDeserializersFactory(casters, style_deserializers=styles)


def unreadable(parameter: Parameter, resolve: Resolver) -> bool:
    """True for a query parameter openapi-core cannot read back as it is sent.

    Those are objects in the ``form`` style with ``explode`` (one key per property, which
    openapi-core looks for under the parameter's own name) and lists of objects (for
    which OpenAPI defines no query serialisation).

    Example:
        >>> from workbench.openapi.model import Parameter
        >>> unreadable(Parameter("f", "query", "f", {"type": "object"}), {}.__getitem__)
        True
        >>> unreadable(Parameter("f", "query", "f", {"type": "object"}, style="deepObject"),
        ...            {}.__getitem__)
        False
    """
    if parameter.location != "query":
        return False
    schema = flatten(parameter.schema, resolve)
    kind = types_of(schema)[0]
    if kind == ["object"]:
        return (parameter.style or "form") == "form" and parameter.explode is not False
    if kind == ["array"] and isinstance(schema.get("items"), Mapping):
        return types_of(flatten(schema["items"], resolve))[0] == ["object"]
    return False


class LastPathFinder:
    """openapi-core's path finder, remembering its last answer.

    The parameters and the body validators each look the request's path up; sharing one
    of these between them halves the cost (a lookup walks every path of the document).
    """

    def __init__(self, spec: Any, base_url: str | None = None) -> None:
        from openapi_core.templating.paths.finders import APICallPathFinder

        self._finder = APICallPathFinder(spec, base_url=base_url)
        self._last: tuple[tuple[str, str], Any] | None = None

    def find(self, method: str, name: str) -> Any:
        if self._last is not None and self._last[0] == (method, name):
            return self._last[1]
        found = self._finder.find(method, name)
        self._last = ((method, name), found)
        return found

    def __call__(self, spec: Any, base_url: str | None = None) -> LastPathFinder:
        """Used as the validators' ``path_finder_cls``: every validator gets this finder."""
        return self


def typed_form_loads(schema: Mapping[str, Any], resolve: Resolver) -> Any:
    """A ``multipart/form-data`` reader for openapi-core that gives each part the type of its
    property (``integer``, ``number``, ``boolean``, a JSON ``object``, or a list of them): a
    part is text on the wire, and openapi-core would check ``"90"`` against ``type:
    integer`` as a string.

    A part that does not read as its type stays text, and is reported as openapi-core would.

    Example:
        >>> loads = typed_form_loads({"properties": {"angle": {"type": "integer"},
        ...     "tags": {"type": "array", "items": {"type": "boolean"}}}}, {}.__getitem__)
        >>> part = b'--b\\r\\nContent-Disposition: form-data; name="%s"\\r\\n\\r\\n%s\\r\\n'
        >>> body = part % (b"angle", b"90") + part % (b"tags", b"true") + part % (b"name", b"07")
        >>> body += b"--b--"
        >>> list(loads(body, boundary="b").items(multi=True))
        [('angle', 90), ('tags', True), ('name', b'07')]
    """
    from openapi_core.deserializing.media_types.util import data_form_loads
    from werkzeug.datastructures import ImmutableMultiDict

    properties = flatten(schema, resolve).get("properties")
    kinds: dict[str, set[str]] = {}
    for name, prop in (properties if isinstance(properties, Mapping) else {}).items():
        flat = flatten(prop, resolve) if isinstance(prop, Mapping) else {}
        if "array" in types_of(flat)[0] and isinstance(flat.get("items"), Mapping):
            flat = flatten(flat["items"], resolve)
        wanted = {"integer", "number", "boolean", "object"}
        if flat.get("type") == "object":
            wanted.discard("object")  # declared so, openapi-core reads its part as JSON itself
        kinds[str(name)] = _part_types(flat, resolve) & wanted

    def loads(value: bytes, **parameters: str) -> Any:
        form: Any = data_form_loads(value, **parameters)
        return ImmutableMultiDict(
            [(name, _typed(part, kinds.get(name))) for name, part in form.items(multi=True)]
        )

    return loads


def _part_types(schema: Mapping[str, Any], resolve: Resolver) -> set[str]:
    """The types a part's schema allows, its ``anyOf`` and ``oneOf`` branches included."""
    found = set(types_of(schema)[0])
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        for branch in branches if isinstance(branches, list) else []:
            if isinstance(branch, Mapping):
                found |= set(types_of(flatten(branch, resolve))[0])
    return found


def _typed(part: Any, kinds: set[str] | None) -> Any:
    if not kinds or not isinstance(part, bytes):
        return part
    try:
        value = json.loads(part)
    except ValueError:
        return part
    if isinstance(value, dict) and "object" in kinds:
        return value  # an object part is JSON (OpenAPI's default for its content type)
    if isinstance(value, bool):
        return value if "boolean" in kinds else part
    if isinstance(value, int) and kinds & {"integer", "number"}:
        return value
    if isinstance(value, float) and "number" in kinds:
        return value
    return part


def _resolver(document: Mapping[str, Any]) -> Resolver:
    """The document's own ``#/...`` references, for :func:`flatten`."""

    def resolve(ref: str) -> Any:
        found = node_at(document, ref.removeprefix("#"))
        return found if isinstance(found, Mapping) else {}

    return resolve
