"""Building the HTTP request an operation's action sends, from its validated arguments."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode

from workbench.errors import ActionArgumentError
from workbench.http.headers import check_header
from workbench.http.origins import ORIGIN
from workbench.openapi import styles
from workbench.openapi.arguments import Argument, plan
from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.schemas import deref, node_at, types_of

if TYPE_CHECKING:
    import httpx

_QUERY_SAFE = "[],"
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")  # a whole query value that is a path variable


def build_request(
    operation: Operation,
    spec: ApiSpec,
    values: Mapping[str, Any],
    *,
    base_url: str = "",
    client: httpx.Client | None = None,
) -> httpx.Request:
    """The request for ``operation`` with ``values`` (by argument name; absent ones not sent).

    ``base_url`` (when given) comes before the path, and the connection's credentials may
    go to its origin too; with a ``client``, the client's base URL (unless ``base_url`` is
    absolute), default headers and cookies apply. Path values stay inside their segment
    (an empty one is refused); header values must be sendable as they are
    (:class:`~workbench.errors.ActionArgumentError` otherwise).

    Example:
        >>> from workbench.openapi.model import ApiSpec, Operation, Parameter
        >>> op = Operation("get_pet", "get", "/pets/{petId}", "/paths/~1pets~1{petId}/get",
        ...                parameters=(Parameter("petId", "path", "pet_id", {"type": "string"}),
        ...                            Parameter("fields", "query", "fields",
        ...                                      {"type": "array", "items": {}})))
        >>> spec = ApiSpec("t", "1", "", {}, {}.__getitem__)
        >>> request = build_request(op, spec, {"pet_id": "a/b", "fields": ["id", "name"]},
        ...                         base_url="https://api.example.com/v1")
        >>> request.method, str(request.url)
        ('GET', 'https://api.example.com/v1/pets/a%2Fb?fields=id&fields=name')
    """
    import httpx

    route, _, fixed = operation.path.replace("#", "?", 1).partition("?")
    in_query = templated_query(fixed)
    pairs: styles.Pairs = []
    headers: dict[str, str] = {}
    cookies: list[str] = []
    fields: dict[str, Any] = {}
    body: Any = None
    for arg in plan(operation, spec.resolve):
        if arg.name not in values:
            continue
        value = values[arg.name]
        if value is None and not (arg.where == "field" and _nullable(arg, spec)):
            continue
        if arg.media_type is not None and "json" in arg.media_type:
            value = json.dumps(styles.jsonable(value))  # a parameter given as JSON content
        if arg.where == "path" and arg.wire in in_query and "{" + arg.wire + "}" not in route:
            pairs.extend(styles.query(in_query[arg.wire], value, None, None))
        elif arg.where == "path":
            route = route.replace("{" + arg.wire + "}", _path_value(operation, arg, value))
        elif arg.where == "query":
            pairs.extend(styles.query(arg.wire, value, arg.style, arg.explode))
        elif arg.where == "header":
            headers[arg.wire] = styles.simple(value, arg.explode)
            check_header(arg.wire, headers[arg.wire], operation.name, f"argument {arg.name!r}")
        elif arg.where == "cookie":
            cookies.extend(_cookie(arg, value))
        elif arg.where == "field":
            fields[arg.wire] = value
        else:
            body = value
    given = {key for key, _ in pairs}
    pairs.extend((k, v) for k, v in fixed_query(fixed) if k not in given)
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    accept = _accept(operation)
    if accept and not any(k.lower() == "accept" for k in headers):
        headers["Accept"] = accept
    content: dict[str, Any] = {}
    if operation.body is not None:
        payload = fields if operation.body.fields else body
        if operation.body.fields and not fields and not operation.body.required:
            payload = None
        if payload is not None or operation.body.required:
            content = _body(operation, spec, {} if payload is None else payload, headers)
    url = route + ("?" + urlencode(pairs, quote_via=quote, safe=_QUERY_SAFE) if pairs else "")
    method = operation.method.upper()
    full = base_url.rstrip("/") + url if base_url else url
    # A server given here (the operation's own) is one the connection's credentials may go to.
    extensions = {ORIGIN: base_url} if base_url else {}
    if client is not None:
        return client.build_request(method, full, headers=headers, extensions=extensions, **content)
    return httpx.Request(method, full, headers=headers, extensions=extensions, **content)


def _path_value(operation: Operation, arg: Argument, value: Any) -> str:
    """A path parameter as written in its segment; an empty one would change the route."""
    written = styles.path(arg.wire, value, arg.style, arg.explode)
    if not written:
        raise ActionArgumentError(
            f"{operation.name}: path parameter {arg.name!r} is empty; "
            f"{operation.method.upper()} {operation.path} needs a value there"
        )
    return written


def fixed_query(text: str) -> list[tuple[str, str]]:
    """The ``key=value`` pairs written into a path template after ``?`` or ``#``.

    Some specs (AWS) tell operations on one path apart that way: ``/#Action=Describe``.

    Example:
        >>> fixed_query("Action=DescribeEvents&Version=2010-12-01&tagKeys")
        [('Action', 'DescribeEvents'), ('Version', '2010-12-01')]
    """
    pairs = parse_qsl(text, keep_blank_values=True)
    return [(k, v) for k, v in pairs if f"{k}=" in text and not _TEMPLATE.fullmatch(v)]


def templated_query(text: str) -> dict[str, str]:
    """The path parameters written into a path template's query (``?city_id={city_id}``),
    each with the query key it is sent as; real specs declare these ``in: path``.

    Example:
        >>> templated_query("lat={lat}&lon={lon}&units=M")
        {'lat': 'lat', 'lon': 'lon'}
    """
    pairs = parse_qsl(text, keep_blank_values=True)
    return {found[1]: key for key, value in pairs if (found := _TEMPLATE.fullmatch(value))}


def body_encoding(operation: Operation, spec: ApiSpec) -> Mapping[str, Any]:
    """The ``encoding`` map of the operation's request body media type, if the spec has one."""
    if operation.body is None:
        return {}
    node = node_at(spec.document, operation.pointer)
    request_body = node.get("requestBody") if isinstance(node, Mapping) else None
    if not isinstance(request_body, Mapping):
        return {}
    request_body, _ = deref(request_body, spec.resolve)
    media = (request_body.get("content") or {}).get(operation.body.media_type)
    encoding = media.get("encoding") if isinstance(media, Mapping) else None
    return encoding if isinstance(encoding, Mapping) else {}


def _body(
    operation: Operation, spec: ApiSpec, payload: Any, headers: dict[str, str]
) -> dict[str, Any]:
    assert operation.body is not None
    media = operation.body.media_type
    kind = media.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded" and isinstance(payload, Mapping):
        headers["Content-Type"] = media
        pairs = styles.form(payload, body_encoding(operation, spec))
        return {"content": urlencode(pairs, quote_via=quote, safe=_QUERY_SAFE).encode()}
    if kind.startswith("multipart/") and isinstance(payload, Mapping):
        return {"files": _multipart(payload)}
    if kind.endswith("xml") and isinstance(payload, Mapping):
        headers["Content-Type"] = media
        return {"content": to_xml(payload, _xml_root(operation.body.schema))}
    if "json" in kind or (not _is_raw(payload) and "*" in kind):
        headers["Content-Type"] = media if "*" not in media else "application/json"
        return {"content": json.dumps(styles.jsonable(payload)).encode()}
    headers["Content-Type"] = media if "*" not in media else "application/octet-stream"
    if isinstance(payload, str):
        return {"content": payload.encode()}
    if isinstance(payload, bytes):
        return {"content": payload}
    if hasattr(payload, "read"):
        return {"content": payload.read()}
    return {"content": json.dumps(styles.jsonable(payload)).encode()}


def to_xml(payload: Mapping[str, Any], root: str) -> bytes:
    """An object as XML: one element per property, lists as repeated elements.

    Example:
        >>> to_xml({"Name": "Rex", "Tags": ["a", "b"], "Owner": {"Id": 7}}, "Pet")
        b'<Pet><Name>Rex</Name><Tags>a</Tags><Tags>b</Tags><Owner><Id>7</Id></Owner></Pet>'
    """
    from xml.etree import ElementTree

    def fill(element: ElementTree.Element, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                for one in item if isinstance(item, list) else [item]:
                    if one is not None:
                        fill(ElementTree.SubElement(element, str(key)), one)
        else:
            element.text = styles.text(value)

    root_element = ElementTree.Element(root)
    fill(root_element, styles.jsonable(payload))
    return ElementTree.tostring(root_element)


def _xml_root(schema: Mapping[str, Any]) -> str:
    xml = schema.get("xml")
    if isinstance(xml, Mapping) and xml.get("name"):
        return str(xml["name"])
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else "request"


def _multipart(payload: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Multipart parts: files (bytes, file objects, tuples) as files, the rest as fields."""
    parts: list[tuple[str, Any]] = []
    for name, value in payload.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if _is_raw(item) and not isinstance(item, str):
                parts.append((name, _file(name, item)))
            elif isinstance(item, tuple):
                parts.append((name, item))
            elif isinstance(item, Mapping | list):
                parts.append((name, (None, json.dumps(styles.jsonable(item)), "application/json")))
            else:
                parts.append((name, (None, styles.text(item))))
    return parts


def _file(name: str, value: Any) -> tuple[str, Any, str]:
    filename = str(getattr(value, "name", "") or name).replace("\\", "/").rsplit("/", 1)[-1]
    return (filename, value, "application/octet-stream")


def _is_raw(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | str) or hasattr(value, "read")


def _cookie(arg: Argument, value: Any) -> list[str]:
    if isinstance(value, Mapping) and arg.explode is not False:
        return [f"{k}={quote(styles.text(v), safe='')}" for k, v in value.items()]
    return [f"{arg.wire}={quote(styles.simple(value, False), safe=',')}"]


def _nullable(arg: Argument, spec: ApiSpec) -> bool:
    schema, _ = deref(arg.schema, spec.resolve)
    return types_of(schema)[1]


def _accept(operation: Operation) -> str | None:
    success = operation.success()
    media = success.media_type if success is not None else None
    return media if media and "*" not in media else None
