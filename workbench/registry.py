"""The catalog of connectors, by function: each answers from the process's
:class:`~workbench.connector_catalog.Catalog` (:func:`default_catalog`).

Built-in connectors are registered by entry point exactly like third-party ones; connectors
imported by an importer (``wb connector import`` for an OpenAPI spec or a manifest) are
listed from their files. See :mod:`workbench.connector_catalog`.

Example:
    >>> "sqlite" in connector_names()
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.connector_catalog import (
    CATALOG_COLUMNS,
    GROUP,
    IMPORTER_GROUP,
    BrokenConnectorWarning,
    Catalog,
    Problem,
    catalog_isolated,
    default_catalog,
)

if TYPE_CHECKING:
    import pandas as pd

    from workbench.importer import Importer
    from workbench.sdk.connector import Connector

__all__ = [
    "CATALOG_COLUMNS",
    "GROUP",
    "IMPORTER_GROUP",
    "BrokenConnectorWarning",
    "Catalog",
    "Problem",
    "add_importer",
    "catalog",
    "catalog_isolated",
    "catalog_rows",
    "connector_names",
    "connectors",
    "default_catalog",
    "get_connector",
    "imported_names",
    "importer",
    "importers",
    "problems",
    "register",
]


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
    return default_catalog().register(cls, name)


def connectors() -> dict[str, type[Connector]]:
    """Every installed or registered connector class by name."""
    return default_catalog().connectors()


def connector_names() -> list[str]:
    """The names of every connector: installed, registered and imported."""
    return default_catalog().connector_names()


def problems() -> list[Problem]:
    """Connector and importer plugins that failed to load.

    Example:
        >>> [p.name for p in problems()]
        []
    """
    return default_catalog().problems()


def get_connector(name: str, *, where: str = "") -> type[Connector]:
    """The connector class called ``name``; an unknown name suggests close matches."""
    return default_catalog().get_connector(name, where=where)


def imported_names() -> list[str]:
    """The names of the connectors imported by an importer (``wb connector import``)."""
    return default_catalog().imported_names()


def importers() -> dict[str, Importer]:
    """Every importer by name (``openapi`` is Workbench's own).

    Example:
        >>> "openapi" in importers()
        True
    """
    return default_catalog().importers()


def importer(name: str) -> Importer:
    """The importer called ``name``; an unknown name suggests close matches.

    Example:
        >>> importer("openapi").name
        'openapi'
    """
    return default_catalog().importer(name)


def add_importer(found: Importer) -> Importer:
    """Make an importer available in this process, under its ``name``."""
    return default_catalog().add_importer(found)


def catalog(query: str | None = None) -> pd.DataFrame:
    """Installed connectors as a table; ``query`` filters by name, title, category, docs or action.

    Columns: name, title, category, description, auth, actions, triggers, package.

    Example:
        >>> import workbench as wb
        >>> wb.catalog("sqlite")[["name", "category"]].to_dict("records")
        [{'name': 'sqlite', 'category': 'database'}]
    """
    return default_catalog().frame(query)


def catalog_rows(query: str | None = None) -> list[dict[str, Any]]:
    """The rows of :func:`catalog` as plain dicts (what ``wb catalog`` prints).

    Example:
        >>> [(r["name"], r["package"]) for r in catalog_rows("sqlite")]
        [('sqlite', 'workbench')]
    """
    return default_catalog().rows(query)
