"""The connection store: named connections merged from built-ins, the user and the project."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.config.atomic import write_atomic
from workbench.config.entries import ConnectionEntry, read_entries, read_text
from workbench.config.interpolate import resolve
from workbench.config.secrets import SecretStore, default_secret_store
from workbench.errors import ConfigError, UnknownConnectionError


class ConnectionStore:
    """Named connections, later sources overriding earlier ones by name.

    The order is: built-in connections that connectors ship, the user's workbench.toml
    (platform config dir), then the project's workbench.toml (found by walking up from
    the working directory). A name defined in a later source replaces the whole entry.

    Example:
        >>> store = ConnectionStore.discover()
        >>> isinstance(store.names(), list)
        True
    """

    def __init__(
        self,
        *,
        project_file: Path | None = None,
        user_file: Path | None = None,
        builtins: Mapping[str, ConnectionEntry] | None = None,
        secrets: Callable[[], SecretStore] = default_secret_store,
    ) -> None:
        self.project_file = project_file
        self.user_file = user_file
        self.builtins = dict(builtins or {})
        self._secrets_factory = secrets
        self._secrets: SecretStore | None = None
        self._entries: dict[str, ConnectionEntry] | None = None

    @classmethod
    def discover(
        cls, start: Path | None = None, builtins: Mapping[str, ConnectionEntry] | None = None
    ) -> ConnectionStore:
        """The store for the working directory (or ``start``) and the current user."""
        return cls(
            project_file=paths.project_file(start),
            user_file=paths.user_file(),
            builtins=builtins,
        )

    @property
    def secrets(self) -> SecretStore:
        """The secret store that ``{ secret = "name" }`` references are read from."""
        if self._secrets is None:
            self._secrets = self._secrets_factory()
        return self._secrets

    def files(self) -> list[Path]:
        """The workbench.toml files in effect, lowest precedence first."""
        found = [p for p in (self.user_file, self.project_file) if p is not None and p.is_file()]
        return list(dict.fromkeys(p.resolve() for p in found))

    def entries(self) -> dict[str, ConnectionEntry]:
        """Every connection by name, after merging."""
        if self._entries is None:
            merged = dict(self.builtins)
            for path in self.files():
                merged.update(read_entries(path))
            self._entries = merged
        return self._entries

    def names(self) -> list[str]:
        """The connection names, sorted."""
        return sorted(self.entries())

    def __contains__(self, name: object) -> bool:
        return name in self.entries()

    def get(self, name: str, also: list[str] | None = None) -> ConnectionEntry:
        """The entry named ``name``; an unknown name suggests close matches."""
        entries = self.entries()
        if name in entries:
            return entries[name]
        candidates = [*entries, *(also or [])]
        raise UnknownConnectionError(name, difflib.get_close_matches(name, candidates, n=3))

    def resolve(self, entry: ConnectionEntry) -> dict[str, Any]:
        """The entry's fields with ``${ENV}`` and ``{ secret = ... }`` resolved."""
        return {
            key: resolve(value, where=entry.where(key), secrets=self.secrets.get)
            for key, value in entry.fields.items()
        }

    def add(self, entry: ConnectionEntry, target: Path) -> None:
        """Write ``entry`` as ``[connections.NAME]`` into ``target``, keeping the rest.

        The file is replaced atomically; comments and formatting elsewhere are kept.
        """
        import tomlkit

        document = _load_document(target)
        connections = document.setdefault("connections", tomlkit.table(is_super_table=True))
        table = tomlkit.table()
        table.add("connector", entry.connector)
        for key, value in entry.fields.items():
            table.add(key, _inline(value) if isinstance(value, dict) else value)
        connections[entry.name] = table
        write_atomic(target, tomlkit.dumps(document))
        self._entries = None

    def remove(self, name: str) -> Path:
        """Remove the connection from the file that defines it; return that file."""
        entry = self.get(name)
        if entry.source == "built-in":
            raise ConfigError(f"connection {name!r} is built in and cannot be removed")
        import tomlkit

        path = Path(entry.source)
        document = _load_document(path)
        del document["connections"][name]
        write_atomic(path, tomlkit.dumps(document))
        self._entries = None
        return path


def _load_document(path: Path) -> Any:
    import tomlkit
    from tomlkit.exceptions import ParseError

    if not path.exists():
        return tomlkit.document()
    read_entries(path)  # refuse to edit a file that does not parse
    try:
        return tomlkit.parse(read_text(path))
    except ParseError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _inline(value: dict[str, Any]) -> Any:
    """A dict as an inline table, as ``token = { secret = "name" }`` is written by hand."""
    import tomlkit

    table = tomlkit.inline_table()
    table.update({k: _inline(v) if isinstance(v, dict) else v for k, v in value.items()})
    return table
