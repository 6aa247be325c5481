"""Command tests: each test's runs and schedules go to a run store of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.jobs.run.store import close_default_stores


@pytest.fixture(autouse=True)
def run_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The SQLite file `wb` uses as its run store in this test."""
    path = tmp_path / "runs.db"
    monkeypatch.setenv("WORKBENCH_RUN_STORE", str(path))
    yield path
    close_default_stores()
