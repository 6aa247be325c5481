"""Atomic writes inside one open folder: a hidden temporary file, then a rename beside it.

The temporary file is created in the target's own folder descriptor (``O_CREAT | O_EXCL |
O_NOFOLLOW``), written, synced, then renamed over the target within that descriptor
(``os.replace(src_dir_fd=..., dst_dir_fd=...)``), so a reader sees the old file or the new
one and nothing ever lands outside. Its name, ``.wbtmp-<16 hex>-<name>``, is hidden and
recognisable: listings and triggers never show it, a failed or interrupted write removes
it, and a write sweeps from its folder those an ended process left behind (older than
:data:`STALE_SECONDS`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from typing import BinaryIO

from workbench.connectors.files.folder import Place

TEMPORARY_PREFIX = ".wbtmp-"
STALE_SECONDS = 3600.0
"""How old a temporary file must be before a write takes it for one an ended process left."""
NEW_FILE_MODE = 0o644
_TEMPORARY = re.compile(r"\.wbtmp-[0-9a-f]{16}-")
_NAME_MAX = 255
# os.link fails with these where a file system has no hard links; fall back to a check.
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK}


def is_temporary(name: str) -> bool:
    """Whether ``name`` is the name of a temporary file of a write.

    Example:
        >>> is_temporary(temporary_name("orders.csv")), is_temporary(".orders.csv")
        (True, False)
    """
    return _TEMPORARY.match(name) is not None


def temporary_name(name: str) -> str:
    """A fresh hidden name for a temporary file of ``name`` (within the file name limit)."""
    prefix = f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}-"
    while len((prefix + name).encode()) > _NAME_MAX:
        name = name[:-1]
    return prefix + name


def sweep(folder_fd: int, *, older_than: float = STALE_SECONDS) -> list[str]:
    """Remove the temporary files in ``folder_fd`` untouched for ``older_than`` seconds.

    Example:
        >>> import tempfile
        >>> root = tempfile.mkdtemp()
        >>> stale = os.path.join(root, temporary_name("a.csv"))
        >>> open(stale, "w").close()
        >>> os.utime(stale, (0, 0))
        >>> fd = os.open(root, os.O_RDONLY)
        >>> len(sweep(fd)), os.listdir(root)
        (1, [])
        >>> os.close(fd)
    """
    removed = []
    limit = time.time() - older_than
    with os.scandir(folder_fd) as listing:
        for entry in listing:
            if not is_temporary(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_mtime < limit:
                    os.unlink(entry.name, dir_fd=folder_fd)
                    removed.append(entry.name)
    return removed


class Written:
    """The file object a write fills, and its size once it is in place."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.size = 0


@contextlib.contextmanager
def atomic_file(place: Place, *, overwrite: bool = True) -> Iterator[Written]:
    """A temporary file beside ``place``; renamed onto it when the block succeeds.

    When the block (or the rename) fails or is interrupted, the temporary file and the
    folders the walk created for it are removed, and the old file is left as it was. With
    ``overwrite=False`` an existing file raises :class:`FileExistsError`, checked again at
    the moment of the rename.

    Example:
        >>> import pathlib, tempfile
        >>> from workbench.connectors.files.folder import Folder
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> with Folder(root).opened() as folder:
        ...     with folder.locate(["out", "a.txt"], create=True) as place:
        ...         with atomic_file(place) as written:
        ...             _ = written.handle.write(b"hello")
        >>> (root / "out" / "a.txt").read_bytes(), written.size
        (b'hello', 5)
    """
    folder, name = place.folder_fd, place.name
    if place.info is not None and stat.S_ISDIR(place.info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), place.relative)
    if not overwrite and place.info is not None:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), place.relative)
    sweep(folder)
    mode = NEW_FILE_MODE
    if place.info is not None and stat.S_ISREG(place.info.st_mode):
        mode = stat.S_IMODE(place.info.st_mode)
    temporary = temporary_name(name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(temporary, flags, 0o600, dir_fd=folder)
        with os.fdopen(fd, "wb") as handle:
            written = Written(handle)
            yield written
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), mode)
            written.size = os.fstat(handle.fileno()).st_size
        if overwrite:
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        else:
            _move_new(folder, temporary, name, place.relative)
        os.fsync(folder)  # the rename survives a crash too
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        for parent, created in reversed(place.created):
            with contextlib.suppress(OSError):
                os.rmdir(created, dir_fd=parent)
        raise


def _move_new(folder: int, temporary: str, name: str, shown: str) -> None:
    """Move ``temporary`` to ``name`` only if nothing is there (a hard link never clobbers)."""
    try:
        os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        with contextlib.suppress(FileNotFoundError):
            os.stat(name, dir_fd=folder, follow_symlinks=False)
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), shown) from None
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    else:
        os.unlink(temporary, dir_fd=folder)
