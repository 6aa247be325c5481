"""Connector discovery through the ``workbench.connectors`` entry points, and the catalog.

Built-in connectors are registered by entry point exactly like third-party ones. A plugin
that fails to load is reported (a :class:`BrokenConnectorWarning` and :func:`problems`),
never fatal.
"""

from __future__ import annotations

import difflib
import threading
import warnings
from dataclasses import dataclass
from importlib.metadata import entry_points
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


def problems() -> list[Problem]:
    """Connector plugins that failed to load."""
    _load()
    return list(_problems)


def get_connector(name: str, *, where: str = "") -> type[Connector]:
    """The connector class called ``name``; an unknown name suggests close matches."""
    _load()
    try:
        return _connectors[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_connectors), n=3)
        raise UnknownConnectorError(name, close, where=where) from None


def catalog(query: str | None = None) -> pd.DataFrame:
    """Installed connectors as a table; ``query`` filters by name, title, category, docs or action.

    Columns: name, title, category, description, auth, actions, triggers, package.

    Example:
        >>> import workbench as wb
        >>> wb.catalog("sqlite")[["name", "category"]].to_dict("records")
        [{'name': 'sqlite', 'category': 'database'}]
    """
    import pandas as pd

    rows = []
    for name, cls in connectors().items():
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
        if query and not _matches(query, row, cls):
            continue
        rows.append(row)
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS)


def _matches(query: str, row: dict[str, object], cls: type[Connector]) -> bool:
    words = query.lower().split()
    haystack = " ".join(
        [str(row[k]) for k in ("name", "title", "category", "description")]
        + list(cls.action_specs)
        + list(cls.trigger_specs)
    ).lower()
    return all(word in haystack for word in words)
