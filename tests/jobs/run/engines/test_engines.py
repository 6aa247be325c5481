"""The engine registry, and recording a run before handing it to an engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from workers import write_notebook

from workbench.errors import ConfigError, ParameterError
from workbench.jobs.run import engines
from workbench.jobs.run.engines import Engine, engine_names, get_engine, register_engine
from workbench.jobs.run.leases import Leases
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore


class ListEngine(Engine):
    """Keeps the run ids it is handed."""

    name = "list"

    def __init__(self, store: RunStore, *, label: str = "") -> None:
        super().__init__(store)
        self.label = label
        self.handed: list[str] = []

    def submit(self, run_id: str) -> None:
        self.handed.append(run_id)


def test_engines_are_found_by_name_and_a_typo_gets_a_suggestion(store: RunStore) -> None:
    assert {"local", "celery"} <= set(engine_names())
    with pytest.raises(ConfigError, match=r"no engine named 'celry'; did you mean 'celery'\?"):
        get_engine("celry", store)


def test_a_registered_engine_is_built_with_its_options(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "_engines", dict(engines._engines))  # forgotten after the test
    register_engine("list", ListEngine)
    engine = get_engine("list", store, label="mine")
    assert isinstance(engine, ListEngine) and engine.label == "mine" and engine.store is store


def test_enqueue_records_a_queued_run_with_its_timeout_then_submits_it(
    store: RunStore, project: Path
) -> None:
    notebook = write_notebook(project / "etl.ipynb", "limit = 10", "print(limit)")
    engine = ListEngine(store)
    run = engine.enqueue(notebook, {"limit": 3}, timeout=45)
    assert engine.handed == [run.id]
    recorded = store.get(run.id)
    assert (recorded.status, recorded.job, recorded.parameters) == (
        Status.QUEUED,
        "etl",
        {"limit": 3},
    )
    lease = Leases(store).get(run.id)
    assert lease is not None and lease.timeout == 45 and lease.worker is None


def test_enqueue_refuses_bad_parameters_before_recording_anything(
    store: RunStore, project: Path
) -> None:
    notebook = write_notebook(project / "etl.ipynb", "limit = 10", "print(limit)")
    engine = ListEngine(store)
    with pytest.raises(ParameterError, match="parameter 'limit' expects an int"):
        engine.enqueue(notebook, {"limit": "ten"})
    assert engine.handed == [] and store.runs() == []
