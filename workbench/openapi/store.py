"""Imported connectors: spec files copied into ``<config dir>/connectors/NAME.<json|yaml>``.

``wb connector import SPEC --name NAME`` copies the spec (a file or a URL's content) once it
loads; the original location is kept beside it (``NAME.source``) so that relative
``$ref``s and servers still resolve. The catalog reads each file once per change.

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
    ...     done = import_spec(spec, "pets")
    ...     found = [(e.name, e.title, e.actions) for e in entries()]
    ...     removed = remove("pets").name
    ...     left = imported()
    >>> done.path.name, found, removed, left
    ('pets.json', [('pets', 'Pets', ('list_pets',))], 'pets.json', {})
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import paths
from workbench.errors import ConfigError, SpecError, UnknownConnectorError

if TYPE_CHECKING:
    from workbench.openapi.model import ApiSpec

SUFFIXES = (".json", ".yaml", ".yml")
ORIGIN_SUFFIX = ".source"
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


class UnknownImportError(UnknownConnectorError):
    """No imported connector has that name."""

    template = "no imported connector named {name!r}"


@dataclass(frozen=True)
class Entry:
    """One imported connector, as the catalog lists it (``error`` when it no longer loads).

    ``actions`` names the supported operations; ``unsupported`` counts the others.
    """

    name: str
    path: Path
    title: str = ""
    description: str = ""
    auth: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    unsupported: int = 0
    origin: str = ""
    error: str | None = None


def folder() -> Path:
    """Where imported specs live: ``<config dir>/connectors``."""
    return paths.config_dir() / "connectors"


def imported() -> dict[str, Path]:
    """Imported spec files by connector name, sorted."""
    here = folder()
    if not here.is_dir():
        return {}
    found = {p.stem: p for p in here.iterdir() if p.suffix in SUFFIXES and p.is_file()}
    return dict(sorted(found.items()))


def origin(path: Path) -> str | None:
    """The location a stored spec was imported from, if recorded."""
    marker = path.with_suffix(ORIGIN_SUFFIX)
    if not marker.is_file():
        return None
    return marker.read_text(encoding="utf-8").strip() or None


def load_spec(source: Path, *, name: str, base: str | None) -> ApiSpec:
    """:func:`workbench.openapi.loader.load_spec` (imported on first use: listing the store
    needs no parser)."""
    from workbench.openapi import loader

    return loader.load_spec(source, name=name, base=base)


def load(name: str) -> ApiSpec:
    """The :class:`ApiSpec` of imported connector ``name``."""
    path = imported().get(name)
    if path is None:
        raise UnknownImportError(name, difflib.get_close_matches(name, imported(), n=3))
    return load_spec(path, name=name, base=origin(path))


@dataclass(frozen=True)
class Imported:
    """What :func:`import_spec` wrote."""

    spec: ApiSpec
    path: Path


def import_spec(
    source: str | Path, name: str, *, force: bool = False, taken: Collection[str] = ()
) -> Imported:
    """Copy ``source`` into the store as ``name`` once it loads; nothing is written otherwise.

    ``taken`` are names of installed connectors, which an import may not shadow.
    """
    if not NAME.fullmatch(name):
        raise ConfigError(
            f"invalid connector name {name!r}: use letters, digits, '_' or '-', "
            "starting with a letter"
        )
    if name in taken:
        raise ConfigError(f"{name!r} is an installed connector; import under another name")
    if name in imported() and not force:
        raise ConfigError(f"connector {name!r} is already imported; use --force to replace it")
    from workbench.openapi import documents
    from workbench.openapi.loader import spec_from_document

    document = documents.read(source)
    spec = spec_from_document(document, name=name)
    suffix = ".json" if document.format == "json" else ".yaml"
    target = folder() / f"{name}{suffix}"
    _write(target, document.raw or b"")
    _write(target.with_suffix(ORIGIN_SUFFIX), document.uri.encode() + b"\n")
    for other in SUFFIXES:
        if other != suffix:
            target.with_suffix(other).unlink(missing_ok=True)
    _forget(name)
    return Imported(spec, target)


def remove(name: str) -> Path:
    """Delete imported connector ``name``; returns the file removed."""
    path = imported().get(name)
    if path is None:
        raise UnknownImportError(name, difflib.get_close_matches(name, imported(), n=3))
    path.unlink()
    path.with_suffix(ORIGIN_SUFFIX).unlink(missing_ok=True)
    _forget(name)
    return path


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_lock = threading.Lock()
_entries: dict[Path, tuple[tuple[int, int], Entry]] = {}


def entries() -> list[Entry]:
    """Every imported connector as a catalog :class:`Entry`, each file read once per change."""
    return [entry(name, path) for name, path in imported().items()]


def entry(name: str, path: Path) -> Entry:
    """The catalog :class:`Entry` of one stored spec (cached by modification time and size)."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _entries.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    from workbench.openapi import security

    where = origin(path) or ""
    try:
        spec = load_spec(path, name=name, base=where or None)
    except SpecError as exc:
        found = Entry(name, path, name, origin=where, error=str(exc))
    else:
        found = Entry(
            name,
            path,
            spec.title,
            _summary(spec.description) or spec.title,
            tuple(dict.fromkeys(security.auth_kind(s) for s in spec.security_schemes.values())),
            tuple(op.name for op in spec.supported()),
            len(spec.unsupported()),
            where,
        )
    with _lock:
        _entries[path] = (stamp, found)
    return found


def _forget(name: str) -> None:
    with _lock:
        for path in [p for p in _entries if p.stem == name]:
            del _entries[path]


def _summary(description: str) -> str:
    """The first paragraph of a description, on one line."""
    return " ".join(description.strip().split("\n\n", 1)[0].split())
