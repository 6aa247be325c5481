"""Every (path, method) of an OpenAPI 3 document as an :class:`Operation`, uniquely named.

Schemas are not expanded: parameters, bodies and responses keep theirs as written (with
their ``$ref``s), so a large spec imports in the time it takes to walk its paths.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from workbench.errors import SpecError
from workbench.openapi import naming, shape
from workbench.openapi.bodies import body_fields, read_body
from workbench.openapi.model import Body, Method, Operation
from workbench.openapi.parameters import build_parameters, read_parameters, undeclared_placeholders
from workbench.openapi.refs import Resolver, escape
from workbench.openapi.responses import read_responses
from workbench.openapi.security import requirements
from workbench.openapi.servers import server_urls

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
RECORDS_KEY = "x-workbench-records"
PAGINATION_KEY = "x-workbench-pagination"


def read_operations(
    document: Mapping[str, Any], resolver: Resolver, base: str | None = None
) -> dict[str, Operation]:
    """The operations of ``document`` by action name, in document order.

    Names collide deterministically: sorted by path then method, the first keeps the name
    and the others get ``_2``, ``_3``. ``base`` resolves relative operation servers.

    Example:
        >>> from workbench.openapi.refs import Resolver
        >>> doc = {"paths": {"/pets": {"get": {"operationId": "listPets"}, "post": {}},
        ...                  "/pets/{id}": {"get": {"operationId": "listPets"}}}}
        >>> list(read_operations(doc, Resolver(doc, "file:///s.json", "s.json")))
        ['list_pets', 'post_pets', 'list_pets_2']
    """
    source = resolver.label
    default_pagination = document.get(PAGINATION_KEY)
    check_pagination(default_pagination, source, f"#/{PAGINATION_KEY}", "the default")
    found: list[_Context] = []
    paths = shape.mapping(document.get("paths"), source, "#/paths", optional=True)
    for path, raw_item in paths.items():
        if path.startswith("x-"):
            continue
        item_at = "#/paths/" + escape(path)
        item = _path_item(raw_item, resolver, item_at)
        for method, raw in item.items():
            if method in METHODS:
                at = f"{item_at}/{method}"
                op = shape.mapping(raw, source, at)
                found.append(_Context(path, method, item, op, at, resolver, base))
    names = naming.unique(
        [naming.action_name(ctx.operation_id, ctx.method, ctx.path) for ctx in found],
        order=[(ctx.path, ctx.method) for ctx in found],
    )
    return {
        name: _operation(ctx, name, default_pagination)
        for ctx, name in zip(found, names, strict=True)
    }


def check_pagination(config: Any, source: str, pointer: str, who: str) -> None:
    """SpecError unless ``config`` is a valid pagination (or None / false: no pagination).

    The message names ``who`` uses it, the field at fault and the fields of that strategy.

    Example:
        >>> check_pagination({"type": "page", "size": 50}, "s.yaml", "pagination", "the default")
        >>> check_pagination({"type": "page", "page_size": 50}, "s.yaml", "actions.a.pagination",
        ...                  "action 'a'")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: s.yaml: actions.a.pagination: action 'a': unknown field 'page_size' for pagination 'page' (did you mean 'size'?); the fields of 'page' are: type, records, page_param, size_param, size, first_page, total_pages_path
    """  # noqa: E501
    if config is None or config is False:
        return
    from workbench.errors import ConfigError
    from workbench.http.paginators import paginators

    def fail(message: str) -> SpecError:
        return SpecError(f"{who}: {message}", source=source, pointer=pointer)

    if not isinstance(config, Mapping):
        raise fail(f"pagination must be a mapping with a 'type', got {shape.kind(config)}")
    names = paginators.names()
    kind = config.get("type")
    if not isinstance(kind, str) or kind not in names:
        got = "no 'type'" if kind is None else f"unknown type {kind!r}"
        hint = _did_you_mean(kind, names)
        raise fail(f"pagination has {got}{hint}; the types are: {', '.join(names)}")
    fields = list(paginators.fields(kind))
    for key in config:
        if key not in fields:
            hint = _did_you_mean(key, fields)
            raise fail(
                f"unknown field {key!r} for pagination {kind!r}{hint}; "
                f"the fields of {kind!r} are: {', '.join(fields)}"
            )
    try:
        paginators.build(config)
    except ConfigError as exc:
        raise fail(str(exc)) from None


# What a field is called in another strategy (or API) -> its name here.
_SYNONYMS = {
    "limit": ("size",),
    "size": ("limit",),
    "page_size": ("size", "limit"),
    "per_page": ("size", "limit"),
    "next": ("cursor_path", "next_path"),
    "cursor": ("cursor_param",),
    "page": ("page_param",),
    "offset": ("offset_param",),
}


def _did_you_mean(word: object, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for a close match or a known synonym, else nothing."""
    if not isinstance(word, str):
        return ""
    close = [c for c in _SYNONYMS.get(word, ()) if c in choices]
    close = close or difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Context:
    """Where an operation is: its path, method, path item, pointer and resolver."""

    __slots__ = ("at", "base", "item", "method", "op", "operation_id", "path", "resolver")

    def __init__(
        self,
        path: str,
        method: str,
        item: Mapping[str, Any],
        op: Mapping[str, Any],
        at: str,
        resolver: Resolver,
        base: str | None,
    ) -> None:
        self.path, self.method, self.item, self.op, self.at = path, method, item, op, at
        self.resolver, self.base = resolver, base
        operation_id = op.get("operationId")
        self.operation_id = str(operation_id) if operation_id not in (None, "") else None


def _path_item(raw: Any, resolver: Resolver, at: str) -> Mapping[str, Any]:
    item = shape.mapping(raw, resolver.label, at)
    if "$ref" not in item:
        return item
    try:
        target = resolver.follow(item)
    except SpecError as exc:
        raise SpecError(exc.reason, source=resolver.label, pointer=at) from None
    siblings = {key: value for key, value in item.items() if key != "$ref"}
    return {**shape.mapping(target, resolver.label, at), **siblings}


def _operation(ctx: _Context, name: str, default_pagination: Any) -> Operation:
    source, at, op = ctx.resolver.label, ctx.at, ctx.op
    reasons: list[str] = []
    raws: list[Mapping[str, Any]] = []
    try:
        lists = [(ctx.item.get("parameters"), f"{at.rsplit('/', 1)[0]}/parameters")]
        own = (op.get("parameters"), f"{at}/parameters")
        raws = read_parameters([*lists, own], ctx.resolver, name)
    except shape.Unsupported as exc:
        reasons.append(str(exc))
    for missing in undeclared_placeholders(ctx.path, raws):
        raws.append({"name": missing, "in": "path", "required": True, "schema": {"type": "string"}})
    body: Body | None = None
    try:
        body = read_body(op.get("requestBody"), ctx.resolver, f"{at}/requestBody")
    except shape.Unsupported as exc:
        reasons.append(str(exc))
    parameters = build_parameters(raws)
    if body is not None:
        taken = {p.python_name for p in parameters}
        try:
            fields = body_fields(body.schema, ctx.resolver, taken, f"{at}/requestBody")
        except shape.Unsupported as exc:
            reasons.append(str(exc))
            fields = {}
        if fields:
            body = replace(body, fields=fields)
        elif "body" in taken:
            parameters = build_parameters(raws, {*naming.RESERVED_ARGUMENT_NAMES, "body"})
    try:
        responses = read_responses(op.get("responses"), ctx.resolver, f"{at}/responses")
    except shape.Unsupported as exc:
        reasons.append(str(exc))
        responses = ()
    if PAGINATION_KEY in op:
        where = f"{at}/{PAGINATION_KEY}"
        check_pagination(op[PAGINATION_KEY], source, where, f"operation {name!r}")
    pagination = op.get(PAGINATION_KEY, default_pagination)
    servers_at = f"{at}/servers" if op.get("servers") else f"{at.rsplit('/', 1)[0]}/servers"
    servers = op.get("servers") or ctx.item.get("servers")
    return Operation(
        name=name,
        method=cast(Method, ctx.method),
        path=ctx.path,
        pointer=at,
        operation_id=ctx.operation_id,
        summary=str(op.get("summary") or ""),
        description=str(op.get("description") or ""),
        tags=tuple(
            str(tag) for tag in shape.sequence(op.get("tags"), source, f"{at}/tags", optional=True)
        ),
        parameters=parameters,
        body=body,
        responses=responses,
        security=requirements(op.get("security"), source, f"{at}/security"),
        deprecated=op.get("deprecated") is True,
        unsupported="; ".join(reasons) or None,
        records=str(op[RECORDS_KEY]) if op.get(RECORDS_KEY) else None,
        pagination=pagination if isinstance(pagination, Mapping) else None,
        servers=server_urls(servers, source, servers_at, ctx.base) if servers else (),
    )
