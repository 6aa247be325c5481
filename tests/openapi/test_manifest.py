"""YAML manifests: validated with pydantic, errors named by YAML path, read as OpenAPI 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.errors import SpecError
from workbench.openapi import load_manifest, load_spec

MANIFEST = """\
name: todo
title: To-do API
description: Lists and their items.
base_url: https://todo.example.com/v1/
auth: {type: api_key, header: X-Todo-Key}
pagination: {type: offset, limit: 100}
actions:
  list_items:
    method: GET
    path: /lists/{list_id}/items
    summary: List the items of a list.
    params:
      list_id: {type: integer, description: The list.}
      done: {type: boolean, default: false}
      tag: {type: array, items: {type: string}}
      X-Request-Id: {in: header}
      sort: {enum: [due, created]}
    records: data.items
  add_item:
    method: post
    path: /lists/{list_id}/items
    body:
      type: object
      required: [title]
      properties:
        title: {type: string}
        due: {type: string, format: date}
    response: {type: object, properties: {id: {type: integer}}}
    pagination: false
  search:
    path: /search
    params:
      q: {required: true}
    pagination: {type: cursor, cursor_param: after, cursor_path: meta.next}
  check:
    path: /health
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST)
    return path


def test_a_manifest_reads_like_a_spec(manifest: Path) -> None:
    spec = load_manifest(manifest)
    assert (spec.name, spec.title, spec.origin) == ("todo", "To-do API", "manifest")
    assert spec.description == "Lists and their items."
    assert spec.servers == ("https://todo.example.com/v1",)
    (scheme,) = spec.security_schemes.values()
    assert (scheme.kind, scheme.name, scheme.location) == ("apiKey", "X-Todo-Key", "header")
    assert spec.security == (("api_key",),)
    assert list(spec.operations) == ["list_items", "add_item", "search", "check_"]

    items = spec.operations["list_items"]
    assert (items.method, items.path, items.summary) == (
        "get",
        "/lists/{list_id}/items",
        "List the items of a list.",
    )
    params = {p.name: p for p in items.parameters}
    assert [(p.name, p.location, p.python_name) for p in items.parameters] == [
        ("list_id", "path", "list_id"), ("done", "query", "done"), ("tag", "query", "tag"),
        ("X-Request-Id", "header", "x_request_id"), ("sort", "query", "sort"),
    ]  # fmt: skip
    assert params["list_id"].required and params["list_id"].description == "The list."
    assert params["done"].schema == {"type": "boolean", "default": False}
    assert params["tag"].schema == {"type": "array", "items": {"type": "string"}}
    assert params["sort"].schema == {"type": "string", "enum": ["due", "created"]}
    assert items.records == "data.items"
    assert items.pagination == {"type": "offset", "limit": 100}

    add = spec.operations["add_item"]
    assert add.body is not None and add.body.media_type == "application/json"
    assert dict(add.body.fields) == {"title": "title", "due": "due"}
    assert add.pagination is None
    assert add.success().schema == {"type": "object", "properties": {"id": {"type": "integer"}}}  # type: ignore[union-attr]

    search = spec.operations["search"]
    assert search.parameters[0].required
    assert search.pagination == {
        "type": "cursor",
        "cursor_param": "after",
        "cursor_path": "meta.next",
    }
    assert spec.document["paths"]["/search"]["get"]["operationId"] == "search"


def test_load_spec_delegates_to_the_manifest_reader(manifest: Path) -> None:
    assert load_spec(manifest, name="tasks").operations == load_manifest(manifest).operations
    assert load_spec(manifest, name="tasks").name == "tasks"


@pytest.mark.parametrize(
    ("auth", "kind", "scheme", "where"),
    [
        ({"type": "bearer"}, "http", "bearer", None),
        ({"type": "basic"}, "http", "basic", None),
        ({"type": "api_key", "in": "query", "name": "key"}, "apiKey", None, "query"),
        ({"type": "api_key"}, "apiKey", None, "header"),
    ],
)
def test_auth_kinds(auth: dict[str, Any], kind: str, scheme: str | None, where: str | None) -> None:
    data = {"base_url": "https://x.example.com", "auth": auth, "actions": {"a": {"path": "/a"}}}
    (found,) = load_manifest(data, name="x").security_schemes.values()
    assert (found.kind, found.scheme, found.location) == (kind, scheme, where)


def test_no_auth_means_no_scheme() -> None:
    spec = load_manifest({"base_url": "https://x.example.com", "actions": {}}, name="x")
    assert spec.security_schemes == {} and spec.security == () and spec.operations == {}


DELETE = object()


def edited(where: str, value: Any) -> dict[str, Any]:
    """The manifest with the value at a dotted path replaced (or deleted)."""
    data: dict[str, Any] = yaml.safe_load(MANIFEST)
    *parents, last = where.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (
            "actions.list_items.params.done.type",
            "bool",
            "actions.list_items.params.done.type: Input should be 'string', 'integer', 'number', "
            "'boolean', 'array' or 'object' (got 'bool')",
        ),
        ("base_url", DELETE, "base_url: Field required"),
        ("base_url", "todo.example.com", "base_url: Value error, must be an http(s) URL"),
        ("actions.search.parms", {}, "actions.search.parms: Extra inputs are not permitted"),
        ("actions.search.method", "fetch", "actions.search.method: Input should be 'get', "),
        ("actions.search.path", "search", "actions.search.path: Value error, must start with '/'"),
        ("auth.in", "cookie", "auth.in: Input should be 'header' or 'query' (got 'cookie')"),
        ("actions.check", 3, "actions.check: Input should be a valid dictionary"),
        ("actions.search.params.q.in", "path", "actions.search.params.q.in: 'path' but /search"),
        ("actions.check.path", "/search", "actions.check: GET /search is already action 'search'"),
    ],
)
def test_errors_name_the_yaml_path(where: str, value: Any, message: str, tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(edited(where, value), sort_keys=False))
    with pytest.raises(SpecError) as raised:
        load_manifest(path)
    assert str(raised.value).startswith(f"{path}: {message}")


def test_every_error_is_listed(tmp_path: Path) -> None:
    data = edited("base_url", DELETE)
    data["actions"]["search"]["params"]["q"]["type"] = "text"
    with pytest.raises(SpecError) as raised:
        load_manifest(data, name="m.yaml")
    assert str(raised.value) == (
        "m.yaml: base_url: Field required; actions.search.params.q.type: Input should be "
        "'string', 'integer', 'number', 'boolean', 'array' or 'object' (got 'text')"
    )


def test_a_manifest_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(SpecError, match=r"list\.yaml: expected a mapping at the top, got list"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (
            "pagination",
            {"type": "page", "limit": 50},
            "pagination: the default for every action: unknown field 'limit' for pagination "
            "'page' (did you mean 'size'?); the fields of 'page' are: type, records, page_param, "
            "size_param, size, first_page, total_pages_path",
        ),
        (
            "actions.search.pagination",
            {"type": "cursor", "cursor_parm": "after"},
            "actions.search.pagination: action 'search': unknown field 'cursor_parm' for "
            "pagination 'cursor' (did you mean 'cursor_param'?)",
        ),
        (
            "actions.search.pagination",
            {"type": "pages"},
            "actions.search.pagination: action 'search': pagination has unknown type 'pages' "
            "(did you mean 'page'?)",
        ),
        (
            "pagination",
            {"type": "offset", "limit": 0},
            "pagination: the default for every action: pagination 'offset': field 'limit'",
        ),
    ],
)
def test_pagination_fields_are_checked_when_loading(
    where: str, value: Any, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(edited(where, value), sort_keys=False))
    with pytest.raises(SpecError) as raised:
        load_manifest(path)
    assert str(raised.value).startswith(f"{path}: {message}")


def test_a_spec_extension_pagination_is_checked_when_loading() -> None:
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "x", "version": "1"},
        "paths": {"/a": {"get": {"x-workbench-pagination": {"type": "offset", "size": 5}}}},
    }
    with pytest.raises(SpecError, match=r"x\.json: #/paths/~1a/get/x-workbench-pagination: "
                       r"operation 'get_a': unknown field 'size' for pagination 'offset' "
                       r"\(did you mean 'limit'\?\)"):  # fmt: skip
        load_spec(doc, name="x.json")


def test_a_manifest_s_defaults_show_in_the_action_s_signature(manifest: Path) -> None:
    import inspect

    from workbench.openapi.connector import connector_class

    Todo = connector_class(load_spec(manifest), "todo")
    todo = Todo(Todo.config_model(sandbox=True), connection="todo")
    parameters = inspect.signature(todo.list_items).parameters
    assert (parameters["done"].default, parameters["sort"].default) == (False, None)
    sent = todo.list_items(list_id=1, raw=True).raw["url"]
    assert "done" not in sent  # left out, it is not sent: the API applies its default
