"""Paths confined to the connection's folder, and atomic replacement of files in it."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePath

NEW_FILE_MODE = 0o644
# os.link fails with these where a file system has no hard links; fall back to a check.
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK}


class OutsideFolderError(ValueError):
    """A path that resolves outside the folder it must stay in."""


def inside(root: Path, path: str) -> Path:
    """``path`` resolved against ``root``; raise :class:`OutsideFolderError` if it escapes.

    Symbolic links are followed first, so a link pointing out of the folder is refused too.

    Example:
        >>> inside(Path("/data"), "in/orders.csv").as_posix()
        '/data/in/orders.csv'
    """
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root):
        raise OutsideFolderError(f"path {path!r} is outside the folder {root}")
    return candidate


def matching(root: Path, pattern: str) -> list[Path]:
    """The files under ``root`` that match the glob ``pattern`` (``**`` for any depth).

    Patterns that are empty, absolute or climb out with ``..`` raise
    :class:`OutsideFolderError`; links that resolve outside ``root`` are left out.
    """
    check_pattern(pattern)
    return [p for p in root.glob(pattern) if p.is_file() and p.resolve().is_relative_to(root)]


def check_pattern(pattern: str) -> None:
    """Raise :class:`OutsideFolderError` unless ``pattern`` is a relative glob inside a folder.

    Example:
        >>> check_pattern("in/*.csv")
        >>> check_pattern("../*.csv")  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        OutsideFolderError: pattern '../*.csv' must be a relative glob inside the folder
    """
    pure = PurePath(pattern)
    if not pattern or pure.is_absolute() or ".." in pure.parts:
        raise OutsideFolderError(f"pattern {pattern!r} must be a relative glob inside the folder")


@contextlib.contextmanager
def atomic_target(target: Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place when the block succeeds.

    Readers see the old file or the new one, never half of one. When the block (or the
    move) fails, the temporary file and any folder created for it are removed, and the old
    file is left as it was. With ``overwrite=False`` an existing ``target`` raises
    :class:`FileExistsError`, checked again at the moment of the move.
    """
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "file exists", str(target))
    created = _make_folders(target.parent)
    temporary: Path | None = None
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        temporary = Path(name)
        yield temporary
        _sync(temporary)
        os.chmod(temporary, _mode_for(target))
        if overwrite:
            os.replace(temporary, target)
        else:
            _move_new(temporary, target)
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, deepest first."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return NEW_FILE_MODE


def _move_new(temporary: Path, target: Path) -> None:
    """Move ``temporary`` to ``target`` only if no file is there (a hard link never clobbers)."""
    try:
        os.link(temporary, target)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        if target.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(target)) from None
        os.replace(temporary, target)
    else:
        temporary.unlink()
