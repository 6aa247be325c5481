"""The run store on SQLite (several processes at once) and on PostgreSQL, and where it is."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.errors import ConnectionFailedError, JobError, WorkbenchError
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.store import METADATA, RunStore, default_store, store_location
from workbench.paths import data_dir
from workbench.redaction import redact


def finished(job: str, status: Status = Status.SUCCEEDED, **details: object) -> Run:
    run = Run.new(f"/jobs/{job}.ipynb", job=job, parameters={"day": "2024-01-01", "n": [1, 2]})
    run.start()
    run.finish(status, exit_code=0 if status is Status.SUCCEEDED else 12, **details)
    return run


def roundtrip(store: RunStore) -> None:
    first = finished("etl")
    store.add(first)
    second = Run.new("/jobs/etl.ipynb", job="etl")
    store.add(second)
    other = finished(
        "report",
        Status.FAILED,
        error_class="ZeroDivisionError",
        error_message="division by zero",
        failed_cell=2,
        failed_source="1 / 0",
        output="/runs/x.ipynb",
    )
    store.add(other)
    second.start()
    store.save(second)

    assert store.get(first.id) == first
    loaded = store.get(other.id)
    assert loaded == other
    assert loaded.started_at is not None and loaded.started_at.tzinfo == UTC
    assert [r.id for r in store.runs(job="etl")] == [second.id, first.id]
    assert [r.id for r in store.runs()][:3] == [other.id, second.id, first.id]
    assert [r.id for r in store.runs(status="running")] == [second.id]
    assert [r.id for r in store.runs(status=Status.FAILED, job="report")] == [other.id]
    assert len(store.runs(limit=1)) == 1
    with pytest.raises(JobError, match="no run with id 'nope'"):
        store.get("nope")


def test_sqlite_store_keeps_runs_in_wal_mode(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "nested" / "runs.db")
    roundtrip(store)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    store.close()


def test_postgresql_store_keeps_runs(postgres_url: str) -> None:
    store = RunStore(postgres_url)
    assert store.engine.dialect.name == "postgresql"
    with store.engine.begin() as connection:
        connection.execute(sa.delete(store.table))
    roundtrip(store)
    store.close()


WRITER = """
import sys
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.store import RunStore
store = RunStore(sys.argv[1])
for i in range(25):
    run = Run.new("/jobs/w.ipynb", job=sys.argv[2])
    store.add(run)
    run.start()
    store.save(run)
    run.finish(Status.SUCCEEDED)
    store.save(run)
"""


@pytest.mark.slow
def test_several_processes_write_to_one_sqlite_store_at_once(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    RunStore(path).close()
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"writer-{i}"]) for i in range(4)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    store = RunStore(path)
    found = store.runs(limit=1000)
    assert len(found) == 100
    assert {r.status for r in found} == {Status.SUCCEEDED}
    assert {r.job for r in found} == {f"writer-{i}" for i in range(4)}
    store.close()


def test_a_scheduler_can_add_its_tables_to_the_same_metadata(tmp_path: Path) -> None:
    leases = sa.Table("test_slot_leases", METADATA, sa.Column("slot", sa.String, primary_key=True))
    try:
        store = RunStore(tmp_path / "runs.db")
        assert {"wb_runs", "test_slot_leases"} <= set(sa.inspect(store.engine).get_table_names())
        store.close()
    finally:
        METADATA.remove(leases)


def test_the_location_comes_from_env_then_project_then_user_then_the_data_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert store_location() == (data_dir() / "runs.db", "the run store")
    user = tmp_path / "config" / "workbench.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[jobs]\nstore = "sqlite:///user.db"\n')
    assert store_location() == ("sqlite:///user.db", f"{user}: [jobs] store")
    monkeypatch.setenv("WB_TEST_STORE_PASSWORD", "st0re-pa55word")
    (project / "workbench.toml").write_text(
        '[jobs]\nstore = "postgresql://jobs:${WB_TEST_STORE_PASSWORD}@db.internal/wb"\n'
    )
    url, source = store_location()
    assert url == "postgresql://jobs:st0re-pa55word@db.internal/wb"
    assert source == f"{project / 'workbench.toml'}: [jobs] store"
    monkeypatch.setenv("WORKBENCH_RUN_STORE", "sqlite:///from-env.db")
    assert store_location() == ("sqlite:///from-env.db", "WORKBENCH_RUN_STORE")


def test_a_store_url_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_RUN_STORE", "postgresql://postgres:n0t-the-pa55@127.0.0.1:1/none")
    with pytest.raises(ConnectionFailedError) as caught:
        default_store()
    message = str(caught.value)
    assert message.startswith("WORKBENCH_RUN_STORE postgresql+psycopg://postgres:***@127.0.0.1:1/")
    assert "n0t-the-pa55" not in message
    assert redact("pw n0t-the-pa55") == "pw ***"


def open_configured() -> RunStore:
    target, source = store_location()
    return RunStore(target, source=source)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[jobs]\nstore = "mysql://x@y/z"\n', "the run store must be PostgreSQL or SQLite"),
        ('[jobs]\nstore = ""\n', "expected a database URL"),
        ('jobs = "x"\n', "'jobs' must be a table"),
        ('[jobs]\nstore = "postgresql://a@b/c?x=${WB_TEST_UNSET_VAR}"\n', "WB_TEST_UNSET_VAR"),
    ],
)
def test_bad_store_settings_name_the_file_and_what_is_wrong(
    project: Path, toml: str, message: str
) -> None:
    (project / "workbench.toml").write_text(toml)
    with pytest.raises(WorkbenchError) as caught:
        open_configured()
    assert message in str(caught.value)
    assert "workbench.toml" in str(caught.value)
