"""Every test runs in its own project folder with its own user config and secret store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.sdk.calls import clear_history


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for the session, so the sample database is generated once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(autouse=True)
def project(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working directory, with private config and secrets."""
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("WORKBENCH_SECRET_BACKEND", "file")
    monkeypatch.delenv("WORKBENCH_SECRET_KEY", raising=False)
    monkeypatch.chdir(folder)
    clear_history()
    return folder


@pytest.fixture(autouse=True)
def _registry_restored() -> Iterator[None]:
    """Connectors a test registers are forgotten after it."""
    from workbench import registry

    saved = dict(registry._connectors), dict(registry._packages), registry._loaded
    yield
    registry._connectors.clear()
    registry._connectors.update(saved[0])
    registry._packages.clear()
    registry._packages.update(saved[1])
    registry._loaded = saved[2]
