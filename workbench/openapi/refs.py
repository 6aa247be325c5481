"""Following ``$ref``: JSON pointers in the document, other files and URLs; lazily, cached.

A target is returned as written, its own ``$ref``s left in place, so a recursive schema
stays finite: each level is resolved when someone asks for it. A document reached through
a remote reference has every ``$ref`` inside it rewritten to an absolute URI when it is
first read, so any schema handed out can be followed with the same resolver.

URLs are fetched only where :class:`~workbench.openapi.origins.OriginCheck` allows (the
spec's own origin, or one listed in workbench.toml), and at most :data:`MAX_DOCUMENTS`
documents are read for one spec.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urljoin

from workbench.errors import SpecError
from workbench.openapi import documents, shape
from workbench.openapi.origins import OriginCheck

MAX_CHAIN = 64
MAX_DOCUMENTS = 200


def escape(token: str) -> str:
    """One JSON pointer token, escaped.

    Example:
        >>> "#/paths/" + escape("/pets/{id}")
        '#/paths/~1pets~1{id}'
    """
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """The inverse of :func:`escape`."""
    return token.replace("~1", "/").replace("~0", "~")


def walk(document: Any, fragment: str) -> Any:
    """The value at a JSON pointer (``/a/b``, percent-encoding allowed); KeyError if missing.

    Example:
        >>> walk({"a": [{"b/c": 1}]}, "/a/0/b~1c")
        1
    """
    node = document
    if not fragment:
        return node
    if not fragment.startswith("/"):
        raise KeyError(f"{fragment!r} is not a JSON pointer")
    for raw in unquote(fragment)[1:].split("/"):
        token = unescape(raw)
        if isinstance(node, Mapping):
            if token not in node:
                raise KeyError(f"no {token!r}")
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(f"no {token!r}")
    return node


def absolutize(node: Any, base: str) -> Any:
    """A copy of ``node`` with every ``$ref`` made absolute against ``base``.

    Example:
        >>> absolutize({"$ref": "#/Pet", "items": [{"$ref": "b.json"}]}, "file:///s/a.json")
        {'$ref': 'file:///s/a.json#/Pet', 'items': [{'$ref': 'file:///s/b.json'}]}
    """
    if isinstance(node, Mapping):
        out = {key: absolutize(value, base) for key, value in node.items()}
        if isinstance(out.get("$ref"), str):
            out["$ref"] = urljoin(base, out["$ref"])
        return out
    if isinstance(node, list):
        return [absolutize(item, base) for item in node]
    return node


class Resolver:
    """Resolves references against a root document at ``base`` (``label`` names it).

    Calling it returns the mapping a ``$ref`` names (:attr:`ApiSpec.resolve`). ``allowed``
    lists the origins URLs may be fetched from besides the spec's own (None: the ones
    workbench.toml lists); ``reader`` reads the document at a URI (by default
    :func:`~workbench.openapi.documents.read_uri`, checking each URL it fetches).

    Example:
        >>> doc = {"components": {"schemas": {"Node": {"properties": {
        ...     "next": {"$ref": "#/components/schemas/Node"}}}}}}
        >>> resolve = Resolver(doc, "file:///spec.json", "spec.json")
        >>> node = resolve("#/components/schemas/Node")
        >>> resolve(node["properties"]["next"]["$ref"]) is node
        True
    """

    def __init__(
        self,
        root: Any,
        base: str,
        label: str,
        *,
        allowed: tuple[str, ...] | None = None,
        reader: Callable[[str], documents.Document] | None = None,
    ) -> None:
        self.root = root
        self.base = base
        self.label = label
        self.check_origin = OriginCheck(base, label, allowed=allowed)
        self._reader = reader or functools.partial(documents.read_uri, allow=self.check_origin)
        self._documents: dict[str, Any] = {base.partition("#")[0]: root}
        self._failures: dict[str, str] = {}
        self._targets: dict[str, Any] = {}

    def __call__(self, ref: str) -> Mapping[str, Any]:
        target = self.lookup(ref)
        if not isinstance(target, Mapping):
            kind = shape.kind(target)
            raise SpecError(f"$ref {ref!r} names a {kind}, not a mapping", source=self.label)
        return target

    def lookup(self, ref: str) -> Any:
        """The value ``ref`` names, following targets that are nothing but a ``$ref``."""
        return self._chase({"$ref": ref}, pure_only=True)

    def follow(self, node: Any) -> Any:
        """``node``, or what it refers to when it is a Reference Object (siblings ignored)."""
        if type(node) is dict and "$ref" not in node:
            return node
        return self._chase(node, pure_only=False)

    def _chase(self, node: Any, *, pure_only: bool) -> Any:
        seen: list[str] = []
        while isinstance(node, Mapping) and "$ref" in node and (len(node) == 1 or not pure_only):
            ref = node["$ref"]
            if not isinstance(ref, str):
                raise SpecError(f"$ref must be a string, got {ref!r}", source=self.label)
            if ref in seen or len(seen) > MAX_CHAIN:
                raise SpecError(f"circular $ref: {' -> '.join([*seen, ref])}", source=self.label)
            seen.append(ref)
            node = self._target(ref)
        return node

    def _target(self, ref: str) -> Any:
        if ref in self._targets:
            return self._targets[ref]
        address, _, fragment = ref.partition("#")
        document = self.document(urljoin(self.base, address)) if address else self.root
        try:
            target = walk(document, fragment)
        except KeyError as exc:
            raise SpecError(
                f"cannot resolve $ref {ref!r}: {exc.args[0]}", source=self.label
            ) from None
        self._targets[ref] = target
        return target

    def document(self, uri: str) -> Any:
        """The document at an absolute URI, read once, its references made absolute.

        A document that cannot be read is not tried again: the same error is raised.
        """
        uri = uri.partition("#")[0]
        if uri in self._failures:
            raise SpecError(self._failures[uri], source=self.label)
        if uri not in self._documents:
            try:
                if len(self._documents) > MAX_DOCUMENTS:
                    raise SpecError(f"the spec refers to more than {MAX_DOCUMENTS} documents")
                self.check_origin(uri)
                loaded = self._reader(uri)
            except SpecError as exc:
                line = f" (line {exc.line})" if exc.line else ""
                self._failures[uri] = f"cannot resolve $ref to {uri!r}: {exc.reason}{line}"
                raise SpecError(self._failures[uri], source=self.label) from None
            self._documents[uri] = absolutize(loaded.data, uri)
        return self._documents[uri]
