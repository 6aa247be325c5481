"""Recent runs for the Jobs view, and running a notebook as a job from JupyterLab.

A run started here is what ``wb run NOTEBOOK`` does: parameters checked before any kernel
starts, executed by the local engine, recorded in the default run store with a redacted
output notebook. Each run row says where that output is, relative to the Jupyter root
when Lab can open it there.

Example:
    >>> isinstance(run_rows(limit=5), list)
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.jobs.run.prepare import prepare_run
from workbench.jobs.run.record import Run
from workbench.jobs.run.store import default_store
from workbench.lab.notebooks import given_parameters, notebook_path, relative_path
from workbench.lab.problems import Problem


def run_row(run: Run, root: Path | None = None) -> dict[str, Any]:
    """A run record as JSON, with ``output_path``: its output relative to ``root`` (or None).

    Example:
        >>> run = Run.new("/srv/lab/etl.ipynb", job="etl")
        >>> row = run_row(run, Path("/srv/lab"))
        >>> row["job"], row["status"], row["output_path"]
        ('etl', 'queued', None)
    """
    row = run.to_dict()
    row["output_path"] = relative_path(root, run.output) if root is not None else None
    return row


def run_rows(
    *, root: Path | None = None, job: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The latest runs, newest first (of one ``job`` if given)."""
    return [run_row(r, root) for r in default_store().runs(job=job, limit=limit)]


def run_now(root: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Run ``body["notebook"]`` (relative to ``root``) with its ``parameters`` and wait.

    ``job`` names the run (default: the file name); ``schedule`` runs a schedule now,
    with that schedule's notebook, parameters and name.
    """
    from workbench.jobs.run.engines import get_engine

    schedule = body.get("schedule")
    if schedule is not None:
        from workbench.lab.schedules import get_schedule

        found = get_schedule(str(schedule))
        prepared = prepare_run(found.notebook, found.parameters, job=found.name)
    else:
        job = body.get("job") or None
        if not (job is None or isinstance(job, str)):
            raise Problem(400, "job: expected a text")
        path = notebook_path(root, body.get("notebook"))
        prepared = prepare_run(path, given_parameters(body), job=job)
    with get_engine("local", size=1, runs=1, kernel_name=prepared.kernel_name) as engine:
        result = engine.run(prepared)
    return run_row(result, root)


def output_file(run_id: str) -> Path:
    """The output notebook of run ``run_id`` (a unique prefix works), or a 404."""
    run = default_store().find(run_id)
    if not run.output or not Path(run.output).is_file():
        raise Problem(404, f"run {run.id} has no output notebook")
    return Path(run.output)
