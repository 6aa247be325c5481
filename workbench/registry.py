"""Connector discovery through the ``workbench.connectors`` entry points, and the catalog.

Built-in connectors are registered by entry point exactly like third-party ones. A plugin
that fails to load is reported (a :class:`BrokenConnectorWarning` and :func:`problems`),
never fatal. Connectors imported from an OpenAPI spec or a manifest (``wb connector
import``) are listed from their files; a class is built for one only when it is asked for.
"""

from __future__ import annotations

import difflib
import threading
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import UnknownConnectorError
from workbench.sdk.connector import Connector

if TYPE_CHECKING:
    import pandas as pd

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
_loaded = False
_imported_classes: dict[tuple[Path, int], type[Connector]] = {}


def _load() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        found: list[Problem] = []
        for ep in entry_points(group=GROUP):
            try:
                cls = ep.load()
                if not (isinstance(cls, type) and issubclass(cls, Connector)):
                    raise TypeError(f"{ep.value} is not a Connector subclass")
            except Exception as exc:
                found.append(Problem(ep.name, ep.value, f"{type(exc).__name__}: {exc}"))
                continue
            _connectors.setdefault(ep.name, cls)
            _packages.setdefault(ep.name, ep.dist.name if ep.dist else "")
        _problems.extend(found)
        _loaded = True
    for problem in found:
        warnings.warn(
            f"connector {problem.name!r} ({problem.target}) failed to load: {problem.error}",
            BrokenConnectorWarning,
            stacklevel=3,
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
    """Connector plugins that failed to load."""
    _load()
    return list(_problems)


def get_connector(name: str, *, where: str = "") -> type[Connector]:
    """The connector class called ``name``; an unknown name suggests close matches."""
    _load()
    cls = _connectors.get(name) or _imported_connector(name)
    if cls is None:
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

    rows: list[dict[str, object]] = []
    installed = connectors()
    for name, cls in installed.items():
        row = {
            "name": name,
            "title": cls.title,
            "category": cls.category,
            "description": cls.description,
            "auth": ", ".join(cls.auth_kinds) or ("library" if cls.library else "none"),
            "actions": len(cls.action_specs),
            "triggers": len(cls.trigger_specs),
            "package": _packages.get(name, ""),
        }
        if query and not _matches(query, row, [*cls.action_specs, *cls.trigger_specs]):
            continue
        rows.append(row)
    rows.extend(_imported_rows(query, installed))
    return CatalogFrame(rows, columns=CATALOG_COLUMNS)


def _imported_rows(query: str | None, installed: Collection[str]) -> list[dict[str, object]]:
    """Catalog rows of imported specs (not shadowed by an installed connector)."""
    from workbench.openapi import store

    rows = []
    for entry in store.entries():
        if entry.name in installed:
            continue
        row: dict[str, object] = {
            "name": entry.name,
            "title": entry.title,
            "category": "api",
            "description": f"cannot load: {entry.error}" if entry.error else entry.description,
            "auth": ", ".join(entry.auth) or "none",
            "actions": len(entry.actions),
            "triggers": 0,
            "package": "imported",
        }
        if not query or _matches(query, row, entry.actions):
            rows.append(row)
    return rows


def _matches(query: str, row: dict[str, object], names: Iterable[str]) -> bool:
    words = query.lower().split()
    fields = [str(row[k]) for k in ("name", "title", "category", "description")]
    haystack = " ".join([*fields, *names]).lower()
    return all(word in haystack for word in words)
