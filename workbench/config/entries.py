"""Reading connection entries out of workbench.toml files."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError


@dataclass(frozen=True)
class ConnectionEntry:
    """One named connection as written: its connector and its (unresolved) fields.

    ``source`` says where it was defined: a file path, or ``built-in`` for a connection a
    connector ships (such as the sample ``shop`` database).
    """

    name: str
    connector: str
    fields: dict[str, Any] = field(default_factory=dict)
    source: str = "built-in"

    def __repr__(self) -> str:
        from workbench.config.inline import shown
        from workbench.redaction import looks_secret

        masked = {k: shown(v, secret=looks_secret(k)) for k, v in self.fields.items()}
        return (
            f"ConnectionEntry(name={self.name!r}, connector={self.connector!r}, "
            f"fields={masked!r}, source={self.source!r})"
        )

    def where(self, field_name: str | None = None) -> str:
        """``FILE: connection 'NAME'[, field 'FIELD']`` for error messages."""
        text = f"{self.source}: connection {self.name!r}"
        return f"{text}, field {field_name!r}" if field_name else text


def read_text(path: Path) -> str:
    """A workbench.toml file's text; one that cannot be read or is not UTF-8 is a ConfigError.

    Example:
        >>> import tempfile, pathlib
        >>> bad = pathlib.Path(tempfile.mkdtemp()) / "workbench.toml"
        >>> _ = bad.write_bytes(b"name = 'caf\\xe9'")
        >>> read_text(bad)
        Traceback (most recent call last):
        ...
        workbench.errors.ConfigError: .../workbench.toml: not UTF-8 text (byte 0xe9 at offset 11); save the file as UTF-8
    """  # noqa: E501
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None


def read_document(path: Path) -> dict[str, Any]:
    """A workbench.toml file parsed; unreadable, non-UTF-8 or malformed is a ConfigError."""
    text = read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def read_table(path: Path, name: str) -> dict[str, Any]:
    """The ``[name]`` table of a workbench.toml file (empty when it has none).

    Example:
        >>> import tempfile, pathlib
        >>> file = pathlib.Path(tempfile.mkdtemp()) / "workbench.toml"
        >>> _ = file.write_text("jobs = 3")
        >>> read_table(file, "jobs")
        Traceback (most recent call last):
        ...
        workbench.errors.ConfigError: .../workbench.toml: 'jobs' must be a table ([jobs])
    """
    table = read_document(path).get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {name!r} must be a table ([{name}])")
    return table


def read_entries(path: Path) -> dict[str, ConnectionEntry]:
    """Parse the ``[connections.NAME]`` tables of one workbench.toml file.

    Raises :class:`ConfigError` naming the file (and line, for malformed TOML), the
    connection and the field at fault.
    """
    connections = read_document(path).get("connections", {})
    if not isinstance(connections, dict):
        raise ConfigError(f"{path}: 'connections' must be a table of [connections.NAME] sections")
    entries: dict[str, ConnectionEntry] = {}
    for name, table in connections.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{path}: connection {name!r}: expected a table ([connections.{name}]), "
                f"got {type(table).__name__}"
            )
        fields = dict(table)
        connector = fields.pop("connector", None)
        if not isinstance(connector, str) or not connector:
            raise ConfigError(
                f"{path}: connection {name!r}, field 'connector': required, "
                "expected the name of an installed connector (see `wb catalog`)"
            )
        entries[name] = ConnectionEntry(name, connector, fields, str(path))
    return entries
