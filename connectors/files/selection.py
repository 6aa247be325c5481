"""Which files of a folder a trigger looks at: a glob, hidden names left out, nothing outside.

A pattern is matched part by part against the path relative to the folder, as the
``glob`` module does: ``*`` stays within one folder, ``**`` spans any depth, and a name
starting with ``.`` (a partial upload, an editor's swap file, the files connector's own
temporary files) matches only a pattern part that starts with ``.`` too; the connector's
own temporary files never match. Everything is opened and looked at through the folder's
descriptors (:mod:`workbench.connectors.files.folder`): a link that leads outside is never selected.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from workbench.connectors.files.atomic import is_temporary
from workbench.connectors.files.folder import Folder, OpenFolder
from workbench.connectors.files.paths import PathError, UnsafeLinkError, check_pattern

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

    def __init__(
        self,
        root: Path,
        pattern: str = "*",
        *,
        recursive: bool = False,
        folder: Folder | None = None,
    ) -> None:
        check_pattern(pattern)
        parts = PurePosixPath(pattern).parts
        if recursive and "**" not in parts:
            parts = ("**", *parts)
        self.root = root
        self.folder = folder or Folder(root)
        """The folder files are reached through (by descriptors, see :mod:`.folder`)."""
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
            with self.folder.opened() as opened:
                info = opened.stat(relative.split("/"))
        except (OSError, PathError, UnsafeLinkError):
            return None
        return info if stat.S_ISREG(info.st_mode) else None

    def kind(self, relative: str) -> str | None:
        """``"folder"``, ``"file"`` (anything else, a link too) or None when nothing is there."""
        try:
            with self.folder.opened() as opened:
                info = opened.stat(relative.split("/"), follow=False)
        except (OSError, PathError, UnsafeLinkError):
            return None
        return "folder" if stat.S_ISDIR(info.st_mode) else "file"

    def walk(self, under: str = "") -> Iterator[tuple[str, os.stat_result]]:
        """The selected files below ``under`` (default: the whole selection), with status.

        Folders are opened from the folder's descriptor one part at a time, never through
        a link; a link to a file is followed only while it stays inside the folder.
        Temporary files of the connector's writes are never selected.
        """
        start = under or self.base
        if start and not self.deep:
            return
        try:
            with self.folder.opened() as opened:
                yield from self._walk(opened, start)
        except (FileNotFoundError, NotADirectoryError):  # the folder itself is gone
            return

    def _walk(self, opened: OpenFolder, start: str) -> Iterator[tuple[str, os.stat_result]]:
        folders = [start]
        while folders:
            folder = folders.pop()
            try:
                entries = opened.entries(folder.split("/") if folder else [])
            except (OSError, PathError, UnsafeLinkError):
                continue
            prefix = folder + "/" if folder else ""
            below, chosen = [], []
            for name, info in entries:
                relative = prefix + name
                if is_temporary(name):
                    continue
                if stat.S_ISDIR(info.st_mode):
                    if self.deep and (self._hidden_wanted or not name.startswith(".")):
                        below.append(relative)
                    continue
                if not self.matches(relative):
                    continue
                found: os.stat_result | None = info
                if stat.S_ISLNK(info.st_mode):
                    found = _followed(opened, relative)
                if found is not None and stat.S_ISREG(found.st_mode):
                    chosen.append((relative, found))
            yield from chosen
            folders.extend(reversed(below))


def _followed(opened: OpenFolder, relative: str) -> os.stat_result | None:
    """The status of what the link ``relative`` leads to, while it stays inside."""
    try:
        return opened.stat(relative.split("/"))
    except (OSError, PathError, UnsafeLinkError):
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
