"""Notebook runs end to end: parameters checked first, every ending recorded, warm kernels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workbench.errors import JobFailedError, JobTimeoutError, KernelDiedError, ParameterError
from workbench.jobs.run.kernels import KernelPool
from workbench.jobs.run.parameters import CommandLineText
from workbench.jobs.run.record import Run, Status
from workbench.jobs.run.runner import run_notebook
from workbench.jobs.run.store import RunStore
from workbench.paths import data_dir

WB = str(Path(sys.executable).parent / "wb")


def printed(run: Run, cell: int = -1) -> str:
    assert run.output is not None
    nb = nbformat.read(run.output, as_version=4)
    return "".join(o.get("text", "") for o in nb.cells[cell].outputs)


def report(run: Run) -> dict[str, object]:
    values: dict[str, object] = json.loads(printed(run))
    return values


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"limt": 5}, "has no parameter 'limt'; did you mean 'limit'?"),
        ({"limit": "5"}, "parameter 'limit' expects an int (e.g. 3), got str '5'"),
        ({"dry_run": CommandLineText("maybe")}, "parameter 'dry_run' expects a bool"),
    ],
)
def test_bad_parameters_are_refused_before_a_kernel_starts(
    notebooks: Path, store: RunStore, parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ParameterError) as caught:
        run_notebook(notebooks / "report.ipynb", parameters, store=store)
    assert message in str(caught.value) and "report.ipynb" in str(caught.value)
    assert not (notebooks / "kernel-ran.txt").exists()  # the first cell never ran
    assert store.runs() == []


def test_a_stored_secret_is_refused_as_a_parameter_value(notebooks: Path, store: RunStore) -> None:
    value = "st0red-only-in-the-file-store"
    stored = subprocess.run(
        [WB, "secrets", "set", "job/pw"], input=value, text=True, capture_output=True, timeout=60
    )
    assert stored.returncode == 0, stored.stderr
    with pytest.raises(ParameterError) as caught:
        run_notebook(notebooks / "report.ipynb", {"connection": value}, store=store)
    assert "parameter 'connection' holds a secret value" in str(caught.value)
    assert value not in str(caught.value)
    assert not (notebooks / "kernel-ran.txt").exists()
    assert store.runs() == []


def test_parameters_reach_the_notebook_typed_and_the_run_is_recorded(
    notebooks: Path, store: RunStore
) -> None:
    run = run_notebook(
        notebooks / "report.ipynb",
        {
            "limit": CommandLineText("5"),
            "dry_run": True,
            "tables": ["a", "b"],
            "since": 7,
            "connection": "warehouse",
        },
        store=store,
    )
    assert run.status is Status.SUCCEEDED and run.exit_code == 0
    run.raise_for_status()
    values = report(run)
    assert values["limit"] == 5 and values["dry_run"] is True and values["since"] == 7
    assert values["tables"] == ["a", "b"] and values["connection"] == "warehouse"
    assert values["ratio"] == 0.5  # a default the run left alone
    assert values["cwd"] == str(notebooks)  # the notebook's own folder
    assert (notebooks / "kernel-ran.txt").exists()
    assert run.output == str(data_dir() / "runs" / f"{run.id}.ipynb")
    assert run.job == "report" and run.notebook == str(notebooks / "report.ipynb")
    assert store.get(run.id) == run
    assert store.get(run.id).parameters == {
        "limit": 5,
        "dry_run": True,
        "tables": ["a", "b"],
        "since": 7,
        "connection": "warehouse",
    }


def test_a_failing_cell_is_recorded_with_its_index_and_first_line(
    notebooks: Path, store: RunStore, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "fails.ipynb"
    run = run_notebook(
        notebooks / "fails.ipynb", {"divisor": 0}, job="nightly", output=output, store=store
    )
    assert run.status is Status.FAILED and run.exit_code == 12
    assert (run.failed_cell, run.failed_source) == (
        2,
        "result = numerator / divisor  # fails when divisor is 0",
    )
    assert (run.error_class, run.error_message) == ("ZeroDivisionError", "division by zero")
    assert store.get(run.id) == run and store.runs(job="nightly") == [run]
    with pytest.raises(JobFailedError, match=r"failed at cell 2 \(result = numerator"):
        run.raise_for_status()
    nb = nbformat.read(output, as_version=4)
    assert nb.cells[3].outputs[0].ename == "ZeroDivisionError"  # after the injected cell
    assert nb.cells[-1].outputs == []  # nothing ran after the failure


@pytest.mark.slow
def test_a_run_past_its_timeout_is_killed_and_recorded(notebooks: Path, store: RunStore) -> None:
    run = run_notebook(notebooks / "sleeps.ipynb", {"seconds": 60.0}, timeout=1, store=store)
    assert run.status is Status.TIMED_OUT and run.exit_code == 13
    assert run.duration is not None and 1 <= run.duration < 10
    assert store.get(run.id).status is Status.TIMED_OUT
    assert "sleeping" in printed(run, cell=2)  # output up to the kill is kept
    with pytest.raises(JobTimeoutError, match="timed out"):
        run.raise_for_status()


def test_a_kernel_death_is_recorded_as_killed(notebooks: Path, store: RunStore) -> None:
    run = run_notebook(notebooks / "dies.ipynb", store=store)
    assert run.status is Status.KILLED and run.exit_code == 14
    assert run.error_message == "the kernel died (killed by signal 9)"
    assert store.get(run.id).status is Status.KILLED
    assert "about to die" in printed(run, cell=0)
    with pytest.raises(KernelDiedError):
        run.raise_for_status()


def test_a_bad_timeout_or_missing_notebook_records_nothing(
    notebooks: Path, store: RunStore
) -> None:
    with pytest.raises(ParameterError, match="timeout: expected a number of seconds above 0"):
        run_notebook(notebooks / "report.ipynb", timeout=0, store=store)
    (notebooks / "broken.ipynb").write_text("{not json")
    for name, message in (
        ("missing.ipynb", "no such notebook"),
        ("broken.ipynb", "not a readable"),
    ):
        with pytest.raises(Exception, match=message) as caught:
            run_notebook(notebooks / name, store=store)
        assert getattr(caught.value, "exit_code", None) == 10
    assert store.runs() == []


@pytest.mark.slow
def test_warm_kernels_run_in_the_notebook_folder_with_the_pool_environment(
    notebooks: Path, store: RunStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("WB_JOB_MARK", "from-the-pool-owner")
    with KernelPool(size=2, cwd=elsewhere) as pool:
        monkeypatch.setenv("WB_JOB_MARK", "changed-after")
        assert pool.wait_full(60)
        first = {k.pid for k in pool._ready}
        runs = []
        for n in (1, 2, 3):
            assert pool.wait_full(60)
            started = pool.started
            runs.append(
                run_notebook(notebooks / "report.ipynb", {"limit": n}, store=store, pool=pool)
            )
            assert pool.wait_full(60) and pool.started == started + 1  # used one, replaced it
        assert first.isdisjoint(k.pid for k in pool._ready)
        assert [r.status for r in runs] == [Status.SUCCEEDED] * 3
        for n, run in enumerate(runs, start=1):
            values = report(run)
            assert values["limit"] == n and values["cwd"] == str(notebooks)
            assert values["mark"] == "from-the-pool-owner"
        # with no kernel ready, a run starts one cold, still with the pool's environment
        taken = [pool.take(), pool.take()]
        cold = run_notebook(notebooks / "report.ipynb", store=store, pool=pool)
        assert report(cold)["mark"] == "from-the-pool-owner"
        for kernel in taken:
            assert kernel is not None
            pool.release(kernel)
    assert (notebooks / "kernel-ran.txt").exists() and not (elsewhere / "kernel-ran.txt").exists()


def test_a_queued_run_is_picked_up_by_its_id(notebooks: Path, store: RunStore) -> None:
    queued = Run.new(str(notebooks / "fails.ipynb"), job="scheduled", parameters={"divisor": 2})
    store.add(queued)
    run = run_notebook(notebooks / "fails.ipynb", {"divisor": 2}, store=store, run_id=queued.id)
    assert run.id == queued.id and run.status is Status.SUCCEEDED
    assert [r.status for r in store.runs(job="fails")] == [Status.SUCCEEDED]
    with pytest.raises(Exception, match="is succeeded, not queued"):
        run_notebook(notebooks / "fails.ipynb", store=store, run_id=queued.id)


def test_runs_go_to_the_configured_postgresql_store(
    notebooks: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_RUN_STORE", postgres_url)
    run = run_notebook(notebooks / "fails.ipynb", {"divisor": 4}, job=f"pg-{os.getpid()}")
    assert run.status is Status.SUCCEEDED
    pg = RunStore(postgres_url)
    assert pg.get(run.id) == run
    pg.close()
