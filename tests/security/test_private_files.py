"""Files are private: the config and data folders Workbench creates are 0700 and the run
store (events included), its journal files, output notebooks and the secret store's files
are 0600, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from workers import write_notebook

from workbench import paths
from workbench.config.secrets import default_secret_store
from workbench.jobs.run.runner import run_notebook
from workbench.jobs.run.store import RunStore
from workbench.sdk import Event
from workbench.triggers.inbox import Inbox


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No umask at all, and config and data folders that do not exist yet."""
    home = tmp_path / "fresh"
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("WORKBENCH_RUN_STORE", str(home / "data" / "runs.db"))
    previous = os.umask(0)
    try:
        yield home
    finally:
        os.umask(previous)


def test_folders_and_files_are_private_whatever_the_umask(open_umask: Path, project: Path) -> None:
    config, data = paths.config_dir(), paths.data_dir()
    assert (mode(config), mode(data)) == (0o700, 0o700)
    default_secret_store().set("private/token", "pr1vate-t0ken-value")
    store = RunStore(data / "runs.db")
    notebook = write_notebook(project / "tiny.ipynb", "n = 1", "print(n)")
    run = run_notebook(notebook, {"n": 2}, store=store)
    Inbox(store).put([Event(source="s", id="1", data={"a": 1})])
    written = [data / "runs.db", Path(run.output or "")]
    written += [p for p in data.glob("runs.db-*")]  # the journal (-wal, -shm)
    written += [p for p in config.rglob("*") if p.is_file()]  # the secret store's files
    assert len(written) >= 4
    assert {str(p): mode(p) for p in written} == {str(p): 0o600 for p in written}
    store.close()
