"""The secret store: the OS keyring where one exists, else an encrypted file.

The file store keeps every secret in one Fernet-encrypted file (``secrets.enc`` in the
config folder). Its key comes from ``WORKBENCH_SECRET_KEY`` or from a key file created
with mode 0600 beside it. ``WORKBENCH_SECRET_BACKEND=file|keyring`` forces a backend.

Example:
    >>> store = default_secret_store()
    >>> store.set("doc/token", "t0ps3cret")
    >>> store.get("doc/token")
    't0ps3cret'
    >>> store.delete("doc/token")
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config.atomic import write_atomic
from workbench.errors import SecretError
from workbench.paths import config_dir
from workbench.redaction import register_secret

SERVICE = "workbench"
if TYPE_CHECKING:
    from filelock import FileLock

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
_KEY_HINT = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


class SecretStore(ABC):
    """Named secrets: ``get``, ``set``, ``delete`` and ``names`` (values never listed)."""

    backend = ""

    @abstractmethod
    def get(self, name: str) -> str | None:
        """The secret's value, or None when it is not stored."""

    @abstractmethod
    def set(self, name: str, value: str) -> None:
        """Store (or replace) a secret."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove a secret; raises :class:`SecretError` when it is not stored."""

    @abstractmethod
    def names(self) -> list[str]:
        """The names of the stored secrets, sorted."""


def check_name(name: str) -> str:
    """Validate a secret name (letters, digits, ``_ . - /``)."""
    if not _NAME.match(name):
        raise SecretError(
            f"invalid secret name {name!r}: "
            "use letters, digits and _ . - / (e.g. 'slack/bot-token')"
        )
    return name


class FileSecretStore(SecretStore):
    """Secrets in one Fernet-encrypted JSON file, replaced atomically under a lock."""

    backend = "encrypted file"

    def __init__(self, path: Path, key: bytes) -> None:
        from cryptography.fernet import Fernet

        self.path = path
        try:
            self._fernet = Fernet(key)
        except ValueError:
            raise SecretError(
                "WORKBENCH_SECRET_KEY is not a valid Fernet key (32 url-safe base64 bytes); "
                f"make one with: {_KEY_HINT}"
            ) from None

    def _read(self) -> dict[str, str]:
        from cryptography.fernet import InvalidToken

        try:
            token = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data: dict[str, str] = json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise SecretError(
                f"{self.path}: cannot decrypt with the current key "
                "(WORKBENCH_SECRET_KEY or the key file beside it)"
            ) from None
        return data

    def _write(self, data: dict[str, str]) -> None:
        token = self._fernet.encrypt(json.dumps(data, sort_keys=True).encode())
        write_atomic(self.path, token, mode=0o600)

    def _lock(self) -> FileLock:
        from filelock import FileLock

        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return FileLock(str(self.path) + ".lock", mode=0o600)

    def get(self, name: str) -> str | None:
        value = self._read().get(name)
        if value is not None:
            register_secret(value)
        return value

    def set(self, name: str, value: str) -> None:
        check_name(name)
        register_secret(value)
        with self._lock():
            data = self._read()
            data[name] = value
            self._write(data)

    def delete(self, name: str) -> None:
        with self._lock():
            data = self._read()
            if data.pop(name, None) is None:
                raise SecretError(f"no secret named {name!r} in {self.path}")
            self._write(data)

    def names(self) -> list[str]:
        return sorted(self._read())


class KeyringSecretStore(SecretStore):
    """Secrets in the OS keyring; their names (never values) are indexed in a small file."""

    backend = "keyring"

    def __init__(self, index: Path) -> None:
        self.index = index

    def _names(self) -> set[str]:
        try:
            return set(json.loads(self.index.read_text()))
        except FileNotFoundError:
            return set()

    def get(self, name: str) -> str | None:
        import keyring

        value = keyring.get_password(SERVICE, name)
        if value is not None:
            register_secret(value)
        return value

    def set(self, name: str, value: str) -> None:
        import keyring

        check_name(name)
        register_secret(value)
        keyring.set_password(SERVICE, name, value)
        write_atomic(self.index, json.dumps(sorted(self._names() | {name})), mode=0o600)

    def delete(self, name: str) -> None:
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            raise SecretError(f"no secret named {name!r} in the keyring") from None
        write_atomic(self.index, json.dumps(sorted(self._names() - {name})), mode=0o600)

    def names(self) -> list[str]:
        return sorted(self._names())


def default_secret_store() -> SecretStore:
    """The keyring when a real backend exists (or is forced), else the encrypted file."""
    folder = config_dir()
    choice = os.environ.get("WORKBENCH_SECRET_BACKEND", "auto")
    if choice not in ("auto", "file", "keyring"):
        raise SecretError(
            f"WORKBENCH_SECRET_BACKEND: expected 'file', 'keyring' or 'auto', got {choice!r}"
        )
    if choice == "keyring" or (choice == "auto" and _keyring_usable()):
        return KeyringSecretStore(folder / "secrets-index.json")
    return FileSecretStore(folder / "secrets.enc", _file_key(folder / "secret.key"))


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    backend = keyring.get_keyring()
    return not isinstance(backend, fail.Keyring) and float(getattr(backend, "priority", 0)) >= 1


def _file_key(path: Path) -> bytes:
    env = os.environ.get("WORKBENCH_SECRET_KEY")
    if env:
        return env.encode()
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        from cryptography.fernet import Fernet

        return _new_key_file(path, Fernet.generate_key())
    if mode & 0o077:
        raise SecretError(
            f"{path}: the secret key file is readable by others (mode {mode:o}); "
            f"run: chmod 600 {path}"
        )
    return path.read_bytes().strip()


def _new_key_file(path: Path, key: bytes) -> bytes:
    """Write ``key`` to ``path`` unless another process or thread did first; the key in use.

    The key is written whole to a private temporary file, then linked into place, so a
    reader never sees a half-written key file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, path)
    except FileExistsError:  # another process or thread made it first: use theirs
        key = path.read_bytes().strip()
    finally:
        temporary.unlink()
    return key
