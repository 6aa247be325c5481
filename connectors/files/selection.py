"""Which files of a folder a trigger looks at: a glob, hidden names left out, nothing outside.

A pattern is matched part by part against the path relative to the folder, as the
``glob`` module does: ``*`` stays within one folder, ``**`` spans any depth, and a name
starting with ``.`` (a partial upload, an editor's swap file, the files connector's own
temporary files) matches only a pattern part that starts with ``.`` too. A link that
resolves outside the folder is never selected (see :func:`connectors.files.paths.inside`).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from connectors.files.paths import OutsideFolderError, check_pattern, inside

WILDCARDS = frozenset("*?[")


class Selection:
    """The files under ``root`` that ``pattern`` matches (at any depth when ``recursive``).

    Example:
        >>> top = Selection(Path("/data"), "*.csv")
        >>> top.matches("orders.csv"), top.matches("in/orders.csv"), top.matches(".orders.csv")
        (True, False, False)
        >>> deep = Selection(Path("/data"), "*.csv", recursive=True)
        >>> deep.matches("in/2024/orders.csv"), deep.matches(".cache/orders.csv")
        (True, False)
    """

    def __init__(self, root: Path, pattern: str = "*", *, recursive: bool = False) -> None:
        check_pattern(pattern)
        parts = PurePosixPath(pattern).parts
        if recursive and "**" not in parts:
            parts = ("**", *parts)
        self.root = root
        self.parts: tuple[str, ...] = parts
        self.deep = len(parts) > 1
        """Whether files in subfolders can match (so subfolders must be watched)."""
        literal = []
        for part in parts[:-1]:
            if WILDCARDS.intersection(part) or part == "**":
                break
            literal.append(part)
        self.base = "/".join(literal)
        """The folder below ``root`` every match lies in ('' for the root itself)."""
        self._hidden_wanted = any(part.startswith(".") for part in parts)

    def matches(self, relative: str) -> bool:
        """Whether the relative path ``relative`` is selected by the pattern."""
        return _match(PurePosixPath(relative).parts, self.parts)

    def stat(self, relative: str) -> os.stat_result | None:
        """The status of the selected regular file ``relative``; None when it is not one.

        None too when the path leaves the folder (through a link), or is gone.
        """
        try:
            target = inside(self.root, relative)
            info = target.stat()
        except (OutsideFolderError, OSError):
            return None
        return info if stat.S_ISREG(info.st_mode) else None

    def walk(self, under: str = "") -> Iterator[tuple[str, os.stat_result]]:
        """The selected files below ``under`` (default: the whole selection), with status.

        Only the starting folder and links are resolved: below a folder inside ``root``,
        nothing but a link can lead out of it.
        """
        start = under or self.base
        if start and (not self.deep or not self._inside(start)):
            return
        folders = [start]
        while folders:
            folder = folders.pop()
            try:
                with os.scandir(self.root / folder if folder else self.root) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError:
                continue
            prefix = folder + "/" if folder else ""
            below = []
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if self.deep and (self._hidden_wanted or not entry.name.startswith(".")):
                        below.append(relative)
                    continue
                if not self.matches(relative):
                    continue
                info = self.stat(relative) if entry.is_symlink() else _status(entry)
                if info is not None and stat.S_ISREG(info.st_mode):
                    yield relative, info
            folders.extend(reversed(below))

    def _inside(self, folder: str) -> bool:
        try:
            return inside(self.root, folder).is_dir()
        except OutsideFolderError:
            return False


def _status(entry: os.DirEntry[str]) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:  # gone since it was listed
        return None


def _match(parts: Sequence[str], pattern: Sequence[str]) -> bool:
    """Whether path ``parts`` match glob ``pattern`` parts (``**`` spans any depth)."""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        for skipped in range(len(parts) + 1):
            if skipped and parts[skipped - 1].startswith("."):
                return False  # ** never descends into a hidden folder
            if _match(parts[skipped:], rest):
                return True
        return False
    if not parts:
        return False
    name = parts[0]
    if name.startswith(".") and not head.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, head) and _match(parts[1:], rest)
