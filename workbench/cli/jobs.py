"""``wb run`` and ``wb runs``: run a notebook as a job, and list the recorded runs.

Example (shell)::

    $ wb run etl.ipynb -p day 2024-01-01 -p limit 500 --timeout 600
    $ wb runs --job etl --limit 5

Example (Python):
    >>> from click.testing import CliRunner
    >>> "KEY VALUE" in CliRunner().invoke(run, ["--help"]).output
    True
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from workbench.cli.output import emit, json_option
from workbench.errors import ParameterError

F = TypeVar("F", bound=Callable[..., Any])

RUN_TABLE = ["id", "job", "status", "exit", "started", "duration", "parameters", "cell", "error"]

parameter_option = click.option(
    "-p",
    "--parameter",
    "pairs",
    nargs=2,
    multiple=True,
    metavar="KEY VALUE",
    help="A parameter; the text is converted to the type of its default in the notebook.",
)


def retries_option(default: int) -> Callable[[F], F]:
    """``--retries N``: attempts after the first (``default`` of them unless given)."""
    return click.option(
        "--retries",
        type=click.IntRange(min=0),
        default=default,
        show_default=True,
        help="Attempts after the first when a run fails, times out or its kernel dies.",
    )


backoff_option = click.option(
    "--backoff",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds before the first retry; doubled for each later one.",
)
run_timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Kill a run after this many seconds.",
)
on_failure_option = click.option(
    "--on-failure",
    metavar="CONNECTION[:DESTINATION]",
    help="Where to send a message when the last attempt fails.",
)


@click.command()
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@parameter_option
@click.option(
    "-f",
    "--parameters-file",
    "parameters_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A YAML mapping of parameters; -p values override it.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Kill the run after this many seconds.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the executed notebook (default: the data folder's runs/).",
)
@click.option("--job", help="The job name to record (default: the notebook's file name).")
@json_option
def run(
    notebook: Path,
    pairs: tuple[tuple[str, str], ...],
    parameters_file: Path | None,
    timeout: float | None,
    output: Path | None,
    job: str | None,
    as_json: bool,
) -> None:
    """Run NOTEBOOK as a job: check its parameters, execute it, record the run.

    The exit code says how it ended: 0 succeeded, 11 bad parameters, 12 a cell failed,
    13 timed out, 14 the kernel died, 10 the notebook could not run.
    """
    from workbench.jobs.run.prepare import CommandLineText, prepare_run

    values = _file_parameters(parameters_file) if parameters_file else {}
    values.update({key: CommandLineText(text) for key, text in pairs})
    prepared = prepare_run(notebook, values, job=job, timeout=timeout, where="--timeout")

    from workbench.jobs.run.engines import get_engine

    with get_engine("local", size=1, runs=1, kernel_name=prepared.kernel_name) as engine:
        result = engine.run(prepared, output=output)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif result.error() is None:
        click.echo(f"{result.describe()}\noutput: {result.output}")
    else:
        click.echo(f"output: {result.output}")
    result.raise_for_status()


def _file_parameters(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ParameterError(f"{path}: not valid YAML{line}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return data


@click.group(invoke_without_command=True)
@click.option("--job", help="Only the runs of this job.")
@click.option(
    "--status",
    type=click.Choice(["queued", "running", "succeeded", "failed", "timed_out", "killed"]),
    help="Only the runs with this status.",
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@json_option
@click.pass_context
def runs(
    ctx: click.Context, job: str | None, status: str | None, limit: int, as_json: bool
) -> None:
    """List the latest runs, newest first (`wb runs show ID` looks into one)."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.jobs.run.store import default_store

    found = default_store().runs(job=job, status=status, limit=limit)
    if as_json:
        emit([r.to_dict() for r in found], RUN_TABLE, as_json=True, empty="")
        return
    rows = [
        {
            "id": r.id,
            "job": r.job,
            "status": r.status.value,
            "exit": "" if r.exit_code is None else r.exit_code,
            "started": r.started_at.strftime("%Y-%m-%d %H:%M:%S") if r.started_at else "",
            "duration": f"{r.duration:.2f} s" if r.duration is not None else "",
            "parameters": json.dumps(r.parameters, ensure_ascii=False) if r.parameters else "",
            "cell": "" if r.failed_cell is None else r.failed_cell,
            "error": ": ".join(p for p in (r.error_class, r.error_message) if p),
        }
        for r in found
    ]
    emit(rows, RUN_TABLE, as_json=False, empty="no runs")


@runs.command("show")
@click.argument("run_id")
@json_option
def runs_show(run_id: str, as_json: bool) -> None:
    """Print run RUN_ID (a unique prefix works): its record, its error with the failing
    cell's source and output, and where its output notebook is."""
    from workbench.jobs.run.details import report, run_details
    from workbench.jobs.run.store import default_store

    details = run_details(default_store().find(run_id))
    if as_json:
        click.echo(json.dumps(details, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(report(details)))
