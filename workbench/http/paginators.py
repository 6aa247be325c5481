"""Pagination strategies: how to find a page's records and the request for the next page.

A strategy is a :class:`Paginator` subclass with a pydantic config model, registered by
name in :data:`paginators` (built-ins the same way as plugins, which register through
the entry point group ``workbench.paginators``). Addressable strategies (offset, page)
can build the request for any page number, so pages can be fetched ahead.

Example:
    >>> paginator = paginators.build({"type": "offset", "limit": 50, "records": "data"})
    >>> first = httpx.Request("GET", "https://api.example.com/items?q=x")
    >>> str(paginator.page_request(first, 2).url)
    'https://api.example.com/items?q=x&offset=100&limit=50'
    >>> paginators.build({"type": "offset", "limt": 50})
    Traceback (most recent call last):
    ...
    workbench.errors.ConfigError: pagination 'offset': unknown field 'limt'
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.errors import ConfigError
from workbench.http.recording import RETRIES
from workbench.http.records import select_records

ENTRY_POINT_GROUP = "workbench.paginators"


class PaginatorConfig(BaseModel):
    """The fields every strategy has: its ``type`` and the path to the records.

    Example:
        >>> PaginatorConfig(type="link", records="data.items").records
        'data.items'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    records: str | None = Field(None, description="dotted path to the list of records")


class Paginator:
    """A strategy: reads each page's records and says which request comes next.

    Subclass it with a config model and register it to add a strategy.

    Example:
        >>> class Header(Paginator):
        ...     "The next page's URL in an X-Next header."
        ...     def next_request(self, request, response, body, records):
        ...         url = response.headers.get("X-Next")
        ...         return with_url(request, url) if url else None
        >>> registry = PaginatorRegistry()  # or the shared one: ``paginators``
        >>> registry.register("x_next", Header)
        >>> type(registry.build({"type": "x_next"})).__name__
        'Header'
    """

    config_model: ClassVar[type[PaginatorConfig]] = PaginatorConfig
    addressable: ClassVar[bool] = False

    def __init__(self, config: PaginatorConfig) -> None:
        self.config = config

    def first_request(self, first: httpx.Request) -> httpx.Request:
        """The request for the first page."""
        return first

    def records(self, body: Any) -> list[Any]:
        """The records in a page's JSON body."""
        return select_records(body, self.config.records)

    def next_request(
        self, request: httpx.Request, response: httpx.Response, body: Any, records: list[Any]
    ) -> httpx.Request | None:
        """The request for the page after ``request``, or None after the last page."""
        raise NotImplementedError


class AddressablePaginator(Paginator):
    """A strategy whose page *n* can be requested without reading page *n - 1*.

    :func:`~workbench.http.pagination.paginate` fetches such pages ahead, concurrently.

    Example:
        >>> paginators.build({"type": "offset"}).addressable
        True
    """

    addressable = True

    def page_request(self, first: httpx.Request, index: int) -> httpx.Request:
        """The request for page ``index`` (0 is the first page)."""
        raise NotImplementedError

    def is_last(self, index: int, body: Any, records: list[Any]) -> bool:
        """True when page ``index`` (with these records) is the last."""
        raise NotImplementedError

    def page_count(self, body: Any, max_items: int | None) -> int | None:
        """How many pages are worth asking for, when the body or ``max_items`` tells."""
        return None

    def first_request(self, first: httpx.Request) -> httpx.Request:
        return self.page_request(first, 0)

    def next_request(
        self, request: httpx.Request, response: httpx.Response, body: Any, records: list[Any]
    ) -> httpx.Request | None:
        index = int(request.extensions["workbench.page"])
        return None if self.is_last(index, body, records) else self.page_request(request, index + 1)


def with_params(request: httpx.Request, params: Mapping[str, str]) -> httpx.Request:
    """A copy of ``request`` with these query parameters set.

    Example:
        >>> first = httpx.Request("GET", "https://api.example.com/items?page=1&q=x")
        >>> str(with_params(first, {"page": "2"}).url)
        'https://api.example.com/items?page=2&q=x'
    """
    return with_url(request, request.url.copy_merge_params(params))


def with_url(request: httpx.Request, url: httpx.URL | str) -> httpx.Request:
    """A copy of ``request`` (method, headers, body) sent to ``url`` (relative to the old one).

    Example:
        >>> first = httpx.Request("POST", "https://api.example.com/search", json={"q": "x"})
        >>> later = with_url(first, "/search?page=2")
        >>> later.method, str(later.url), later.content
        ('POST', 'https://api.example.com/search?page=2', b'{"q":"x"}')
    """
    extensions = {k: v for k, v in request.extensions.items() if k != RETRIES}
    return httpx.Request(
        request.method,
        request.url.join(url),
        headers=request.headers,
        content=request.content,
        extensions=extensions,
    )


class PaginatorRegistry:
    """Pagination strategies by name; plugins add theirs through entry points.

    The built-ins are loaded the same way as plugins: by import path, on first use.

    Example:
        >>> registry = PaginatorRegistry({"offset": "workbench.http.strategies:OffsetPaginator"})
        >>> "offset" in registry.names()
        True
    """

    def __init__(self, builtins: Mapping[str, str] | None = None) -> None:
        self._strategies: dict[str, type[Paginator]] = {}
        self._builtins = dict(builtins or {})
        self._plugins_loaded = False

    def register(self, name: str, strategy: type[Paginator]) -> None:
        """Make ``strategy`` available as ``{"type": name, ...}``."""
        self._strategies[name] = strategy

    def names(self) -> list[str]:
        """The registered strategy names, sorted."""
        self._load_plugins()
        return sorted(self._strategies)

    def get(self, name: str) -> type[Paginator]:
        """The strategy registered as ``name``; ConfigError naming the choices otherwise."""
        if name not in self._strategies:
            self._load_plugins()
        try:
            return self._strategies[name]
        except KeyError:
            choices = ", ".join(self.names())
            raise ConfigError(f"pagination: unknown type {name!r} (one of {choices})") from None

    def fields(self, name: str) -> dict[str, str]:
        """The fields of strategy ``name`` (``type`` and ``records`` included), each described.

        Example:
            >>> list(paginators.fields("cursor"))
            ['type', 'records', 'cursor_param', 'cursor_path']
        """
        model = self.get(name).config_model
        return {key: info.description or "" for key, info in model.model_fields.items()}

    def build(self, config: Mapping[str, Any] | PaginatorConfig | Paginator) -> Paginator:
        """A strategy from its config (a dict or a config model), validated."""
        if isinstance(config, Paginator):
            return config
        if isinstance(config, PaginatorConfig):
            return self.get(config.type)(config)
        name = config.get("type")
        if not isinstance(name, str):
            choices = ", ".join(self.names())
            raise ConfigError(f"pagination: the field 'type' is required (one of {choices})")
        strategy = self.get(name)
        try:
            return strategy(strategy.config_model.model_validate(dict(config)))
        except ValidationError as exc:
            raise ConfigError(_describe(name, exc)) from None

    def _load_plugins(self) -> None:
        """Load the built-ins, then the entry points (which cannot replace a built-in)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        points = [
            EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in self._builtins.items()
        ]
        points += entry_points(group=ENTRY_POINT_GROUP)
        for point in points:
            self._strategies.setdefault(point.name, point.load())


def _describe(name: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(part) for part in err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown field {field!r}")
        elif err["type"] == "missing":
            problems.append(f"the field {field!r} is required")
        else:
            problems.append(f"field {field!r}: {err['msg']}, got {err.get('input')!r}")
    return f"pagination {name!r}: " + "; ".join(problems)


BUILTINS = {
    name: f"workbench.http.strategies:{cls}"
    for name, cls in [
        ("cursor", "CursorPaginator"),
        ("offset", "OffsetPaginator"),
        ("page", "PagePaginator"),
        ("link", "LinkPaginator"),
        ("next_url", "NextUrlPaginator"),
    ]
}
paginators = PaginatorRegistry(BUILTINS)
"""The strategy registry: ``paginators.register(name, cls)``, ``paginators.build(config)``."""
