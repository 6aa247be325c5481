"""The files connector: tabular files in one folder, read and written as DataFrames.

Every read, write and listing reaches its files through directory descriptors of the
folder (:mod:`workbench.connectors.files.folder`), so nothing outside it is read or
written, whatever another process swaps in meanwhile; this needs a POSIX system (Linux,
macOS, BSD) and fails clearly elsewhere. Writes go through a hidden temporary file
(:mod:`workbench.connectors.files.atomic`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from workbench.connectors.files.atomic import atomic_file, is_temporary
from workbench.connectors.files.folder import Folder, UnsupportedSystemError
from workbench.connectors.files.paths import PathError, UnsafeLinkError
from workbench.connectors.files.selection import Selection
from workbench.connectors.files.watch import FolderWatch, file_event
from workbench.sdk import ConnectionConfig, Connector, Event, Result, action, trigger
from workbench.sdk.errors import (
    ActionArgumentError,
    ActionError,
    ConnectionFailedError,
    WorkbenchError,
)
from workbench.sdk.formats import FORMATS, Format, as_frame, find_format, format_of

LIST_COLUMNS = ["name", "size", "modified", "format"]


class FilesConfig(ConnectionConfig):
    """Which folder the connection works in."""

    folder: str = Field(
        ".",
        description="The folder to read and write, relative to the working directory ('~' allowed)",
    )


class Files(Connector):
    """Tabular files in a folder: CSV, JSON, JSON lines, Parquet and Excel as DataFrames.

    Every path is relative to the connection's folder and cannot leave it: ``..`` above
    the folder and absolute paths elsewhere are refused, and links are followed only while
    they stay inside (a link that leads out is refused). Writes are atomic: a reader sees
    the old file or the new one, and a failed write leaves nothing behind. POSIX only
    (Linux, macOS, BSD). Excel needs ``pip install 'workbench[excel]'``.

    Example:
        >>> import tempfile
        >>> from workbench.connectors.files import Files, FilesConfig
        >>> files = Files(FilesConfig(folder=tempfile.mkdtemp()))
        >>> files.write("out/orders.csv", [{"id": 1, "total": 9.5}]).data["rows"]
        1
        >>> files.read("out/orders.csv").df.to_dict("records")
        [{'id': 1, 'total': 9.5}]
        >>> files.list("**/*.csv").df["name"].tolist()
        ['out/orders.csv']
    """

    name = "files"
    title = "Files"
    category = "storage"
    config_model = FilesConfig
    config: FilesConfig

    def __init__(self, config: FilesConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        given = Path(self.config.folder).expanduser().absolute()
        self.root = given.resolve()
        self.folder = Folder(self.root, *([given] if given != self.root else []))

    def check(self) -> str:
        """The folder exists and is a folder: ``folder PATH (N files)``, counting its own files."""
        if not self.root.is_dir():
            problem = "is not a folder" if self.root.exists() else "does not exist"
            raise ConnectionFailedError(f"{self.connection}: folder {self.root} {problem}")
        with self._errors(f"{self.connection}.check", "."), self.folder.opened() as opened:
            entries = opened.entries([])
        count = sum(
            1 for name, info in entries if stat.S_ISREG(info.st_mode) and not is_temporary(name)
        )
        return f"folder {self.root} ({count} file{'' if count == 1 else 's'})"

    @action
    def read(self, path: str, format: str | None = None) -> Result:
        """Read a file into a DataFrame.

        JSON files hold an array of records (objects); JSON lines files one record a line.

        Args:
            path: the file, relative to the folder
            format: csv, json, jsonl, parquet or xlsx; by default the file's suffix decides
        """
        label = f"{self.connection}.read"
        parts = self._parts(label, path)
        kind = self._format(label, parts[-1], path, format)
        with self._errors(label, path), self.folder.opened() as opened:
            handle = os.fdopen(opened.open_file(parts), "rb")
        with handle, _driver_errors(f"{label}: cannot read {path!r} as {kind.name}"):
            size = os.fstat(handle.fileno()).st_size
            frame = kind.load(handle)
        raw = {"path": "/".join(parts), "format": kind.name, "bytes": size}
        return Result(frame, raw=raw)

    @action
    def write(
        self, path: str, data: Any, format: str | None = None, overwrite: bool = True
    ) -> dict[str, Any]:
        """Write a DataFrame or a list of records to a file, atomically.

        Missing folders are created. Returns the path, format, rows and bytes written.

        Args:
            path: the file, relative to the folder
            data: a DataFrame or a list of records (dicts)
            format: csv, json, jsonl, parquet or xlsx; by default the file's suffix decides
            overwrite: replace an existing file (when false, an existing file is an error)
        """
        label = f"{self.connection}.write"
        parts = self._parts(label, path)
        kind = self._format(label, parts[-1], path, format)
        frame = as_frame(label, data)
        made = _make_folders(self.root)
        with (
            _removed_on_failure(made),
            self._errors(label, path),
            self.folder.opened() as opened,
            opened.locate(parts, create=True) as place,
            atomic_file(place, overwrite=overwrite) as written,
            _driver_errors(f"{label}: cannot write {path!r} as {kind.name}"),
        ):
            kind.dump(frame, written.handle)
        return {
            "path": place.relative,
            "format": kind.name,
            "rows": len(frame),
            "bytes": written.size,
        }

    @trigger
    def new_files(
        self,
        pattern: str = "*",
        recursive: bool = False,
        settle: float = 0.5,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
    ) -> Iterator[list[Event] | None]:
        """New and changed files in the folder, each reported once, when it has settled.

        Files dropped while nothing was reading are found when reading starts again: the
        marker remembers what was reported (path, modification time, size). The event id
        is the path, modification time (ns) and size, so a changed file is a new event;
        its type is ``file.created`` or ``file.changed``, its subject the path, its data
        path, name, size, modified and folder (never the contents). Hidden files
        (``.name``) match only a pattern that starts with a dot.

        Args:
            pattern: a glob relative to the folder, such as ``*.csv``; ``**`` matches any depth
            recursive: look in subfolders too (the pattern then matches at any depth)
            settle: seconds a file must stay unchanged before it counts
            max_events: stop after this many events (None: never)
            timeout: stop after this many seconds without a new file (None: never)
        """
        label = f"{self.connection}.new_files"
        if settle < 0:
            raise ActionArgumentError(f"{label}: settle must be 0 or more seconds, got {settle}")
        if max_events is not None and max_events < 1:
            raise ActionArgumentError(f"{label}: max_events must be 1 or more, got {max_events}")
        try:
            selection = Selection(self.root, pattern, recursive=recursive, folder=self.folder)
        except PathError as exc:
            raise ActionArgumentError(f"{label}: {exc}") from None
        if not self.root.is_dir():
            raise ConnectionFailedError(f"{label}: the folder {self.root} does not exist")
        with self._errors(label, pattern):
            self.folder.check_system()
        return self._follow(label, selection, settle, max_events, timeout)

    def _follow(
        self,
        label: str,
        selection: Selection,
        settle: float,
        max_events: int | None,
        timeout: float | None,
    ) -> Iterator[list[Event] | None]:
        from workbench.sdk.triggers.files import Seen, deliver

        seen = Seen(self.trigger_state)
        describe = functools.partial(file_event, label, self.root)
        watch = FolderWatch(selection, seen, settle, describe)
        yield from deliver(watch.sightings(label), seen, max_events=max_events, timeout=timeout)

    def _parts(self, label: str, path: str) -> list[str]:
        try:
            return self.folder.parts(path)
        except PathError as exc:
            raise ActionArgumentError(f"{label}: {exc}") from None

    @contextlib.contextmanager
    def _errors(self, label: str, path: str) -> Iterator[None]:
        """Turn what the folder refuses or lacks into a clear error naming ``path``."""
        where = f"in the folder {self.root}"
        try:
            yield
        except PathError as exc:
            raise ActionArgumentError(f"{label}: {exc} ({where})") from None
        except IsADirectoryError:
            raise ActionArgumentError(f"{label}: {path!r} is a folder, not a file") from None
        except FileExistsError:
            raise ActionError(
                f"{label}: {path!r} already exists {where}; pass overwrite=True to replace it"
            ) from None
        except FileNotFoundError:
            if not self.root.is_dir():
                raise ConnectionFailedError(
                    f"{label}: the folder {self.root} does not exist"
                ) from None
            raise ActionError(f"{label}: no file {path!r} {where}") from None
        except NotADirectoryError as exc:
            raise ActionError(
                f"{label}: {exc.filename!r} is a file, not a folder, {where}"
            ) from None
        except (UnsafeLinkError, UnsupportedSystemError) as exc:
            raise ActionError(f"{label}: {exc}") from None
        except OSError as exc:
            raise ActionError(f"{label}: cannot reach {path!r} {where}: {exc.strerror}") from None

    def _format(self, label: str, name: str, path: str, explicit: str | None) -> Format:
        found = find_format(Path(name), explicit)
        if found is None:
            given = f"format {explicit!r}" if explicit else f"the suffix of {path!r}"
            supported = ", ".join(FORMATS)
            raise ActionArgumentError(
                f"{label}: cannot tell the format of {path!r} from {given}; "
                f"supported formats: {supported} (pass format=...)"
            )
        return found

    # Defined last: inside the class body, the name `list` is this action from here on.
    @action
    def list(self, pattern: str = "*") -> Result:
        """List the files that match a glob pattern: name, size, modified, format.

        Hidden files (``.name``) match only a pattern that starts with a dot; the
        temporary files of writes never do.

        Args:
            pattern: a glob relative to the folder, such as ``*.csv``; ``**`` matches any depth
        """
        import pandas as pd

        label = f"{self.connection}.list"
        try:
            selection = Selection(self.root, pattern, folder=self.folder)
        except PathError as exc:
            raise ActionArgumentError(f"{label}: {exc}") from None
        rows = []
        with self._errors(label, pattern):
            found = sorted(selection.walk(), key=lambda item: item[0])
        for name, info in found:
            modified = datetime.fromtimestamp(info.st_mtime, UTC)
            kind = format_of(Path(name))
            rows.append(
                {
                    "name": name,
                    "size": info.st_size,
                    "modified": modified.isoformat(timespec="seconds"),
                    "format": kind.name if kind else None,
                }
            )
        # Records keep None as None; an empty listing still has its columns.
        data = rows or pd.DataFrame(columns=LIST_COLUMNS)
        return Result(data, raw={"folder": str(self.root)})


@contextlib.contextmanager
def _driver_errors(message: str) -> Iterator[None]:
    """Turn a driver's failure into an :class:`ActionError` that starts with ``message``."""
    try:
        yield
    except WorkbenchError:
        raise
    except Exception as exc:
        raise ActionError(f"{message}: {type(exc).__name__}: {exc}") from exc


def _make_folders(folder: Path) -> list[Path]:
    """Create the connection's ``folder`` and its missing parents; the ones made, deepest first."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


@contextlib.contextmanager
def _removed_on_failure(folders: list[Path]) -> Iterator[None]:
    """Remove ``folders`` (deepest first) again when the block fails."""
    try:
        yield
    except BaseException:
        for folder in folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
