"""New and changed files of a folder: a scan against the marker, then watchfiles, settled.

:class:`FolderWatch` first compares the folder with the marker of what was reported (so
files dropped while nothing watched are found), then follows the folder with
``watchfiles`` and scans it again every :data:`RESCAN_SECONDS` in case a change notice was
lost. A file counts once it has *settled*: its modification time and size stayed the same
for ``settle`` seconds, so a file still being written is reported when it is complete.
Files are looked at only through the selection (by the folder's descriptors, never
following a link out of it); watchfiles' notices just say where to look.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from workbench.connectors.files.selection import Selection
from workbench.sdk import Event
from workbench.sdk.errors import ConnectionFailedError

if TYPE_CHECKING:
    from workbench.sdk.triggers.files import Change, Seen, Sighting

RESCAN_SECONDS = 10.0
"""How often the whole folder is compared with the marker, beside the change notices."""

WAIT_MS = 100
"""How long one wait for change notices lasts: how often unsettled files are looked at."""

DEBOUNCE_MS = 200
"""The longest watchfiles groups a stream of changes before handing them over."""

Describe = Callable[[str, os.stat_result, "Change"], Event]
"""Makes the event of a settled file: relative path, its status, created or changed."""


class FolderWatch:
    """Finds the selected files that are new or changed against ``seen``, once settled.

    Example:
        >>> import tempfile
        >>> from workbench.sdk.triggers.files import Seen
        >>> root = Path(tempfile.mkdtemp())
        >>> _ = (root / "a.csv").write_text("id\\n1\\n")
        >>> os.utime(root / "a.csv", (0, 0))   # long settled
        >>> watch = FolderWatch(Selection(root, "*.csv"), Seen({}), 0.5,
        ...                     lambda rel, info, change: Event(source="s", id=rel))
        >>> [s.key for s in watch.scan()]
        ['a.csv']
    """

    def __init__(self, selection: Selection, seen: Seen, settle: float, describe: Describe):
        self.selection = selection
        self.root = selection.root
        self.seen = seen
        self.settle = settle
        self.describe = describe
        self._pending: dict[str, tuple[list[int], float]] = {}

    def sightings(self, label: str) -> Iterator[list[Sighting] | None]:
        """What is new, as it settles: a list of sightings, or None about every half second."""
        import watchfiles

        from workbench.sdk.triggers.files import IDLE_SECONDS

        stop = threading.Event()
        notices = watchfiles.watch(
            self.root,
            watch_filter=None,
            debounce=DEBOUNCE_MS,
            step=50,
            stop_event=stop,
            rust_timeout=WAIT_MS,
            yield_on_timeout=True,
            recursive=self.selection.deep,
        )
        try:
            try:
                next(notices)  # watching from here on, so nothing falls between it and the scan
            except OSError as exc:
                raise ConnectionFailedError(
                    f"{label}: cannot watch the folder {self.root}: {exc}"
                ) from None
            found = self.scan()
            rescan_at = time.monotonic() + RESCAN_SECONDS
            idle_since = time.monotonic()
            if found:
                yield found
                idle_since = time.monotonic()
            for changes in notices:
                if time.monotonic() >= rescan_at:
                    ready = {s.key: s for s in self.scan()}
                    rescan_at = time.monotonic() + RESCAN_SECONDS
                else:
                    ready = {s.key: s for s in self._look_at({path for _, path in changes})}
                for sighting in self._settled():
                    ready.setdefault(sighting.key, sighting)
                if ready:
                    yield sorted(ready.values(), key=lambda s: s.key)
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since >= IDLE_SECONDS:
                    if not self.root.is_dir():
                        raise ConnectionFailedError(f"{label}: the folder {self.root} is gone")
                    yield None
                    idle_since = time.monotonic()
        finally:
            stop.set()
            notices.close()

    def scan(self, under: str = "") -> list[Sighting]:
        """Compare the selected files (below ``under``) with the marker: the settled new ones.

        A scan of the whole folder also drops from the marker the files that are gone.
        """
        ready, existing = [], set()
        for relative, info in self.selection.walk(under):
            existing.add(relative)
            sighting = self._consider(relative, info)
            if sighting is not None:
                ready.append(sighting)
        if not under:
            self.seen.keep_only(existing)
            for relative in [r for r in self._pending if r not in existing]:
                del self._pending[relative]
        return ready

    def _look_at(self, paths: set[str]) -> Iterator[Sighting]:
        """The settled new files among the changed ``paths`` (absolute, as watchfiles gives)."""
        for relative in sorted(self._relative(paths)):
            kind = self.selection.kind(relative)
            if kind == "folder":
                yield from self.scan(relative)
                continue
            info = self.selection.stat(relative) if self.selection.matches(relative) else None
            if info is not None:
                sighting = self._consider(relative, info)
                if sighting is not None:
                    yield sighting
            elif kind is None:
                self.seen.forget(relative)
                below = relative + "/"
                for name in [n for n in self._pending if n == relative or n.startswith(below)]:
                    del self._pending[name]

    def _relative(self, paths: set[str]) -> set[str]:
        found = set()
        for path in paths:
            try:
                relative = Path(path).relative_to(self.root).as_posix()
            except ValueError:
                continue
            if relative != ".":
                found.add(relative)
        return found

    def _settled(self) -> Iterator[Sighting]:
        """Files that were still changing, looked at again."""
        for relative in list(self._pending):
            info = self.selection.stat(relative)
            if info is None:
                del self._pending[relative]
                continue
            sighting = self._consider(relative, info)
            if sighting is not None:
                yield sighting

    def _consider(self, relative: str, info: os.stat_result) -> Sighting | None:
        """A sighting when the file is new or changed against the marker and has settled."""
        from workbench.sdk.triggers.files import Sighting

        fingerprint = [info.st_mtime_ns, info.st_size]
        change = self.seen.change(relative, fingerprint)
        if change is None:
            self._pending.pop(relative, None)
            return None
        if not self._has_settled(relative, fingerprint, info.st_mtime_ns):
            return None
        self._pending.pop(relative, None)
        return Sighting(relative, fingerprint, self.describe(relative, info, change))

    def _has_settled(self, relative: str, fingerprint: list[int], mtime_ns: int) -> bool:
        """Unchanged for ``settle`` seconds: by its modification time, or as watched here."""
        if self.settle <= 0 or time.time() - mtime_ns / 1e9 >= self.settle:
            return True
        now = time.monotonic()
        known = self._pending.get(relative)
        if known is None or known[0] != fingerprint:
            self._pending[relative] = (fingerprint, now)
            return False
        return now - known[1] >= self.settle


def file_event(
    source: str, root: Path, relative: str, info: os.stat_result, change: Change
) -> Event:
    """The event of a settled file: id path, modification time (ns) and size; no contents.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "in").mkdir()
        >>> (root / "in" / "a.csv").write_text("id\\n1\\n2\\n")
        7
        >>> os.utime(root / "in" / "a.csv", ns=(0, 1_700_000_000 * 10**9))
        >>> info = (root / "in" / "a.csv").stat()
        >>> event = file_event("drop.new_files", root, "in/a.csv", info, "created")
        >>> event.id, event.type, event.subject
        ('in/a.csv:1700000000000000000:7', 'file.created', 'in/a.csv')
        >>> event.data["modified"], event.data["name"]
        ('2023-11-14T22:13:20+00:00', 'a.csv')
    """
    modified = datetime.fromtimestamp(info.st_mtime_ns / 1e9, UTC)
    return Event(
        source=source,
        id=f"{relative}:{info.st_mtime_ns}:{info.st_size}",
        type=f"file.{change}",
        time=modified,
        subject=relative,
        data={
            "path": relative,
            "name": PurePosixPath(relative).name,
            "size": info.st_size,
            "modified": modified.isoformat(),
            "folder": str(root),
        },
    )
