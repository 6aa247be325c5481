"""Job tests: the example notebooks copied into each test's project folder, a private run
store, and a throwaway PostgreSQL database for the session."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.jobs.store import RunStore, close_default_stores

NOTEBOOKS = Path(__file__).parent / "notebooks"
# Fixtures that fail, sleep, die or need a connection on purpose: run by the tests, not nbval.
collect_ignore_glob = ["notebooks/*.ipynb"]
POSTGRES = "postgresql://postgres@127.0.0.1:5432/{database}"


@pytest.fixture
def notebooks(project: Path) -> Path:
    """The notebooks of tests/jobs/notebooks, copied into the project folder."""
    target = project / "notebooks"
    shutil.copytree(NOTEBOOKS, target)
    return target


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunStore]:
    """A SQLite run store of the test's own, also the one `wb` and the default use."""
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

    name = f"wb_jobs_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES.format(database=name)
    close_default_stores()
    with psycopg.connect(POSTGRES.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
