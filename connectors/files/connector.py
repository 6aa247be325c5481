"""The files connector: tabular files in one folder, read and written as DataFrames."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from connectors.files.formats import FORMATS, Format, as_frame, find_format, format_of
from connectors.files.paths import OutsideFolderError, atomic_target, inside, matching
from connectors.files.selection import Selection
from connectors.files.watch import FolderWatch, file_event
from workbench.errors import ActionArgumentError, ActionError, ConnectionFailedError, WorkbenchError
from workbench.sdk import ConnectionConfig, Connector, Event, Result, action, trigger

LIST_COLUMNS = ["name", "size", "modified", "format"]


class FilesConfig(ConnectionConfig):
    """Which folder the connection works in."""

    folder: str = Field(
        ".",
        description="The folder to read and write, relative to the working directory ('~' allowed)",
    )


class Files(Connector):
    """Tabular files in a folder: CSV, JSON, JSON lines, Parquet and Excel as DataFrames.

    Every path is relative to the connection's folder and cannot leave it. Writes are
    atomic: a reader sees the old file or the new one, and a failed write leaves nothing
    behind. Excel needs ``pip install 'workbench[excel]'``.

    Example:
        >>> import tempfile
        >>> from connectors.files import Files, FilesConfig
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
        self.root = Path(self.config.folder).expanduser().resolve()

    def check(self) -> str:
        """The folder exists and is a folder: ``folder PATH (N files)``, counting its own files."""
        if not self.root.is_dir():
            problem = "is not a folder" if self.root.exists() else "does not exist"
            raise ConnectionFailedError(f"{self.connection}: folder {self.root} {problem}")
        with os.scandir(self.root) as entries:
            count = sum(1 for entry in entries if entry.is_file())
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
        target = self._inside(label, path)
        kind = self._format(label, target, path, format)
        if not target.is_file():
            raise ActionError(f"{label}: no file {path!r} in the folder {self.root}")
        with _driver_errors(f"{label}: cannot read {path!r} as {kind.name}"):
            frame = kind.read(target)
        raw = {"path": self._name(target), "format": kind.name, "bytes": target.stat().st_size}
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
        target = self._inside(label, path)
        kind = self._format(label, target, path, format)
        if target.is_dir():
            raise ActionArgumentError(f"{label}: {path!r} is a folder, not a file")
        frame = as_frame(label, data)
        try:
            with (
                atomic_target(target, overwrite=overwrite) as temporary,
                _driver_errors(f"{label}: cannot write {path!r} as {kind.name}"),
            ):
                kind.write(frame, temporary)
        except FileExistsError:
            raise ActionError(
                f"{label}: {path!r} already exists in the folder {self.root}; "
                "pass overwrite=True to replace it"
            ) from None
        size = target.stat().st_size
        return {"path": self._name(target), "format": kind.name, "rows": len(frame), "bytes": size}

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
            selection = Selection(self.root, pattern, recursive=recursive)
        except OutsideFolderError as exc:
            raise ActionArgumentError(f"{label}: {exc}") from None
        if not self.root.is_dir():
            raise ConnectionFailedError(f"{label}: the folder {self.root} does not exist")
        return self._follow(label, selection, settle, max_events, timeout)

    def _follow(
        self,
        label: str,
        selection: Selection,
        settle: float,
        max_events: int | None,
        timeout: float | None,
    ) -> Iterator[list[Event] | None]:
        from workbench.triggers.files import Seen, deliver

        seen = Seen(self.trigger_state)
        describe = functools.partial(file_event, label, self.root)
        watch = FolderWatch(selection, seen, settle, describe)
        yield from deliver(watch.sightings(label), seen, max_events=max_events, timeout=timeout)

    def _inside(self, label: str, path: str) -> Path:
        try:
            return inside(self.root, path)
        except OutsideFolderError as exc:
            raise ActionArgumentError(f"{label}: {exc}") from None

    def _format(self, label: str, target: Path, path: str, explicit: str | None) -> Format:
        found = find_format(target, explicit)
        if found is None:
            given = f"format {explicit!r}" if explicit else f"the suffix of {path!r}"
            supported = ", ".join(FORMATS)
            raise ActionArgumentError(
                f"{label}: cannot tell the format of {path!r} from {given}; "
                f"supported formats: {supported} (pass format=...)"
            )
        return found

    def _name(self, target: Path) -> str:
        return target.relative_to(self.root).as_posix()

    # Defined last: inside the class body, the name `list` is this action from here on.
    @action
    def list(self, pattern: str = "*") -> Result:
        """List the files that match a glob pattern: name, size, modified, format.

        Args:
            pattern: a glob relative to the folder, such as ``*.csv``; ``**`` matches any depth
        """
        import pandas as pd

        label = f"{self.connection}.list"
        try:
            found = matching(self.root, pattern)
        except OutsideFolderError as exc:
            raise ActionArgumentError(f"{label}: {exc}") from None
        rows = []
        for file in sorted(found, key=self._name):
            info = file.stat()
            modified = datetime.fromtimestamp(info.st_mtime, UTC)
            kind = format_of(file)
            rows.append(
                {
                    "name": self._name(file),
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
