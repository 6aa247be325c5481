"""The encrypted file secret store (the keyring is used only where a real backend exists)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from workbench.config.secrets import FileSecretStore, KeyringSecretStore, default_secret_store
from workbench.errors import SecretError
from workbench.paths import config_dir


def test_round_trip_and_names() -> None:
    store = default_secret_store()
    assert store.backend == "encrypted file"
    store.set("slack/bot-token", "xoxb-secret-1")
    store.set("db.password", "pw-secret-2")
    assert store.get("slack/bot-token") == "xoxb-secret-1"
    assert store.names() == ["db.password", "slack/bot-token"]
    store.delete("db.password")
    assert store.get("db.password") is None
    with pytest.raises(SecretError, match=r"no secret named 'db.password'"):
        store.delete("db.password")


def test_values_are_encrypted_at_rest_and_files_are_private() -> None:
    default_secret_store().set("canary", "canary-plain-value")
    folder = config_dir()
    assert b"canary-plain-value" not in (folder / "secrets.enc").read_bytes()
    for name in ("secrets.enc", "secret.key"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", key.decode())
    default_secret_store().set("a", "env-keyed-value")
    assert not (config_dir() / "secret.key").exists()
    token = (config_dir() / "secrets.enc").read_bytes()
    assert b"env-keyed-value" in Fernet(key).decrypt(token)


def test_wrong_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    default_secret_store().set("a", "value-1234")
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(SecretError, match="cannot decrypt with the current key"):
        default_secret_store().get("a")


def test_invalid_key_says_how_to_make_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretError, match=r"not a valid Fernet key.*generate_key"):
        default_secret_store()


def test_key_file_readable_by_others_is_refused() -> None:
    default_secret_store().set("a", "value-5678")
    key = config_dir() / "secret.key"
    os.chmod(key, 0o644)
    with pytest.raises(SecretError, match=r"readable by others.*chmod 600"):
        default_secret_store()


def test_invalid_names_are_refused() -> None:
    with pytest.raises(SecretError, match="invalid secret name"):
        default_secret_store().set("../escape", "v")


def test_backend_choice_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_SECRET_BACKEND", "vault")
    with pytest.raises(SecretError, match="expected 'file', 'keyring' or 'auto'"):
        default_secret_store()
    monkeypatch.setenv("WORKBENCH_SECRET_BACKEND", "keyring")
    assert isinstance(default_secret_store(), KeyringSecretStore)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    key = Fernet.generate_key()

    def write(i: int) -> None:
        FileSecretStore(tmp_path / "secrets.enc", key).set(f"s{i}", f"value-{i:04d}")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert FileSecretStore(tmp_path / "secrets.enc", key).names() == sorted(
        f"s{i}" for i in range(12)
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_stores_opened_at_once_with_no_key_file_agree_on_one_key() -> None:
    start = threading.Barrier(8)
    stores: list[FileSecretStore | KeyringSecretStore] = []

    def open_store() -> None:
        start.wait()
        stores.append(default_secret_store())

    threads = [threading.Thread(target=open_store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stores) == 8
    stores[0].set("shared", "one-value")
    assert {store.get("shared") for store in stores} == {"one-value"}
    key_file = config_dir() / "secret.key"
    assert len(key_file.read_bytes().strip()) == 44
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in config_dir().iterdir() if p.name.startswith(".")] == []
