"""Paths and patterns given to the files connector, checked before anything is opened.

A path names a file by its parts below the connection's folder. The check is on the text
alone: ``..`` is taken away with the part before it, and a path that climbs above the
folder, or an absolute path elsewhere, is refused. Links are not looked at here: the
:class:`~workbench.connectors.files.folder.Folder` follows them, one part at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePath, PurePosixPath


class PathError(ValueError):
    """A path or pattern that cannot name a file in the folder (bad input)."""


class OutsideFolderError(PathError):
    """A path or pattern that climbs out of the folder it must stay in."""


class UnsafeLinkError(Exception):
    """A link on the way leads out of the folder, or links loop."""


def path_parts(roots: Iterable[Path], path: str) -> list[str]:
    """The parts of ``path`` below the folder (``roots``: the folder's absolute spellings).

    Raise :class:`OutsideFolderError` when the path climbs out or is absolute elsewhere,
    :class:`PathError` when it names the folder itself or holds a NUL character.

    Example:
        >>> path_parts([Path("/data")], "in/./old/../orders.csv")
        ['in', 'orders.csv']
        >>> path_parts([Path("/data")], "/data/in/orders.csv")
        ['in', 'orders.csv']
        >>> path_parts([Path("/data")], "in/../../etc/passwd")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        workbench.connectors.files.paths.OutsideFolderError: path 'in/../../etc/passwd' is ...
    """
    folders = list(roots)
    if "\0" in path:
        raise PathError(f"path {path!r} holds a NUL character")
    pure = PurePosixPath(path)
    if pure.is_absolute():
        for folder in folders:
            if pure.is_relative_to(folder):
                pure = pure.relative_to(folder)
                break
        else:
            raise OutsideFolderError(f"path {path!r} is outside the folder {folders[0]}")
    parts: list[str] = []
    for part in pure.parts:
        if part == "..":
            if not parts:
                raise OutsideFolderError(f"path {path!r} is outside the folder {folders[0]}")
            parts.pop()
        elif part != ".":
            parts.append(part)
    if not parts:
        raise PathError(f"path {path!r} names the folder {folders[0]} itself, not a file in it")
    return parts


def check_pattern(pattern: str) -> None:
    """Raise :class:`OutsideFolderError` unless ``pattern`` is a relative glob inside a folder.

    Example:
        >>> check_pattern("in/*.csv")
        >>> check_pattern("../*.csv")  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        OutsideFolderError: pattern '../*.csv' must be a relative glob inside the folder
    """
    pure = PurePath(pattern)
    if not pattern or "\0" in pattern or pure.is_absolute() or ".." in pure.parts:
        raise OutsideFolderError(f"pattern {pattern!r} must be a relative glob inside the folder")
