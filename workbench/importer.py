"""Importers: connectors made from descriptions kept outside Python (an API spec, a manifest).

An importer is found through the entry-point group ``workbench.importers``; Workbench's own
``openapi`` importer is registered exactly like a third-party one. It lists the connectors it
has imported, with what the catalog shows of each (read without building anything), and
builds a connector class for one of them when it is asked for. The catalog keeps the class
until the importer's stamp for that name changes.

Example:
    >>> from workbench.sdk import Connector
    >>> class Notes(Importer):
    ...     "Connectors from notes."
    ...     name = "notes"
    ...     def imported(self):
    ...         return {"memo": 1}
    ...     def entries(self):
    ...         return [ImportedEntry("memo", "Memo", actions=("read",))]
    ...     def build(self, name):
    ...         return type("Memo", (Connector,), {"name": name, "library": True})
    >>> notes = Notes()
    >>> list(notes.imported()), notes.build("memo").name, notes.entries()[0].actions
    (['memo'], 'memo', ('read',))
"""

from __future__ import annotations

import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.errors import ConfigError

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector


@dataclass(frozen=True)
class ImportedEntry:
    """One imported connector as the catalog lists it (``error`` when it no longer loads).

    Example:
        >>> ImportedEntry("pets", "Pet Store", auth=("api_key",)).auth
        ('api_key',)
    """

    name: str
    title: str
    description: str = ""
    auth: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    """The names of its actions (a catalog query matches them)."""
    error: str | None = None


class Importer(ABC):
    """Lists the connectors imported in one format and builds a class for each.

    Subclass it, set ``name`` (the entry point's name, e.g. ``"openapi"``) and register the
    class under ``[project.entry-points."workbench.importers"]``. ``exports`` names the
    building blocks (``name -> module``) that connector packages built on the format use.
    """

    name: ClassVar[str] = ""
    exports: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def imported(self) -> Mapping[str, Hashable]:
        """Imported connector names, each with a stamp that changes when its source does."""

    @abstractmethod
    def entries(self) -> list[ImportedEntry]:
        """What the catalog shows of every imported connector (no class is built)."""

    @abstractmethod
    def build(self, name: str) -> type[Connector]:
        """The connector class of imported connector ``name``."""

    def inputs(self) -> list[Path]:
        """The files or folders the entries are read from (a change to one is a new catalog)."""
        return []

    def from_source(
        self, source: str | os.PathLike[str] | Mapping[str, Any], *, name: str | None = None
    ) -> type[Connector]:
        """A connector class built from ``source`` directly (nothing is stored)."""
        raise ConfigError(f"the {self.name!r} importer cannot build a connector from a source")

    def building_block(self, name: str) -> Any:
        """The building block ``name`` of :attr:`exports`, imported on first use.

        Example:
            >>> class Texts(Importer):
            ...     name, exports = "texts", {"dedent": "textwrap"}
            ...     imported = entries = build = lambda self, *a: None
            >>> Texts().building_block("dedent")("  a")
            'a'
        """
        module = self.exports.get(name)
        if module is None:
            raise AttributeError(f"the {self.name!r} importer has no building block {name!r}")
        return getattr(importlib.import_module(module), name)
