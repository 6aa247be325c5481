"""The catalog as one object: connectors found through entry points, registered in this
process, or imported by an importer, with the table ``wb.catalog()`` shows.

Built-in connectors are registered by entry point (``workbench.connectors``) exactly like
third-party ones, and so are importers (``workbench.importers``). A plugin that fails to load
is reported (a :class:`BrokenConnectorWarning` and :meth:`Catalog.problems`), never fatal.
An imported connector is listed from what its importer reads; a class is built for it only
when it is asked for.

In a process that has not loaded the connector plugins yet, the rows and problems are
answered from :mod:`workbench.catalog_cache` while it is current, so listing the catalog
imports no connector (nor pandas or pydantic).

:func:`default_catalog` is the one every ``workbench.registry`` function answers from;
:func:`catalog_isolated` puts another in its place for a block.

Example:
    >>> from workbench.sdk import Connector
    >>> with catalog_isolated() as here:
    ...     _ = here.register(type("Memo", (Connector,), {"name": "memo", "library": True}))
    ...     inside = "memo" in default_catalog().connectors()
    >>> inside, "memo" in default_catalog().connectors()
    (True, False)
"""

from __future__ import annotations

import copy
import difflib
import sys
import threading
import time
import warnings
from collections.abc import Collection, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import catalog_cache
from workbench.errors import UnknownConnectorError, UnknownImporterError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    import pandas as pd

    from workbench.importer import Importer
    from workbench.sdk.connector import Connector

GROUP = "workbench.connectors"
IMPORTER_GROUP = "workbench.importers"
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
    """An installed connector (or importer) plugin could not be loaded."""


@dataclass(frozen=True)
class Problem:
    """A connector (or importer) entry point that failed to load, and why."""

    name: str
    target: str
    error: str
    kind: str = "connector"


class Catalog:
    """Connector classes by name, the importers, and the catalog table built from them.

    Example:
        >>> from workbench.sdk import Connector
        >>> here = Catalog()
        >>> Notes = here.register(type("Notes", (Connector,), {"name": "notes", "library": True}))
        >>> here.get_connector("notes") is Notes, here.rows("notes")[0]["auth"]
        (True, 'library')
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connectors: dict[str, type[Connector]] = {}
        self._packages: dict[str, str] = {}
        self._problems: list[Problem] = []
        self._discovered: dict[str, type[Connector]] = {}
        """The classes found through entry points (what the catalog cache holds)."""
        self._loaded = False
        self._cache_warned = False
        self._importer_lock = threading.Lock()
        """Apart from ``_lock``: a connector package loaded under ``_lock`` may ask for an
        importer's building blocks (``workbench.sdk.openapi``)."""
        self._importers: dict[str, Importer] | None = None
        self._importer_problems: list[Problem] = []
        self._imported_classes: dict[tuple[str, str, Hashable], type[Connector]] = {}

    def copy(self) -> Catalog:
        """A catalog holding what this one holds now; registering in either leaves the other."""
        with self._lock:
            other = copy.copy(self)
            other._lock = threading.Lock()
            other._importer_lock = threading.Lock()
            for field in ("_connectors", "_packages", "_discovered", "_imported_classes"):
                setattr(other, field, dict(getattr(self, field)))
            other._problems = list(self._problems)
            other._importer_problems = list(self._importer_problems)
            other._importers = None if self._importers is None else dict(self._importers)
        return other

    def register(self, cls: type[Connector], name: str | None = None) -> type[Connector]:
        """Make a connector class available by name in this catalog (usable as a decorator)."""
        self._load()
        key = name or cls.name
        if not key:
            raise ValueError(f"{cls.__name__} has no name; set the class attribute `name`")
        with self._lock:
            self._connectors[key] = cls
            self._packages[key] = cls.__module__.split(".")[0]
        return cls

    def connectors(self) -> dict[str, type[Connector]]:
        """Every installed or registered connector class by name (imported ones are built
        only when asked for by name)."""
        self._load()
        return dict(sorted(self._connectors.items()))

    def connector_names(self) -> list[str]:
        """The names of every connector: installed, registered and imported."""
        return sorted({*self.connectors(), *self.imported_names()})

    def problems(self) -> list[Problem]:
        """Connector and importer plugins that failed to load."""
        listed = self._listing().problems
        self.importers()
        return [*listed, *self._importer_problems]

    def get_connector(self, name: str, *, where: str = "") -> type[Connector]:
        """The connector class called ``name``; an unknown name suggests close matches."""
        self._load()
        cls = self._connectors.get(name) or self._imported_connector(name)
        if cls is None:
            close = difflib.get_close_matches(name, self.connector_names(), n=3)
            raise UnknownConnectorError(name, close, where=where)
        return cls

    def importers(self) -> dict[str, Importer]:
        """Every importer by name: those of the ``workbench.importers`` entry points and
        those added with :meth:`add_importer`."""
        if self._importers is None:
            found: list[Problem] = []
            loaded: dict[str, Importer] = {}
            for point in _entry_points(IMPORTER_GROUP):
                try:
                    loaded.setdefault(point.name, _importer_from(point))
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    found.append(Problem(point.name, point.value, error, kind="importer"))
            with self._importer_lock:
                if self._importers is None:
                    self._importers = loaded
                    self._importer_problems = found
                    _warn(found)
        return dict(sorted(self._importers.items()))

    def importer(self, name: str) -> Importer:
        """The importer called ``name``; an unknown name suggests close matches."""
        found = self.importers()
        if name not in found:
            close = difflib.get_close_matches(name, list(found), n=3)
            raise UnknownImporterError(name, close)
        return found[name]

    def add_importer(self, importer: Importer) -> Importer:
        """Make ``importer`` one of this catalog's importers, under its ``name``."""
        if not importer.name:
            raise ValueError(f"{type(importer).__name__} has no name; set the class attribute")
        self.importers()
        with self._importer_lock:
            assert self._importers is not None
            self._importers[importer.name] = importer
        return importer

    def rows(self, query: str | None = None) -> list[dict[str, Any]]:
        """The catalog as plain dicts; ``query`` filters by name, title, category, docs or
        action name (every word must match)."""
        return [
            dict(row.fields)
            for row in self._listing().rows
            if not query or _matches(query, row.fields, row.names)
        ]

    def frame(self, query: str | None = None) -> pd.DataFrame:
        """:meth:`rows` as a DataFrame with the columns of :data:`CATALOG_COLUMNS`."""
        from workbench.results.views import CatalogFrame

        return CatalogFrame(self.rows(query), columns=CATALOG_COLUMNS)

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            from workbench.sdk.connector import Connector

            found: list[Problem] = []
            for point in _entry_points(GROUP):
                try:
                    cls = point.load()
                    if not (isinstance(cls, type) and issubclass(cls, Connector)):
                        raise TypeError(f"{point.value} is not a Connector subclass")
                except Exception as exc:
                    found.append(Problem(point.name, point.value, f"{type(exc).__name__}: {exc}"))
                    continue
                self._discovered.setdefault(point.name, cls)
                self._connectors.setdefault(point.name, cls)
                self._packages.setdefault(point.name, point.dist.name if point.dist else "")
            self._problems.extend(found)
            self._loaded = True
        _warn(found)

    def imported_names(self) -> list[str]:
        """The names of the connectors the importers have imported."""
        return sorted({n for importer in self.importers().values() for n in importer.imported()})

    def _imported_connector(self, name: str) -> type[Connector] | None:
        """The class of an imported connector, built on first use (and again when its
        importer's stamp for it changes)."""
        for importer in self.importers().values():
            stamp = importer.imported().get(name)
            if stamp is None:
                continue
            key = (importer.name, name, stamp)
            with self._lock:
                cls = self._imported_classes.get(key)
            if cls is None:
                cls = importer.build(name)
                with self._lock:
                    self._imported_classes[key] = cls
            return cls
        return None

    def _listing(self) -> _Listing:
        """The rows and the broken plugins: from the classes once they are loaded (registered
        ones included), otherwise from the cache while it is current."""
        if self._loaded:
            return self._built()
        inputs = self._fixed_inputs()
        path = catalog_cache.default_path()
        cached = _Listing.from_payload(catalog_cache.read(path, inputs))
        if cached is not None:
            if not self._cache_warned:  # as loading the plugins would have, once
                self._cache_warned = True
                _warn(cached.problems)
            return cached
        started = time.time_ns()
        built = self._built()
        if not self._registered_here():
            found = self._package_roots()
            catalog_cache.write(path, built.payload(), inputs, found=found, started=started)
        return built

    def _built(self) -> _Listing:
        rows: list[_Row] = []
        installed = self.connectors()
        for name, cls in installed.items():
            fields = {
                "name": name,
                "title": cls.title,
                "category": cls.category,
                "description": cls.description,
                "auth": ", ".join(cls.auth_kinds) or ("library" if cls.library else "none"),
                "actions": len(cls.action_specs),
                "triggers": len(cls.trigger_specs),
                "package": self._packages.get(name, ""),
            }
            rows.append(_Row(fields, (*cls.action_specs, *cls.trigger_specs)))
        rows.extend(self._imported_rows(installed))
        return _Listing(rows, list(self._problems))

    def _imported_rows(self, installed: Collection[str]) -> list[_Row]:
        """Rows of imported connectors (not shadowed by an installed one or an earlier
        importer's)."""
        rows = []
        seen = set(installed)
        for importer in self.importers().values():
            for entry in importer.entries():
                if entry.name in seen:
                    continue
                seen.add(entry.name)
                fields: dict[str, Any] = {
                    "name": entry.name,
                    "title": entry.title,
                    "category": "api",
                    "description": (
                        f"cannot load: {entry.error}" if entry.error else entry.description
                    ),
                    "auth": ", ".join(entry.auth) or "none",
                    "actions": len(entry.actions),
                    "triggers": 0,
                    "package": "imported",
                }
                rows.append(_Row(fields, entry.actions))
        return rows

    def _fixed_inputs(self) -> list[Path]:
        """What the rows are built from, known before any connector plugin is loaded:
        Workbench's own code and what each importer reads."""
        found = [Path(__file__).parent]
        for importer in self.importers().values():
            found.extend(importer.inputs())
        return found

    def _package_roots(self) -> list[Path]:
        """The top-level package (or module) of every loaded connector plugin, and the real
        folder of the package holding each connector's class (the built-in ones are reached
        through a link, which a walk of the top-level package does not follow)."""
        roots: set[Path] = set()
        for cls in self._connectors.values():
            top = cls.__module__.partition(".")[0]
            for module in (top, cls.__module__.rpartition(".")[0] or top):
                where = getattr(sys.modules.get(module), "__file__", None)
                if where:
                    path = Path(where).resolve()
                    roots.add(path.parent if path.name == "__init__.py" else path)
        return sorted(roots)

    def _registered_here(self) -> bool:
        """True when a class was registered here (it is not what the cache holds)."""
        return any(self._discovered.get(n) is not cls for n, cls in self._connectors.items())


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


def _entry_points(group: str) -> list[EntryPoint]:
    from importlib.metadata import entry_points

    return list(entry_points(group=group))


def _importer_from(point: EntryPoint) -> Importer:
    """The importer an entry point names: an :class:`Importer` subclass (made once) or an
    instance."""
    from workbench.importer import Importer

    target = point.load()
    if isinstance(target, type) and issubclass(target, Importer):
        target = target()
    if not isinstance(target, Importer):
        raise TypeError(f"{point.value} is not an Importer")
    if target.name != point.name:
        raise TypeError(f"{point.value} is named {target.name!r}, not {point.name!r}")
    return target


def _warn(found: Iterable[Problem]) -> None:
    """A :class:`BrokenConnectorWarning` for each problem."""
    for problem in found:
        warnings.warn(
            f"{problem.kind} {problem.name!r} ({problem.target}) failed to load: {problem.error}",
            BrokenConnectorWarning,
            stacklevel=4,
        )


def _matches(query: str, row: dict[str, Any], names: Iterable[str]) -> bool:
    words = query.lower().split()
    fields = [str(row[k]) for k in ("name", "title", "category", "description")]
    haystack = " ".join([*fields, *names]).lower()
    return all(word in haystack for word in words)


_default = Catalog()


def default_catalog() -> Catalog:
    """The catalog of this process (what ``wb.catalog()`` and ``wb.connect`` read).

    Example:
        >>> "sqlite" in default_catalog().connector_names()
        True
    """
    return _default


@contextmanager
def catalog_isolated(catalog: Catalog | None = None) -> Iterator[Catalog]:
    """Make ``catalog`` (by default a copy of the current one) the process's catalog for the
    block, then put the previous one back: what the block registers is forgotten after it.

    ``catalog_isolated(Catalog())`` starts from nothing loaded, so plugins are discovered
    again (a test that installs one on ``sys.path``).

    Example:
        >>> with catalog_isolated(Catalog()) as fresh:
        ...     default_catalog() is fresh
        True
        >>> default_catalog() is fresh
        False
    """
    global _default
    previous = _default
    _default = previous.copy() if catalog is None else catalog
    try:
        yield _default
    finally:
        _default = previous
