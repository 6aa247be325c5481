"""Connector discovery through the ``workbench.connectors`` entry points, and the catalog.

Built-in connectors are registered by entry point exactly like third-party ones. A plugin
that fails to load is reported (a :class:`BrokenConnectorWarning` and :func:`problems`),
never fatal. Connectors imported from an OpenAPI spec or a manifest (``wb connector
import``) are listed from their files; a class is built for one only when it is asked for.

In a process that has not loaded the plugins yet, :func:`catalog_rows` and :func:`problems`
answer from :mod:`workbench.catalog_cache` while it is current, so listing the catalog
imports no connector (nor pandas or pydantic).
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import catalog_cache
from workbench.errors import UnknownConnectorError

if TYPE_CHECKING:
    import pandas as pd

    from workbench.sdk.connector import Connector

GROUP = "workbench.connectors"
CATALOG_COLUMNS = [
    "name",
    "title",
    "category",
    "description",
    "auth",
    "actions",
    "triggers",
    "package",
]


class BrokenConnectorWarning(UserWarning):
    """An installed connector plugin could not be loaded."""


@dataclass(frozen=True)
class Problem:
    """A connector entry point that failed to load, and why."""

    name: str
    target: str
    error: str


_lock = threading.Lock()
_connectors: dict[str, type[Connector]] = {}
_packages: dict[str, str] = {}
_problems: list[Problem] = []
_discovered: dict[str, type[Connector]] = {}
"""The classes found through entry points (what the catalog cache holds)."""
_loaded = False
_cache_warned = False
_imported_classes: dict[tuple[Path, int], type[Connector]] = {}


def _load() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        from importlib.metadata import entry_points

        from workbench.sdk.connector import Connector

        found: list[Problem] = []
        for ep in entry_points(group=GROUP):
            try:
                cls = ep.load()
                if not (isinstance(cls, type) and issubclass(cls, Connector)):
                    raise TypeError(f"{ep.value} is not a Connector subclass")
            except Exception as exc:
                found.append(Problem(ep.name, ep.value, f"{type(exc).__name__}: {exc}"))
                continue
            _discovered.setdefault(ep.name, cls)
            _connectors.setdefault(ep.name, cls)
            _packages.setdefault(ep.name, ep.dist.name if ep.dist else "")
        _problems.extend(found)
        _loaded = True
    _warn(found)


def _warn(found: Iterable[Problem]) -> None:
    """A :class:`BrokenConnectorWarning` for each problem."""
    for problem in found:
        warnings.warn(
            f"connector {problem.name!r} ({problem.target}) failed to load: {problem.error}",
            BrokenConnectorWarning,
            stacklevel=4,
        )


def register(cls: type[Connector], name: str | None = None) -> type[Connector]:
    """Make a connector class available by name in this process (usable as a decorator).

    Example:
        >>> from workbench.sdk import Connector
        >>> @register
        ... class Notes(Connector):
        ...     "Keeps notes."
        ...     name = "notes"
        ...     library = True
        >>> get_connector("notes") is Notes
        True
    """
    _load()
    key = name or cls.name
    if not key:
        raise ValueError(f"{cls.__name__} has no name; set the class attribute `name`")
    with _lock:
        _connectors[key] = cls
        _packages[key] = cls.__module__.split(".")[0]
    return cls


def connectors() -> dict[str, type[Connector]]:
    """Every available connector class by name."""
    _load()
    return dict(sorted(_connectors.items()))


def connector_names() -> list[str]:
    """The names of every connector: installed, registered and imported from a spec."""
    from workbench.openapi import store

    return sorted({*connectors(), *store.imported()})


def problems() -> list[Problem]:
    """Connector plugins that failed to load.

    Example:
        >>> [p.name for p in problems()]
        []
    """
    return list(_listing().problems)


def get_connector(name: str, *, where: str = "") -> type[Connector]:
    """The connector class called ``name``; an unknown name suggests close matches."""
    _load()
    cls = _connectors.get(name) or _imported_connector(name)
    if cls is None:
        import difflib

        close = difflib.get_close_matches(name, connector_names(), n=3)
        raise UnknownConnectorError(name, close, where=where)
    return cls


def _imported_connector(name: str) -> type[Connector] | None:
    """The class of an imported spec, built on first use (and again when the file changes)."""
    from workbench.openapi import store

    path = store.imported().get(name)
    if path is None:
        return None
    key = (path, path.stat().st_mtime_ns)
    with _lock:
        cls = _imported_classes.get(key)
    if cls is None:
        from workbench.openapi import connector_class

        cls = connector_class(store.load(name), name)
        with _lock:
            _imported_classes[key] = cls
    return cls


def catalog(query: str | None = None) -> pd.DataFrame:
    """Installed connectors as a table; ``query`` filters by name, title, category, docs or action.

    Columns: name, title, category, description, auth, actions, triggers, package.

    Example:
        >>> import workbench as wb
        >>> wb.catalog("sqlite")[["name", "category"]].to_dict("records")
        [{'name': 'sqlite', 'category': 'database'}]
    """
    from workbench.results.views import CatalogFrame

    return CatalogFrame(catalog_rows(query), columns=CATALOG_COLUMNS)


def catalog_rows(query: str | None = None) -> list[dict[str, Any]]:
    """The rows of :func:`catalog` as plain dicts (what ``wb catalog`` prints).

    Example:
        >>> [(r["name"], r["package"]) for r in catalog_rows("sqlite")]
        [('sqlite', 'workbench')]
    """
    return [
        dict(row.fields)
        for row in _listing().rows
        if not query or _matches(query, row.fields, row.names)
    ]


@dataclass(frozen=True)
class _Row:
    fields: dict[str, Any]
    names: tuple[str, ...]
    """The connector's action and trigger names (searched by a query, not shown)."""


@dataclass(frozen=True)
class _Listing:
    rows: list[_Row]
    problems: list[Problem]

    def payload(self) -> dict[str, Any]:
        return {
            "rows": [{"fields": r.fields, "names": list(r.names)} for r in self.rows],
            "problems": [asdict(p) for p in self.problems],
        }

    @classmethod
    def from_payload(cls, payload: Any) -> _Listing | None:
        try:
            rows = [_Row(dict(r["fields"]), tuple(r["names"])) for r in payload["rows"]]
            found = [Problem(**p) for p in payload["problems"]]
        except (KeyError, TypeError, ValueError):
            return None
        if not all(set(r.fields) == set(CATALOG_COLUMNS) for r in rows):
            return None
        return cls(rows, found)


def _listing() -> _Listing:
    """The catalog and the broken plugins: from the classes once they are loaded in this
    process (registered ones included), otherwise from the cache while it is current."""
    if _loaded:
        return _built()
    inputs = _fixed_inputs()
    path = catalog_cache.default_path()
    cached = _Listing.from_payload(catalog_cache.read(path, inputs))
    if cached is not None:
        global _cache_warned
        if not _cache_warned:  # as loading the plugins would have, once per process
            _cache_warned = True
            _warn(cached.problems)
        return cached
    started = time.time_ns()
    built = _built()
    if not _registered_here():
        found = _package_roots()
        catalog_cache.write(path, built.payload(), inputs, found=found, started=started)
    return built


def _built() -> _Listing:
    rows: list[_Row] = []
    installed = connectors()
    for name, cls in installed.items():
        fields = {
            "name": name,
            "title": cls.title,
            "category": cls.category,
            "description": cls.description,
            "auth": ", ".join(cls.auth_kinds) or ("library" if cls.library else "none"),
            "actions": len(cls.action_specs),
            "triggers": len(cls.trigger_specs),
            "package": _packages.get(name, ""),
        }
        rows.append(_Row(fields, (*cls.action_specs, *cls.trigger_specs)))
    rows.extend(_imported_rows(installed))
    return _Listing(rows, list(_problems))


def _imported_rows(installed: Collection[str]) -> list[_Row]:
    """Catalog rows of imported specs (not shadowed by an installed connector)."""
    from workbench.openapi import store

    rows = []
    for entry in store.entries():
        if entry.name in installed:
            continue
        fields: dict[str, Any] = {
            "name": entry.name,
            "title": entry.title,
            "category": "api",
            "description": f"cannot load: {entry.error}" if entry.error else entry.description,
            "auth": ", ".join(entry.auth) or "none",
            "actions": len(entry.actions),
            "triggers": 0,
            "package": "imported",
        }
        rows.append(_Row(fields, entry.actions))
    return rows


def _fixed_inputs() -> list[Path]:
    """What the rows are built from, known before any plugin is loaded: Workbench's own code
    and the folder of imported specs."""
    from workbench.openapi.store import folder

    return [Path(__file__).parent, folder()]


def _package_roots() -> list[Path]:
    """The top-level package (or module) of every loaded connector plugin, and the real
    folder of the package holding each connector's class (the built-in ones are reached
    through a link, which a walk of the top-level package does not follow)."""
    roots: set[Path] = set()
    for cls in _connectors.values():
        top = cls.__module__.partition(".")[0]
        for module in (top, cls.__module__.rpartition(".")[0] or top):
            where = getattr(sys.modules.get(module), "__file__", None)
            if where:
                path = Path(where).resolve()
                roots.add(path.parent if path.name == "__init__.py" else path)
    return sorted(roots)


def _registered_here() -> bool:
    """True when a class was registered in this process (it is not what the cache holds)."""
    return any(_discovered.get(name) is not cls for name, cls in _connectors.items())


def _matches(query: str, row: dict[str, Any], names: Iterable[str]) -> bool:
    words = query.lower().split()
    fields = [str(row[k]) for k in ("name", "title", "category", "description")]
    haystack = " ".join([*fields, *names]).lower()
    return all(word in haystack for word in words)
