"""The catalog's rows kept on disk between processes, keyed by everything they are built from.

Listing the installed connectors means importing every connector package (and the libraries
they import), which takes seconds; ``wb catalog`` reads the rows back from
``<data dir>/catalog-cache.json`` instead. The file is used only while its fingerprint still
matches: the interpreter, the distributions on ``sys.path`` (their names, versions and
``entry_points.txt`` files) and the name, size and modification time of every file under the
folders the rows were built from (the connector packages, Workbench's own code, the folder
of imported specs). Anything else, including a file that cannot be read or parsed, is a miss.

The file is replaced atomically and is private (0600). It is not written while one of those
inputs changed within the last two seconds, so a file edited during a build is never
recorded with the old rows.

Example:
    >>> import os, tempfile, time
    >>> from pathlib import Path
    >>> home = Path(tempfile.mkdtemp())
    >>> code = home / "code"
    >>> code.mkdir()
    >>> _ = (code / "plugin.py").write_text("x = 1")
    >>> os.utime(code / "plugin.py", (0, 0))
    >>> cache = home / "catalog.json"
    >>> write(cache, {"rows": [1]}, [], found=[code], started=time.time_ns())
    True
    >>> read(cache, [])
    {'rows': [1]}
    >>> _ = (code / "plugin.py").write_text("x = 22")
    >>> read(cache, []) is None
    True
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

FILE_NAME = "catalog-cache.json"
FORMAT = 1
KEPT = 4
"""How many environments' rows one file keeps."""
SETTLE_NS = 2_000_000_000
"""Inputs changed this recently keep the file from being written (coarse file clocks)."""
_DIST_SUFFIXES = (".dist-info", ".egg-info")
_SKIPPED = ("__pycache__", ".git", ".mypy_cache", ".pytest_cache", ".ruff_cache")


def default_path() -> Path:
    """Where the cache lives: ``<data dir>/catalog-cache.json``."""
    from workbench.paths import data_dir

    return data_dir() / FILE_NAME


def read(path: Path, inputs: Sequence[Path]) -> Any:
    """The payload stored in ``path`` if it is still current for ``inputs``, else None.

    ``inputs`` are the folders known before a build; those recorded by :func:`write` are
    checked as well.
    """
    try:
        stored = _entries(path).get(_environment(inputs))
        if stored is None:
            return None
        recorded = [Path(p) for p in stored["inputs"]]
        folders = _folders([*inputs, *recorded])
        if [str(p) for p in folders] != sorted(map(str, recorded)):
            return None  # an input the stored rows were not built from
        if _stamps(folders)[0] != stored["fingerprint"]:
            return None
        return stored["payload"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(
    path: Path,
    payload: Any,
    inputs: Sequence[Path],
    *,
    found: Sequence[Path] = (),
    started: int,
) -> bool:
    """Store ``payload`` for ``inputs`` and the folders ``found`` while building it (a build
    that began at ``started``, in ns).

    Returns False, writing nothing, when an input changed since the build began (or just
    before it) or the folder cannot be written. The file keeps the payloads of the last
    :data:`KEPT` environments (``wb`` and ``python -m`` see different ``sys.path``).
    """
    folders = _folders([*inputs, *found])
    fingerprint, newest = _stamps(folders)
    if newest >= started - SETTLE_NS:
        return False
    try:
        entries = _entries(path)
    except (OSError, ValueError):
        entries = {}
    entries.pop(key := _environment(inputs), None)
    kept = dict(list(entries.items())[-(KEPT - 1) :]) if KEPT > 1 else {}
    kept[key] = {
        "fingerprint": fingerprint,
        "inputs": [str(p) for p in folders],
        "payload": payload,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), 0o600)
            json.dump({"format": FORMAT, "entries": kept}, file, separators=(",", ":"))
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):
        Path(temporary).unlink(missing_ok=True)
        return False
    return True


def _entries(path: Path) -> dict[str, Any]:
    """The stored entries by environment ({} for a file of another format)."""
    try:
        stored = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        return {}
    entries = stored.get("entries")
    return (
        {str(k): v for k, v in entries.items() if isinstance(v, dict)}
        if isinstance(entries, dict)
        else {}
    )


def _environment(inputs: Sequence[Path]) -> str:
    """What tells one interpreter setup from another: version, prefix, path, inputs."""
    import hashlib

    head = [str(FORMAT), sys.version, sys.prefix, *sys.path, "", *map(str, _folders(inputs))]
    text = "\0".join(head).encode("utf-8", "surrogateescape")
    return hashlib.blake2b(text, digest_size=10).hexdigest()


def _folders(inputs: Sequence[Path]) -> list[Path]:
    return sorted({Path(os.path.abspath(p)) for p in inputs}, key=str)


def _stamps(folders: Sequence[Path]) -> tuple[str, int]:
    """The fingerprint of the environment and ``folders``, and the newest mtime seen (ns)."""
    import hashlib

    digest = hashlib.blake2b(digest_size=20)
    newest = 0
    for line, mtime in [*_distributions(), *(s for f in folders for s in _tree(f))]:
        digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
        newest = max(newest, mtime)
    return digest.hexdigest(), newest


def _distributions() -> Iterator[tuple[str, int]]:
    """Each distribution on ``sys.path`` (its folder name holds name and version) and the
    stamp of its ``entry_points.txt``; each zip or egg on the path by its own stamp."""
    for entry in dict.fromkeys(sys.path):
        where = entry or "."
        try:
            with os.scandir(where) as found:
                names = sorted(e.name for e in found if e.name.endswith(_DIST_SUFFIXES))
        except NotADirectoryError:
            yield _stamp(where, entry)
            continue
        except OSError:
            continue
        for name in names:
            yield _stamp(os.path.join(where, name, "entry_points.txt"), f"{entry}/{name}")


def _tree(folder: Path) -> Iterator[tuple[str, int]]:
    """Every file under ``folder`` (or the file itself): path, size and mtime."""
    if not folder.is_dir():
        yield _stamp(str(folder), str(folder))
        return
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED)
        for name in sorted(files):
            where = os.path.join(root, name)
            yield _stamp(where, where)


def _stamp(path: str, label: str) -> tuple[str, int]:
    try:
        stat = os.stat(path)
    except OSError:
        return f"{label} -", 0
    return f"{label} {stat.st_size} {stat.st_mtime_ns}", stat.st_mtime_ns
