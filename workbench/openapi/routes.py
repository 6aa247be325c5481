"""Matching a request's method and path to the operation of a spec (for the sandbox)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.requests import fixed_query, templated_query

_VARIABLE = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Match:
    """The outcome of routing: the operation and its raw path values, or a 404/405 status."""

    operation: Operation | None
    path: str
    params: dict[str, str]
    status: int = 200
    allowed: tuple[str, ...] = ()


class Router:
    """Finds the operation for ``METHOD /path``; literal paths win over templated ones.

    Paths are tried relative to the base URL given, then to each of the spec's servers.

    Example:
        >>> from workbench.openapi.model import ApiSpec, Operation
        >>> ops = {o.name: o for o in (
        ...     Operation("get_pet", "get", "/pets/{id}", ""),
        ...     Operation("mine", "get", "/pets/mine", ""))}
        >>> router = Router(ApiSpec("t", "1", "", {}, {}.__getitem__,
        ...                         servers=("https://api.example.com/v1",), operations=ops))
        >>> found = router.match("GET", "/v1/pets/a%2Fb")
        >>> found.operation.name, found.params
        ('get_pet', {'id': 'a/b'})
        >>> router.match("GET", "/v1/pets/mine").operation.name
        'mine'
        >>> router.match("DELETE", "/v1/pets/1").status, router.match("GET", "/v1/cats").status
        (405, 404)
    """

    def __init__(self, spec: ApiSpec, base_url: str | None = None) -> None:
        routes: dict[str, dict[str, Operation]] = {}
        for operation in spec.operations.values():
            routes.setdefault(operation.path, {})[operation.method] = operation
        found = [_Route(template, methods) for template, methods in routes.items()]
        # fixed queries first, fewer variables, then longer literal text: most specific wins
        found.sort(key=lambda r: (-len(r.fixed) - len(r.in_query), len(r.names), -len(r.source)))
        self._routes = found
        bases = [base_url or "", *spec.servers]
        for operation in spec.operations.values():
            bases.extend(operation.servers)
        self._prefixes = _prefixes(bases)

    def match(self, method: str, raw_path: str, query: str = "") -> Match:
        """The operation answering ``method`` at ``raw_path`` (percent-encoded, no query):
        the first of :meth:`matches`, or a 404 or 405 when there is none."""
        return next(self.matches(method, raw_path, query))

    def matches(self, method: str, raw_path: str, query: str = "") -> Iterator[Match]:
        """Each operation that could answer ``method`` at ``raw_path``, most specific first
        (two templates alike but for their variables' names both match), then a 404 or 405.

        A path template with a fixed query (``/#Action=Describe``) matches when ``query``
        carries it; one with path variables in its query (``/current?city={city}``) when
        ``query`` has their keys, and their values are among the match's ``params``.
        """
        given = set(parse_qsl(query, keep_blank_values=True))
        keys = dict(given)
        allowed: list[str] = []
        for prefix in self._prefixes:
            if not raw_path.startswith(prefix):
                continue
            rest = raw_path[len(prefix) :] or "/"
            if not rest.startswith("/"):
                continue
            for route in self._routes:
                found = route.fullmatch(rest) or route.fullmatch(rest.rstrip("/") or "/")
                if found is None or not route.fixed <= given or not route.in_query <= keys.keys():
                    continue
                operation = route.methods.get(method.lower())
                if operation is None:
                    allowed.extend(m.upper() for m in route.methods if m.upper() not in allowed)
                    continue
                params = {
                    name: unquote(value)
                    for name, value in zip(route.names, found.groups(), strict=True)
                }
                params.update((name, keys[key]) for name, key in route.variables.items())
                yield Match(operation, rest, params)
        status = 405 if allowed else 404
        yield Match(None, raw_path, {}, status, tuple(allowed))


class _Route:
    """One path template: its pattern is compiled the first time a path could match it.

    A path can only match when it has as many ``/`` as the template and starts and ends
    with the template's literal text (a variable never spans a ``/``); other paths are
    turned away without a regular expression, so a spec of many paths routes its first
    request without compiling them all.
    """

    def __init__(self, template: str, methods: dict[str, Operation]) -> None:
        self.methods = methods
        template, _, fixed = template.replace("#", "?", 1).partition("?")
        parts: list[str] = []
        self.names: list[str] = []
        position = 0
        for found in _VARIABLE.finditer(template):
            parts.append(re.escape(template[position : found.start()]))
            parts.append("([^/]+)")
            self.names.append(found.group(1))
            position = found.end()
        parts.append(re.escape(template[position:]))
        self.source = "".join(parts)
        self.fixed = set(fixed_query(fixed))
        self.variables = templated_query(fixed)  # path variable -> the query key it is sent as
        self.in_query = set(self.variables.values())
        variables = list(_VARIABLE.finditer(template))
        self._slashes = template.count("/")
        self._head = template[: variables[0].start()] if variables else template
        self._tail = template[variables[-1].end() :] if variables else ""
        self._literal = not variables
        self._pattern: re.Pattern[str] | None = None

    def fullmatch(self, path: str) -> re.Match[str] | None:
        if path.count("/") != self._slashes or not path.startswith(self._head):
            return None
        if self._literal and path != self._head:
            return None
        if not path.endswith(self._tail):
            return None
        if self._pattern is None:
            self._pattern = re.compile(self.source)
        return self._pattern.fullmatch(path)


def _prefixes(bases: Iterable[str]) -> list[str]:
    """The path parts of the base URLs, longest first, and the empty prefix last."""
    found = {urlsplit(base).path.rstrip("/") for base in bases if base}
    found.discard("")
    return [*sorted(found, key=len, reverse=True), ""]
