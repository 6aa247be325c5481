"""``wb worker``: read the event sources, run the bound notebooks, with no Jupyter server.

Example (shell)::

    $ wb worker --pool 4                         # local engine: threads and warm kernels
    $ wb worker --once                           # handle what is due now, then exit
    $ wb worker --handlers alerts.py             # also the @wb.on handlers of a script
    $ WORKBENCH_CELERY_BROKER=redis://127.0.0.1:6379/0 wb worker --engine celery

Example (Python):
    >>> from click.testing import CliRunner
    >>> "--engine" in CliRunner().invoke(worker, ["--help"]).output
    True
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option(
    "--engine",
    "engine_name",
    default="local",
    show_default=True,
    help="local (threads and warm kernels here) or celery (tasks through a broker).",
)
@click.option(
    "--pool",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Runs executed at once by this worker.",
)
@click.option(
    "--once", is_flag=True, help="Read each source until it has nothing new, handle it, exit."
)
@click.option(
    "--until",
    metavar="DURATION|TIME",
    help="Read and claim nothing after this (30s, 5m, 2h or an ISO time); exit once done.",
)
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds without a heartbeat before this worker's deliveries and runs count as lost.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=0.5,
    show_default=True,
    help="Seconds between two looks at the inbox when nothing wakes the worker sooner.",
)
@click.option(
    "--events/--no-events",
    default=True,
    show_default=True,
    help="Read the sources (schedules, triggers) and dispatch; --no-events (celery) only "
    "executes the runs published.",
)
@click.option(
    "--handlers",
    "handler_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A Python file whose @wb.on handlers this worker runs too (repeatable).",
)
def worker(
    engine_name: str,
    pool: int,
    once: bool,
    until: str | None,
    lease: float,
    interval: float,
    events: bool,
    handler_files: tuple[Path, ...],
) -> None:
    """Read the event sources and run what they trigger, until stopped (Ctrl-C finishes
    the runs under way).

    Any number of workers may share the run store: each event is still handled once.
    """
    from workbench.jobs.run.engines import get_engine
    from workbench.jobs.run.store import default_store
    from workbench.jobs.schedule.worker import Worker, parse_until
    from workbench.serving import settle_heap

    if once and until:
        raise click.UsageError("--once and --until cannot be used together")
    if not events and engine_name == "local":
        raise click.UsageError("--no-events needs --engine celery: nothing else feeds a worker")
    deadline = parse_until(until) if until else None
    handlers = _load_handlers(handler_files)
    _log_to_stderr()
    store = default_store()
    if handlers:
        from workbench.triggers.handlers import record

        record(store)
    engine = get_engine(engine_name, store, size=pool, ttl=lease)
    with engine:
        runner = Worker(engine, handlers=handlers, ttl=lease, interval=interval, sources=events)
        settle_heap()
        click.echo(
            f"worker {runner.worker}: engine {engine_name}, pool {pool}, "
            f"run store {store.display_url}",
            err=True,
        )
        code = runner.run(until=deadline, once=once)
    sys.exit(code)


def _load_handlers(files: tuple[Path, ...]) -> dict[str, Any]:
    """Run each file as a script (its ``__main__`` guard skipped): its @wb.on register."""
    import runpy

    from workbench.triggers.handlers import handlers

    for path in files:
        try:
            runpy.run_path(str(path), run_name=path.stem)
        except Exception as exc:
            raise click.ClickException(f"--handlers {path}: {type(exc).__name__}: {exc}") from None
    return handlers()


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("workbench")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # a Celery worker logs the root logger's records too
