"""Hypothesis strategies for untrusted input: random and mutated workbench.toml files, API
specs, manifests, notebooks and ``wb`` argument lists, built from the real ones.

Mutations edit a real document at a drawn place (delete, replace with random JSON, change
the type, point a ``$ref`` somewhere odd, set a schema keyword to an extreme, nest deeply),
then serialize it as JSON or YAML, or corrupt its bytes. Draws are small integers, so
hypothesis shrinks a failing input towards the first key and the fewest edits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from specs import FILES as SPEC_FILES

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_FILES = sorted(
    [
        *ROOT.glob("notebooks/*.ipynb"),
        *ROOT.glob("notebooks/scenarios/*.ipynb"),
        *ROOT.glob("tests/jobs/notebooks/*.ipynb"),
    ]
)
MAX_SPEC_BYTES = 1_000_000  # the property tests leave the three largest specs to the benchmark

KEYS = (
    *("openapi", "swagger", "info", "title", "version", "servers", "url", "paths", "host"),
    *("basePath", "components", "schemas", "parameters", "responses", "requestBody", "content"),
    *("application/json", "schema", "type", "properties", "items", "required", "$ref", "in"),
    *("name", "allOf", "oneOf", "anyOf", "enum", "format", "pattern", "minItems", "maxItems"),
    *("minLength", "example", "examples", "default", "get", "post", "operationId", "200"),
    *("security", "securitySchemes", "nullable", "additionalProperties", "definitions"),
    *("actions", "base_url", "auth", "path", "method", "params", "body", "records"),
    *("cells", "cell_type", "source", "metadata", "tags", "nbformat", "nbformat_minor"),
)
EXTREME_TEXT = ("", " ", "\x00", "é", "\u202e", "${HOME}", "%s", "{", "[[", "~1", "#/", "a" * 300)
RETYPES: tuple[Any, ...] = (
    *(None, True, False, 0, -1, 10**9, 10**400, 1e308, float("inf"), float("nan"), ""),
    *("x", [], {}, [None], [[]], {"$ref": "#"}, {"type": None}, ["object", "array"]),
)
REF_TARGETS = (
    *("#", "#/", "#/paths", "#/components", "#/components/schemas/Missing", "#/info/title"),
    *("#/paths/~1nope", "other.json#/a", "other.yaml", "http://127.0.0.1:9/x.json#/a"),
    *("file:///etc/hostname#/", "#/components/schemas", "#/%7E", "//", "", "?x"),
)
SCHEMA_KEYWORDS: dict[str, tuple[Any, ...]] = {
    "minItems": (10**9, -1, "many", 1.5, None),
    "maxItems": (-1, 0, "x", 10**400),
    "minLength": (10**9, -5, "x", 2**63),
    "maxLength": (-1, 0, "y"),
    "minProperties": (10**9, -1, "z"),
    "multipleOf": (0, -1, 1e-308, 10**400, "2"),
    "minimum": (10**400, -(10**400), 1e308, "1", float("nan")),
    "maximum": (-(10**400), 1e-308, True),
    "exclusiveMinimum": (True, 10**400, "no"),
    "pattern": ("^a{1000000000}$", "(a+)+$", "[", "(?P<x>", "\\", "^(a|ab)*c$", "a{2,}" * 50),
    "format": ("date-time", "uuid", "binary", "byte", "int64", 5),
    "type": ("object", "array", "string", "integer", "number", "null", ["null"], 7, "file"),
    "enum": ([], [None], [{}], "abc", [[1], {"a": 1}]),
    "required": ("name", [1], [None], [[]], ["a"] * 50),
    "items": ({}, [], "x", {"$ref": "#"}, None),
    "properties": ([], "x", {"": {}}, {"a": None}),
    "allOf": ([], [None], [{"$ref": "#"}], {"a": 1}, "x"),
    "oneOf": ([], [None], [{"type": "null"}], "x"),
    "additionalProperties": (False, True, {"minItems": 10**9}, "x"),
    "nullable": ("yes", None),
    "example": (10**400, float("nan"), {"a": [1] * 50}),
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(EXTREME_TEXT),
)
json_keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=4)
    ),
    max_leaves=12,
)


@dataclass(frozen=True)
class Content:
    """What a property reads: ``data`` as bytes written to a file named ``suffix``, or a
    mapping passed as it is (``suffix`` ``mapping``)."""

    suffix: str
    data: bytes | dict[str, Any] = field(repr=False)

    def __repr__(self) -> str:
        shown = self.data if isinstance(self.data, bytes) else _short_repr(self.data)
        text = repr(shown)
        return f"Content({self.suffix!r}, {text[:1500]}{'...' if len(text) > 1500 else ''})"


def _short_repr(data: Any) -> str:
    try:
        return json.dumps(data)[:3000]
    except (ValueError, TypeError, RecursionError):
        return "<a mapping that refers to itself>"


# ---------------------------------------------------------------- mutating a document


_DELETE = object()


def _replace(node: Any, path: list[Any], value: Any) -> Any:
    """A copy of ``node`` with the value at ``path`` replaced (copies along the path only)."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    if not rest and value is _DELETE:
        del copy[key]
    else:
        copy[key] = _replace(node[key], rest, value)
    return copy


def _at(node: Any, path: list[Any]) -> Any:
    for key in path:
        node = node[key]
    return node


@st.composite
def _path(draw: st.DrawFn, document: Any) -> list[Any]:
    """A place in ``document``: each level is entered with probability 3/4."""
    path: list[Any] = []
    node = document
    while isinstance(node, dict | list) and node and len(path) < 14:
        if draw(st.integers(0, 3)) == 0:
            break
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = keys[draw(st.integers(0, len(keys) - 1))]
        path.append(key)
        node = node[key]
    return path


@st.composite
def mutated(draw: st.DrawFn, document: Any, *, cycles: bool = False) -> Any:
    """``document`` after one to four drawn edits; ``cycles`` also lets one refer to itself."""
    for _ in range(draw(st.integers(1, 4))):
        path = draw(_path(document))
        node = _at(document, path)
        kinds = ["replace", "retype", "ref", "keyword", "nest", "copy"]
        kinds += ["delete"] if path else []
        kinds += ["cycle"] if cycles and path else []
        kind = draw(st.sampled_from(kinds))
        if kind == "delete":
            document = _replace(document, path, _DELETE)
            continue
        if kind == "replace":
            value = draw(json_values)
        elif kind == "retype":
            value = draw(st.sampled_from(RETYPES))
        elif kind == "ref":
            ancestors = ["#/" + "/".join(str(k) for k in path[:i]) for i in range(len(path))]
            value = {"$ref": draw(st.sampled_from([*REF_TARGETS, *ancestors]))}
        elif kind == "keyword":
            keyword = draw(st.sampled_from(sorted(SCHEMA_KEYWORDS)))
            extreme = draw(st.sampled_from(SCHEMA_KEYWORDS[keyword]))
            value = {**node, keyword: extreme} if isinstance(node, dict) else {keyword: extreme}
        elif kind == "nest":
            value = node
            for _ in range(draw(st.sampled_from([1, 50, 199, 210, 400]))):
                value = [value] if draw(st.booleans()) else {"a": value}
        elif kind == "copy":
            value = _at(document, draw(_path(document)))
        else:  # a mapping that contains itself
            document = _replace(document, path, None)
            parent = _at(document, path[:-1])
            parent[path[-1]] = document
            continue
        document = _replace(document, path, value)
    return document


def _dump(document: Any, as_yaml: bool) -> bytes:
    """JSON or YAML text of ``document``; YAML (anchors) when it contains itself, and a
    stand-in as deep when it is nested past what the encoders walk."""
    try:
        if as_yaml:
            return yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True).encode()
        return json.dumps(document).encode()
    except ValueError:  # it contains itself
        return _dump(document, True) if not as_yaml else b"x: &a [*a]\n"
    except RecursionError:
        return b"[" * 2000 + b"]" * 2000


@st.composite
def serialized(draw: st.DrawFn, document: Any, suffixes: tuple[str, ...]) -> Content:
    """``document`` as JSON or YAML bytes (or the mapping itself), maybe corrupted."""
    suffix = draw(st.sampled_from(suffixes))
    if suffix == "mapping":
        return Content(suffix, document if isinstance(document, dict) else {"x": document})
    as_yaml = suffix in (".yaml", ".yml") or (suffix == "" and draw(st.booleans()))
    data = _dump(document, as_yaml)
    corruption = draw(st.sampled_from(["none", "none", "truncate", "bytes", "bom"]))
    if corruption == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif corruption == "bytes":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3(", b"\x00", b"\xed\xa0\x80", b"\t\r"]))
        data = data[:at] + junk + data[at:]
    elif corruption == "bom":
        data = b"\xef\xbb\xbf" + data
    return Content(suffix, data)


# ---------------------------------------------------------------- specs and manifests


@cache
def _spec(path: Path) -> Any:
    return json.loads(path.read_bytes())


def spec_files(max_bytes: int | None = MAX_SPEC_BYTES) -> list[Path]:
    """The real specs, up to ``max_bytes`` each (None: all of them)."""
    return [p for p in SPEC_FILES if max_bytes is None or p.stat().st_size <= max_bytes]


@st.composite
def _real_spec(draw: st.DrawFn, files: list[Path]) -> Any:
    """A real spec with at most three of its paths (its components all kept)."""
    document = _spec(draw(st.sampled_from(files)))
    paths = document.get("paths")
    if isinstance(paths, dict) and paths:
        names = list(paths)
        chosen = draw(st.lists(st.integers(0, len(names) - 1), min_size=1, max_size=3))
        document = {**document, "paths": {names[i]: paths[names[i]] for i in chosen}}
    return document


def pathological(kind: str) -> st.SearchStrategy[Content]:
    """Documents made to exhaust a reader: deep nesting and YAML aliases that multiply."""
    deep = st.sampled_from([150, 199, 200, 201, 999, 100_000])
    head = "openapi: 3.0.3\n" if kind == "spec" else "base_url: https://x.example.com\n"
    return st.one_of(
        deep.map(lambda n: Content(".json", b"[" * n + b"]" * n)),
        deep.map(lambda n: Content(".yaml", ("{a: " * n + "1" + "}" * n).encode())),
        deep.map(lambda n: Content(".yml", _block_nesting(min(n, 1000)))),
        st.tuples(st.integers(1, 9), st.integers(2, 10)).map(lambda t: laughs(head, *t)),
        st.just(Content(".yaml", (head + "x: &a [1, *a]\n").encode())),
    )


def _block_nesting(levels: int) -> bytes:
    """``levels`` block sequences, each indented one more space (the text grows as the
    square of ``levels``, hence the cap the caller puts on it)."""
    return ("x:\n" + "".join(" " * i + "- \n" for i in range(levels))).encode()


def laughs(head: str, levels: int, width: int) -> Content:
    """A "billion laughs" YAML document: ``levels`` anchors, each ``width`` aliases of the
    one before (``width ** levels`` values once expanded), after ``head``."""
    lines = [head, "x0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return Content(".yaml", "\n".join(lines).encode() + b"\n")


SPEC_SUFFIXES = (".json", ".yaml", ".yml", "", "mapping")


def specs(max_bytes: int | None = MAX_SPEC_BYTES) -> st.SearchStrategy[Content]:
    """Mutated real specs, random JSON/YAML documents and pathological ones."""
    files = spec_files(max_bytes)
    random_document = st.builds(
        lambda rest, key, version: {**rest, key: version},
        st.dictionaries(json_keys, json_values, max_size=5),
        st.sampled_from(["openapi", "swagger"]),
        st.sampled_from(["3.0.3", "3.1.0", "2.0", 3, None]),
    )
    return st.one_of(
        _real_spec(files)
        .flatmap(lambda d: mutated(d, cycles=True))
        .flatmap(lambda d: serialized(d, SPEC_SUFFIXES)),
        st.one_of(random_document, json_values).flatmap(lambda d: serialized(d, SPEC_SUFFIXES)),
        pathological("spec"),
    )


BASE_MANIFEST = {
    "name": "todo",
    "title": "To-do API",
    "base_url": "https://todo.example.com/v1",
    "auth": {"type": "api_key", "header": "X-API-Key"},
    "pagination": {"type": "offset", "limit": 100},
    "actions": {
        "list_items": {
            "method": "get",
            "path": "/lists/{list_id}/items",
            "params": {
                "list_id": {"type": "integer"},
                "done": {"type": "boolean", "default": False},
                "sort": {"enum": ["due", "created"]},
                "X-Request-Id": {"in": "header"},
            },
            "records": "data.items",
        },
        "add_item": {
            "method": "post",
            "path": "/lists/{list_id}/items",
            "body": {
                "type": "object",
                "required": ["title"],
                "properties": {"title": {"type": "string"}, "due": {"format": "date"}},
            },
            "response": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "pagination": False,
        },
    },
}


def manifests() -> st.SearchStrategy[Content]:
    """Mutated manifests (the documented example), random YAML and pathological YAML."""
    suffixes = (".yaml", ".yml", ".json", "mapping")
    return st.one_of(
        mutated(BASE_MANIFEST).flatmap(lambda d: serialized(d, suffixes)),
        json_values.flatmap(lambda d: serialized(d, suffixes)),
        pathological("manifest"),
    )


# ---------------------------------------------------------------- notebooks


@dataclass(frozen=True)
class NotebookInput:
    """A notebook file's bytes and the ``-p`` parameters given to it."""

    content: bytes
    parameters: tuple[tuple[str, str], ...] = ()


NON_NOTEBOOKS = (
    *(b"", b"[]", b'"x"', b"{}", b"null", b'{"cells": 5}', b'{"cells": [1]}', b"\xff\xfe"),
    *(b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}',),
    *(b'{"nbformat": 99, "cells": []}', b'{"nbformat": "4", "cells": []}', b"[" * 100_000),
    b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "code", '
    b'"metadata": {"tags": ["parameters"]}, "source": "x = (", "outputs": [], '
    b'"execution_count": null}]}',
)


@cache
def _notebook(path: Path) -> bytes:
    return path.read_bytes()


@st.composite
def _notebook_bytes(draw: st.DrawFn) -> bytes:
    real = _notebook(draw(st.sampled_from(NOTEBOOK_FILES)))
    kind = draw(st.sampled_from(["truncated", "mutated", "random", "bytes", "shaped"]))
    if kind == "truncated":
        return real[: draw(st.integers(0, len(real)))]
    if kind == "mutated":
        document = draw(mutated(json.loads(real)))
        return json.dumps(document).encode()
    if kind == "random":
        return json.dumps(draw(json_values)).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    return draw(st.sampled_from(NON_NOTEBOOKS))


notebooks = st.builds(
    NotebookInput,
    _notebook_bytes(),
    st.lists(
        st.tuples(
            st.sampled_from(["limit", "status", "top", "event", "x", "connection"])
            | st.text(max_size=6),
            st.sampled_from(["5", "true", "[1, 2]", "", "shop", "${HOME}", "1e400"])
            | st.text(max_size=8),
        ),
        max_size=2,
    ).map(tuple),
)


# ---------------------------------------------------------------- workbench.toml


BASE_TOMLS = (
    (ROOT / "notebooks" / "workbench.toml").read_text(encoding="utf-8"),
    '[connections.shop2]\nconnector = "sqlite"\npath = "shop.sqlite"\n\n'
    '[connections.slack]\nconnector = "slack"\ntoken = { secret = "slack/bot-token" }\n\n'
    '[connections.crm]\nconnector = "http"\nbase_url = "https://crm.example.com"\n'
    'token = "${CRM_TOKEN}"\nheaders = { X-Key = "${HOME}" }\n',
    '[jobs]\nstore = "runs/custom.db"\n\n[openapi]\n'
    'allowed_ref_origins = ["https://schemas.example.com"]\n',
    "",
)
toml_scalars = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["${HOME}", "${NOPE}", "${A:-b}", "sqlite", "postgresql", "http", "shop"]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(),
)
toml_values = st.recursive(
    toml_scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["secret", "connector", "x"]) | st.text(max_size=5),
            children,
            max_size=3,
        )
    ),
    max_leaves=6,
)
toml_tables = st.fixed_dictionaries(
    {},
    optional={
        "connections": st.dictionaries(st.text(max_size=6), toml_values, max_size=3),
        "jobs": st.dictionaries(st.sampled_from(["store", "broker", "queue"]), toml_values),
        "openapi": st.dictionaries(st.just("allowed_ref_origins"), toml_values),
    },
)


@st.composite
def _edited(draw: st.DrawFn, text: str) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "line"]))
        if kind == "insert":
            piece = draw(st.sampled_from(["[", "]", '"', "=", "\n", "{", "}", "#", "\\", "'''"]))
            text = (
                text[:at]
                + (piece if draw(st.booleans()) else draw(st.text(max_size=4)))
                + text[at:]
            )
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
        else:
            lines = text.splitlines(keepends=True)
            if lines:
                line = lines[draw(st.integers(0, len(lines) - 1))]
                text = text[:at] + line + text[at:]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\xe9"])) + data[at:]
    return data


def _dumps_toml(tables: dict[str, Any]) -> bytes:
    import tomlkit

    try:
        return tomlkit.dumps(tables).encode()
    except (ValueError, TypeError):
        return b""


config_files = st.one_of(
    st.sampled_from(BASE_TOMLS).flatmap(_edited),
    toml_tables.map(_dumps_toml),
    st.binary(max_size=120),
)


# ---------------------------------------------------------------- wb arguments


@dataclass(frozen=True)
class CliInput:
    """The arguments of one ``wb`` command and its standard input."""

    args: tuple[str, ...]
    stdin: str = ""


WORDS = (
    *("shop", "shop.query", "shop.row_changed", "schedule.slots", "nope", "-", "", "0", "-1"),
    *("3.5", "true", "[1, 2]", "k=v", "=", "x=", "host=127.0.0.1", "port=1", "path=s.sqlite"),
    *("token=${NOPE}", "password=${HOME}", "connector=x", "0 7 * * *", "* * *", "Europe/Paris"),
    *("Mars/Olympus", "local", "celery", "broken.ipynb", "text.ipynb", "missing.ipynb"),
    *("xkcd.json", "laughs.yaml", "deep.json", "http://127.0.0.1:9/x.json", "slack/bot-token"),
    *("a/../b", "sqlite", "postgresql", "http", "--json", "--help", "-p", "status", "pending"),
)
STDINS = ("", "secret-value", "[]", "{}", "not json", '[{"name": 1}]', "\xff", '{"bindings": 5}')


def _commands() -> list[tuple[tuple[str, ...], list[str]]]:
    """Every ``wb`` command but the long-running ones (serve, worker, lab): its path and
    option names."""
    import click

    from workbench.cli import cli

    found: list[tuple[tuple[str, ...], list[str]]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        options = [o for p in command.params if isinstance(p, click.Option) for o in p.opts]
        found.append((path, options))
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):  # lazy commands loaded too
                sub = command.get_command(context, name)
                if sub is not None and name not in ("serve", "worker", "lab"):
                    walk(sub, (*path, name))

    walk(cli, ())
    return found


@st.composite
def cli_inputs(draw: st.DrawFn) -> CliInput:
    """A real command followed by its own options, real-looking words and random text."""
    path, options = draw(st.sampled_from(_commands()))
    token = st.one_of(
        st.sampled_from([*options, "--help"] if options else ["--help"]),
        st.sampled_from(WORDS),
        st.text(max_size=8),
    )
    tokens = draw(st.lists(token, max_size=6))
    stdin = draw(st.one_of(st.sampled_from(STDINS), st.text(max_size=20)))
    return CliInput((*path, *tokens), stdin)
