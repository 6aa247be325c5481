"""The ``openapi`` importer: connectors from OpenAPI 3.x / Swagger 2.0 descriptions and YAML
manifests, stored by ``wb connector import`` (see :mod:`workbench.openapi.store`).

The catalog lists them from their files; a class is generated only when one is asked for.
Connector packages built on a spec take their building blocks from it through
:mod:`workbench.sdk.openapi`.

Example:
    >>> import json, os, tempfile
    >>> from pathlib import Path
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as home, mock.patch.dict(
    ...     os.environ, {"WORKBENCH_CONFIG_DIR": home}
    ... ):
    ...     spec = Path(home, "pets.json")
    ...     _ = spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "Pets"},
    ...         "paths": {"/pets": {"get": {"operationId": "listPets"}}}}))
    ...     _ = store.import_spec(spec, "pets")
    ...     found = OpenApiImporter()
    ...     listed = [(e.name, e.title, e.actions) for e in found.entries()]
    ...     built = sorted(found.build("pets").action_specs)
    >>> listed, built
    ([('pets', 'Pets', ('list_pets',))], ['list_pets'])
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.importer import ImportedEntry, Importer
from workbench.openapi import store

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector


class OpenApiImporter(Importer):
    """OpenAPI / Swagger descriptions and manifests in ``<config dir>/connectors``."""

    name = "openapi"
    exports: ClassVar[Mapping[str, str]] = {
        "ApiConfig": "workbench.openapi.settings",
        "ApiConnector": "workbench.openapi.connector",
        "ApiSpec": "workbench.openapi.model",
        "OperationSpec": "workbench.openapi.actions",
        "SandboxTransport": "workbench.openapi.sandbox",
        "config_class": "workbench.openapi.settings",
        "connector_class": "workbench.openapi.connector",
        "load_spec": "workbench.openapi.loader",
        "rows": "workbench.openapi.reply",
    }

    def imported(self) -> dict[str, tuple[Path, int]]:
        """Stored spec files by connector name, each stamped with its path and mtime."""
        found = {}
        for name, path in store.imported().items():
            try:
                found[name] = (path, path.stat().st_mtime_ns)
            except FileNotFoundError:  # removed while listing
                continue
        return found

    def entries(self) -> list[ImportedEntry]:
        """Every stored spec as the catalog lists it (each file read once per change)."""
        return [
            ImportedEntry(e.name, e.title, e.description, e.auth, e.actions, e.error)
            for e in store.entries()
        ]

    def build(self, name: str) -> type[Connector]:
        """The generated connector class of stored spec ``name``."""
        from workbench import openapi

        return openapi.connector_class(store.load(name), name)

    def inputs(self) -> list[Path]:
        """The folder of stored specs."""
        return [store.folder()]

    def from_source(
        self, source: str | os.PathLike[str] | Mapping[str, Any], *, name: str | None = None
    ) -> type[Connector]:
        """The connector class of a description given as a path, an http(s) URL or a
        parsed document (nothing is stored)."""
        from workbench.openapi.connector import connector_from_source

        if not isinstance(source, str | Mapping):
            source = os.fspath(source)
        return connector_from_source(source, name=name)
