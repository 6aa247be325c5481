"""The connection store: merging files, adding and removing connections atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import ConnectionEntry, ConnectionStore
from workbench.errors import ConfigError, UnknownConnectionError
from workbench.paths import user_file

BUILTIN = {"shop": ConnectionEntry("shop", "sqlite", {"path": "shop.db"})}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_project_overrides_user_overrides_builtins(project: Path) -> None:
    write(
        user_file(),
        '[connections.shop]\nconnector = "sqlite"\npath = "user.db"\n'
        '[connections.api]\nconnector = "http"\n',
    )
    write(project / "workbench.toml", '[connections.api]\nconnector = "http"\nbase_url = "p"\n')
    store = ConnectionStore.discover(builtins=BUILTIN)
    assert store.names() == ["api", "shop"]
    assert store.get("shop").fields == {"path": "user.db"}
    assert store.get("api").fields == {"base_url": "p"}
    assert store.get("api").source == str((project / "workbench.toml").resolve())


def test_project_file_is_found_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "workbench.toml", '[connections.api]\nconnector = "http"\n')
    sub = project / "notebooks" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert ConnectionStore.discover().names() == ["api"]


def test_unknown_name_suggests_close_matches() -> None:
    store = ConnectionStore.discover(builtins=BUILTIN)
    with pytest.raises(UnknownConnectionError, match="did you mean 'shop'"):
        store.get("shpo")


def test_add_keeps_comments_and_other_connections(project: Path) -> None:
    path = write(
        project / "workbench.toml", '# team connections\n[connections.api]\nconnector = "http"\n'
    )
    store = ConnectionStore.discover()
    store.add(ConnectionEntry("db", "sqlite", {"path": "x.db", "token": {"secret": "t"}}), path)
    text = path.read_text()
    assert text.startswith("# team connections\n")
    assert 'token = {secret = "t"}' in text
    assert store.names() == ["api", "db"]
    assert store.get("db").fields == {"path": "x.db", "token": {"secret": "t"}}


def test_remove_edits_the_defining_file(project: Path) -> None:
    path = write(
        project / "workbench.toml",
        '[connections.api]\nconnector = "http"\n[connections.db]\nconnector = "sqlite"\n',
    )
    store = ConnectionStore.discover(builtins=BUILTIN)
    assert store.remove("api") == path.resolve()
    assert store.names() == ["db", "shop"]
    with pytest.raises(ConfigError, match="built in and cannot be removed"):
        store.remove("shop")


def test_a_broken_file_is_never_rewritten(project: Path) -> None:
    path = write(project / "workbench.toml", "[connections.api\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        ConnectionStore.discover().add(ConnectionEntry("db", "sqlite", {}), path)
    assert path.read_text() == "[connections.api\n"
