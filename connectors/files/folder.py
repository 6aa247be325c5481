"""The connection's folder, reached only through directory file descriptors.

Every file operation of the files connector starts from one descriptor of the folder
(``os.open(root, O_DIRECTORY)``) and walks down one part at a time with
``os.open(part, O_DIRECTORY | O_NOFOLLOW, dir_fd=parent)``; the last part is looked at with
``os.stat(part, dir_fd=parent, follow_symlinks=False)`` and opened with ``O_NOFOLLOW``. The
kernel never follows a link: a link on the way is read (``os.readlink(part, dir_fd=...)``)
and its target walked the same way from the folder, so a link that stays inside works and
one that leads out (absolute elsewhere, or ``..`` above the folder) raises
:class:`~workbench.connectors.files.paths.UnsafeLinkError`. Whatever another process swaps in
meanwhile (a subfolder or a file for a link), an operation ends inside the folder or fails.

This needs POSIX calls that take directory descriptors: Linux, where it is tested (macOS
and the BSDs have the same calls). Elsewhere every operation raises
:class:`UnsupportedSystemError`. What descriptors cannot prevent: a subfolder that another
process *moves* out of the folder while an operation holds it open takes that operation's
file with it, and a hard link is a file of the folder like any other.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from workbench.connectors.files.paths import PathError, UnsafeLinkError, path_parts

MAX_LINKS = 40
"""Links (and parts that changed while being opened) one walk follows before it gives up."""

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
_REFUSED_FOLDER = {errno.ELOOP, errno.ENOTDIR}  # what O_DIRECTORY | O_NOFOLLOW gives a link

SUPPORTED = (
    hasattr(os, "O_DIRECTORY")
    and hasattr(os, "O_NOFOLLOW")
    and {os.open, os.stat, os.mkdir, os.rename, os.unlink, os.readlink, os.rmdir}
    <= os.supports_dir_fd
    and os.scandir in os.supports_fd
)
"""Whether this system has the calls the folder needs (POSIX with ``*at`` calls)."""


class UnsupportedSystemError(RuntimeError):
    """The system lacks the directory-descriptor calls that keep files inside the folder."""


@dataclass
class Place:
    """Where a path led: the open folder its last part is in, and what is there now."""

    folder_fd: int
    """The folder holding ``name``; open until the :meth:`OpenFolder.locate` block ends."""
    name: str
    """The last part, as it is named in ``folder_fd`` ('' for a whole-folder walk)."""
    relative: str
    """The path below the folder, after the links on the way."""
    info: os.stat_result | None
    """The status of ``name`` itself (a link is not followed); None when nothing is there."""
    created: list[tuple[int, str]] = field(default_factory=list)
    """Folders the walk created, as (parent descriptor, name), outermost first."""


class Folder:
    """A folder whose files are reached only through descriptors (see the module).

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "in").mkdir()
        >>> _ = (root / "in" / "a.csv").write_text("id\\n1\\n")
        >>> (root / "alias").symlink_to("in")
        >>> with Folder(root).opened() as folder:
        ...     folder.stat(["alias", "a.csv"]).st_size
        5
    """

    def __init__(self, root: Path, *aliases: Path) -> None:
        self.root = root
        self.roots = (root, *aliases)
        """The folder's absolute spellings: absolute paths and links under them are inside."""

    def parts(self, path: str) -> list[str]:
        """The parts of ``path`` below the folder (see :func:`.paths.path_parts`)."""
        return path_parts(self.roots, path)

    def check_system(self) -> None:
        """Raise :class:`UnsupportedSystemError` where the calls the folder needs are missing."""
        if not SUPPORTED:
            raise UnsupportedSystemError(
                f"the files connector needs a POSIX system with directory descriptors "
                f"(Linux, macOS, BSD) to keep files inside {self.root}; this is {os.name!r}"
            )

    @contextlib.contextmanager
    def opened(self) -> Iterator[OpenFolder]:
        """The folder opened once; everything in the block is reached from that descriptor."""
        self.check_system()
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
        try:
            yield OpenFolder(self, fd)
        finally:
            os.close(fd)


class OpenFolder:
    """The folder held open by one descriptor: walks, status, files and listings in it.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> _ = (root / "a.csv").write_text("id\\n")
        >>> with Folder(root).opened() as folder:
        ...     fd = folder.open_file(["a.csv"])
        ...     names = [name for name, _ in folder.entries([])]
        >>> names, os.read(fd, 3)
        (['a.csv'], b'id\\n')
        >>> os.close(fd)
    """

    def __init__(self, folder: Folder, fd: int) -> None:
        self.folder = folder
        self.fd = fd

    @contextlib.contextmanager
    def locate(
        self, parts: list[str], *, create: bool = False, follow: bool = True, whole: bool = False
    ) -> Iterator[Place]:
        """Walk to ``parts``; the folders on the way stay open until the block ends.

        ``create`` makes missing folders on the way; ``follow`` follows a link in the last
        part too; ``whole`` walks every part as a folder (the place is that folder itself).
        """
        with contextlib.ExitStack() as stack:
            yield _Walk(self, stack, parts).run(create=create, follow=follow, whole=whole)

    def stat(self, parts: list[str], *, follow: bool = True) -> os.stat_result:
        """The status of ``parts`` (links inside followed unless ``follow`` is false)."""
        with self.locate(parts, follow=follow) as place:
            if place.info is None:
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), place.relative)
            return place.info

    def open_file(self, parts: list[str]) -> int:
        """A descriptor of the regular file ``parts``, opened for reading; the caller closes it."""
        for _ in range(MAX_LINKS):
            with self.locate(parts) as place:
                if place.info is None:
                    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), place.relative)
                if stat.S_ISDIR(place.info.st_mode):
                    raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), place.relative)
                try:
                    fd = os.open(place.name, _FILE_FLAGS, dir_fd=place.folder_fd)
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        continue  # became a link since it was looked at: walk again
                    raise
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    os.close(fd)
                    raise PathError(f"{place.relative!r} is not a regular file")
                os.set_blocking(fd, True)
                return fd
        raise UnsafeLinkError(f"{'/'.join(parts)!r} kept changing while it was opened")

    def entries(self, parts: list[str]) -> list[tuple[str, os.stat_result]]:
        """The entries of the folder ``parts`` with their own status (links not followed)."""
        found = []
        with self.locate(parts, whole=True) as place, os.scandir(place.folder_fd) as listing:
            for entry in listing:
                # The status must be taken while the folder's descriptor is open.
                with contextlib.suppress(OSError):
                    found.append((entry.name, entry.stat(follow_symlinks=False)))
        return sorted(found)


class _Walk:
    """One walk down a path, part by part, following links by reading them."""

    def __init__(
        self, opened: OpenFolder, stack: contextlib.ExitStack[bool | None], parts: list[str]
    ):
        self.opened = opened
        self.stack = stack
        self.shown = "/".join(parts)
        self.pending = deque(parts)
        self.chain: list[tuple[str, int]] = []
        self.steps = 0
        self.via: tuple[str, str] | None = None

    @property
    def here(self) -> int:
        return self.chain[-1][1] if self.chain else self.opened.fd

    def below(self, name: str = "") -> str:
        return "/".join([n for n, _ in self.chain] + ([name] if name else []))

    def run(self, *, create: bool, follow: bool, whole: bool) -> Place:
        created: list[tuple[int, str]] = []
        while self.pending:
            name = self.pending.popleft()
            if name in ("", "."):
                continue
            if name == "..":
                if not self.chain:
                    raise self.escape()
                self.chain.pop()
                continue
            if self.pending or whole:
                self.enter(name, created if create else None)
                continue
            try:
                info = os.stat(name, dir_fd=self.here, follow_symlinks=False)
            except FileNotFoundError:
                info = None
            if follow and info is not None and stat.S_ISLNK(info.st_mode):
                self.expand(name)
                continue
            return Place(self.here, name, self.below(name), info, created)
        return Place(self.here, "", self.below(), None, created)

    def enter(self, name: str, created: list[tuple[int, str]] | None) -> None:
        """Open the folder ``name`` (or follow it, create it, or try again)."""
        try:
            fd = os.open(name, _FOLDER_FLAGS, dir_fd=self.here)
        except FileNotFoundError:
            if created is None:
                raise FileNotFoundError(
                    errno.ENOENT, os.strerror(errno.ENOENT), self.below(name)
                ) from None
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=self.here)
                created.append((self.here, name))
            self.again(name)
            return
        except OSError as exc:
            if exc.errno not in _REFUSED_FOLDER:
                raise
            try:
                info = os.stat(name, dir_fd=self.here, follow_symlinks=False)
            except FileNotFoundError:
                self.again(name)
                return
            if stat.S_ISLNK(info.st_mode):
                self.expand(name)
            elif stat.S_ISDIR(info.st_mode):
                self.again(name)  # a link a moment ago, a folder again now
            else:
                raise NotADirectoryError(
                    errno.ENOTDIR, os.strerror(errno.ENOTDIR), self.below(name)
                ) from None
            return
        self.stack.callback(os.close, fd)
        self.chain.append((name, fd))

    def again(self, name: str) -> None:
        self.count_step()
        self.pending.appendleft(name)

    def expand(self, name: str) -> None:
        """Replace the link ``name`` by its target's parts, walked from where it points."""
        try:
            target = os.readlink(name, dir_fd=self.here)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOENT):
                raise
            self.again(name)  # no longer a link: look at it again
            return
        self.count_step()
        self.via = (self.below(name), target)
        pure = PurePosixPath(target)
        if pure.is_absolute():
            for root in self.opened.folder.roots:
                if pure.is_relative_to(root):
                    pure = pure.relative_to(root)
                    break
            else:
                raise self.escape()
            self.chain.clear()  # their descriptors stay open until the walk ends
        self.pending.extendleft(reversed(pure.parts))

    def count_step(self) -> None:
        self.steps += 1
        if self.steps > MAX_LINKS:
            raise UnsafeLinkError(
                f"{self.shown!r} has too many links on the way (more than {MAX_LINKS}) "
                f"in the folder {self.opened.folder.root}"
            )

    def escape(self) -> UnsafeLinkError:
        root = self.opened.folder.root
        if self.via is None:
            return UnsafeLinkError(f"{self.shown!r} climbs out of the folder {root}")
        link, target = self.via
        return UnsafeLinkError(
            f"{self.shown!r} leads out of the folder {root} through the link {link!r} "
            f"(to {target!r}); links must stay inside the folder"
        )
