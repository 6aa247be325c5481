"""The local engine: runs side by side on threads and warm kernels, leases held while
they run, each delivered run id executed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from workers import wait_for, write_notebook

from workbench.errors import ConfigError
from workbench.jobs.run.engines.local import LocalEngine
from workbench.jobs.run.leases import Leases
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore


def test_runs_execute_side_by_side_and_hold_their_leases(store: RunStore, project: Path) -> None:
    notebook = write_notebook(
        project / "nap.ipynb", "seconds = 1.0", "import time; time.sleep(seconds)"
    )
    leases = Leases(store)
    with LocalEngine(store, size=2, ttl=5, worker="local-test") as engine:
        assert engine.kernels.wait_full(60)
        first, second = (engine.enqueue(notebook, job="nap") for _ in range(2))
        engine.submit(first.id)  # delivered twice: executed once
        assert wait_for(lambda: len(engine.active) == 2, 10)
        assert wait_for(
            lambda: {leases.get(r.id).worker for r in (first, second)} == {"local-test"}, 10
        )  # type: ignore[union-attr]
        assert engine.wait(60)
        assert engine.active == set()
    done = [store.get(r.id) for r in (first, second)]
    assert [r.status for r in done] == [Status.SUCCEEDED, Status.SUCCEEDED]
    assert done[0].started_at < done[1].ended_at and done[1].started_at < done[0].ended_at  # type: ignore[operator]
    assert len(store.runs(job="nap")) == 2
    assert leases.get(first.id) is None and leases.get(second.id) is None


def test_the_pool_size_is_checked(store: RunStore) -> None:
    with pytest.raises(ConfigError, match="--pool: expected a whole number >= 1, got 0"):
        LocalEngine(store, size=0)
