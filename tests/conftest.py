"""Every test runs in its own project folder with its own user config and secret store;
job and trigger tests share a private run store, the job notebooks and a PostgreSQL database."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from workbench.sdk.calls import clear_history

if TYPE_CHECKING:
    from workbench.jobs.run.store import RunStore

JOB_NOTEBOOKS = Path(__file__).parent / "jobs" / "notebooks"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/{database}"


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
    from workbench.connector_catalog import catalog_isolated

    with catalog_isolated():
        yield


@pytest.fixture
def notebooks(project: Path) -> Path:
    """The notebooks of tests/jobs/notebooks, copied into the project folder."""
    target = project / "notebooks"
    shutil.copytree(JOB_NOTEBOOKS, target)
    return target


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunStore]:
    """A SQLite run store of the test's own, also the one `wb` and the default use."""
    from workbench.jobs.run.store import RunStore, close_default_stores

    path = tmp_path / "runs.db"
    monkeypatch.setenv("WORKBENCH_RUN_STORE", str(path))
    opened = RunStore(path)
    yield opened
    opened.close()
    close_default_stores()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database made for this session, dropped at its end."""
    import psycopg

    from workbench.jobs.run.store import close_default_stores

    name = f"wb_jobs_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES.format(database=name)
    close_default_stores()
    with psycopg.connect(POSTGRES.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
