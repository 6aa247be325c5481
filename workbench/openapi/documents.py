"""Reading an API document: a file, an http(s) URL or a parsed mapping; JSON or YAML.

JSON goes through the standard library; YAML through PyYAML's C loader where it is built,
with every mapping key kept as the text written (``200:`` is ``"200"``) and dates left as
strings, so a YAML document reads like its JSON twin. Syntax errors name the line.

Every document is checked against :mod:`~workbench.openapi.limits` (nesting depth, YAML
alias expansion) before it is built; a document fetched over http(s) may be at most
:data:`MAX_FETCH_BYTES` long.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from workbench.errors import SpecError
from workbench.openapi import limits

YAML_SUFFIXES = (".yaml", ".yml")
MAX_FETCH_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A parsed document, the URI relative references resolve against, and its raw bytes.

    ``label`` names the document in error messages (the path or URL as given);
    ``format`` is ``json``, ``yaml`` or ``mapping`` (parsed by the caller).
    """

    data: Any
    uri: str
    label: str
    raw: bytes | None = None
    format: str = "mapping"


def is_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL.

    Example:
        >>> is_url("https://example.com/openapi.json"), is_url("specs/openapi.json")
        (True, False)
    """
    return text.startswith(("http://", "https://"))


def file_uri(path: Path) -> str:
    """The absolute ``file://`` URI of a path."""
    return path.resolve().as_uri()


def read(source: str | Path | Mapping[str, Any], *, label: str | None = None) -> Document:
    """Read ``source``: a path, an http(s) or file URL, or an already-parsed mapping.

    Example:
        >>> read({"openapi": "3.1.0"}, label="inline").data["openapi"]
        '3.1.0'
    """
    if isinstance(source, Mapping):
        limits.check_tree(source, label or "<spec>")
        return Document(source, file_uri(Path.cwd()) + "/", label or "<spec>")
    text = str(source)
    if isinstance(source, str) and (is_url(text) or text.startswith("file:")):
        return read_uri(text, label=label)
    path = Path(source)
    raw = _read_file(path, label or text)
    fmt = _format_hint(path.suffix, "")
    return parse(raw, uri=file_uri(path), label=label or text, hint=fmt)


def read_uri(
    uri: str, *, label: str | None = None, allow: Callable[[str], None] | None = None
) -> Document:
    """Read the document at an absolute ``file:`` or http(s) URI.

    ``allow`` is called with every URL about to be fetched (redirects too) and raises
    to refuse one (see :class:`~workbench.openapi.origins.OriginCheck`).
    """
    shown = label or uri
    parts = urlsplit(uri)
    if parts.scheme == "file":
        path = Path(url2pathname(parts.path))
        raw = _read_file(path, shown)
        return parse(raw, uri=uri, label=shown, hint=_format_hint(path.suffix, ""))
    if parts.scheme not in ("http", "https"):
        raise SpecError(f"cannot read {uri!r}: only files and http(s) URLs", source=shown)
    raw, content_type = _fetch(uri, shown, allow)
    return parse(
        raw, uri=uri, label=shown, hint=_format_hint(Path(parts.path).suffix, content_type)
    )


def parse(raw: bytes, *, uri: str, label: str, hint: str | None = None) -> Document:
    """Parse JSON or YAML bytes (``hint`` from the file suffix or content type; else sniffed).

    Example:
        >>> parse(b"openapi: 3.0.3\\npaths: {}\\n", uri="file:///x.yaml", label="x.yaml").data
        {'openapi': '3.0.3', 'paths': {}}
        >>> parse(b'{"openapi": 3,}', uri="file:///x.json", label="x.json", hint="json")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: x.json:1: invalid JSON: Expecting property name enclosed in double quotes (column 15)
    """  # noqa: E501
    fmt = hint or ("json" if raw.lstrip()[:1] in (b"{", b"[") else "yaml")
    if fmt == "json":
        limits.check_json(raw, label)
        try:
            text = raw.decode(json.detect_encoding(raw))
            _check_surrogates(text, label)
            return Document(json.loads(text), uri, label, raw, "json")
        except json.JSONDecodeError as exc:
            if hint == "json":
                raise SpecError(
                    f"invalid JSON: {exc.msg} (column {exc.colno})", source=label, line=exc.lineno
                ) from None
        except UnicodeDecodeError as exc:
            raise SpecError(
                f"not UTF-8 text: {exc.reason} at byte {exc.start}", source=label
            ) from None
    return Document(load_yaml(raw, label), uri, label, raw, "yaml")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile(
    r"(?<!\\)(?:\\\\)*(?:\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)


def _check_surrogates(text: str, label: str) -> None:
    """Refuse half a UTF-16 surrogate pair written as an escape (``"\\ud800"``): JSON
    reads it into text that cannot be written out again."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return
    found = _LONE_SURROGATE.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        raise SpecError(
            f"invalid JSON: {found.group()[-6:]!r} is half a surrogate pair",
            source=label,
            line=line,
        )


def _format_hint(suffix: str, content_type: str) -> str | None:
    suffix, content_type = suffix.lower(), content_type.lower()
    if suffix == ".json" or "json" in content_type:
        return "json"
    if suffix in YAML_SUFFIXES or "yaml" in content_type:
        return "yaml"
    return None


def _read_file(path: Path, label: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SpecError("no such file", source=label) from None
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror or exc}", source=label) from None


def _fetch(url: str, label: str, allow: Callable[[str], None] | None = None) -> tuple[bytes, str]:
    import httpx

    from workbench.http import build_client

    def check(request: httpx.Request) -> None:
        if allow is not None:
            allow(str(request.url))

    try:
        with build_client(timeout=30.0) as client:
            client.event_hooks["request"] = [*client.event_hooks.get("request", []), check]
            with client.stream("GET", url) as response:
                response.raise_for_status()
                content = _read_capped(response, label)
    except httpx.HTTPStatusError as exc:
        raise SpecError(f"cannot fetch: HTTP {exc.response.status_code}", source=label) from None
    except httpx.HTTPError as exc:
        raise SpecError(f"cannot fetch: {type(exc).__name__}: {exc}", source=label) from None
    return content, response.headers.get("content-type", "")


def _read_capped(response: Any, label: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_FETCH_BYTES:
            raise SpecError(
                f"cannot fetch: the document is larger than {MAX_FETCH_BYTES // 2**20} MiB",
                source=label,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def load_yaml(raw: bytes | str, label: str) -> Any:
    """Parse YAML with the safe spec loader, refusing documents past the limits of
    :mod:`~workbench.openapi.limits` (deep nesting, aliases that expand too far).

    Example:
        >>> load_yaml("a: &x [1, 2]\\nb: *x\\n", "ok.yaml")
        {'a': [1, 2], 'b': [1, 2]}
        >>> load_yaml("a: [1, 2", "bad.yaml")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: bad.yaml:2: invalid YAML: did not find expected ',' or ']'
    """
    import yaml

    loader = _yaml_loader()
    try:
        limits.check_yaml(yaml.parse(raw, Loader=loader), label)
        return yaml.load(raw, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "syntax error"
        raise SpecError(f"invalid YAML: {problem}", source=label, line=line) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", source=label) from None


@functools.cache
def _yaml_loader() -> type[Any]:
    """A safe (C where built) loader: keys stay text, timestamps stay strings."""
    import yaml

    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key: Any = key_node.value
            else:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a scalar", key_node.start_mark
                )
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    resolvers = {
        first: [(tag, regex) for tag, regex in found if not tag.endswith(":timestamp")]
        for first, found in base.yaml_implicit_resolvers.items()
    }
    loader: type[Any] = type(
        "SpecLoader", (base,), {"yaml_implicit_resolvers": resolvers, "yaml_constructors": {}}
    )
    loader.yaml_constructors = dict(base.yaml_constructors)
    loader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    return loader
