"""``wb worker``: run the schedules, with no Jupyter server, until stopped.

Example (shell)::

    $ wb worker --pool 4                         # local engine: threads and warm kernels
    $ wb worker --once                           # run what is due now, then exit
    $ WORKBENCH_CELERY_BROKER=redis://127.0.0.1:6379/0 wb worker --engine celery

Example (Python):
    >>> from click.testing import CliRunner
    >>> "--engine" in CliRunner().invoke(worker, ["--help"]).output
    True
"""

from __future__ import annotations

import logging
import sys

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
@click.option("--once", is_flag=True, help="Run the slots due now, wait for them, then exit.")
@click.option(
    "--until",
    metavar="DURATION|TIME",
    help="Claim no slot after this (30s, 5m, 2h or an ISO time); exit once they are done.",
)
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds without a heartbeat before this worker's slots and runs count as lost.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds between two looks at the schedules.",
)
@click.option(
    "--schedules/--no-schedules",
    default=True,
    show_default=True,
    help="Run the schedules; --no-schedules (celery) only executes the tasks published.",
)
def worker(
    engine_name: str,
    pool: int,
    once: bool,
    until: str | None,
    lease: float,
    interval: float,
    schedules: bool,
) -> None:
    """Run the schedules on this machine until stopped (Ctrl-C finishes the runs under way).

    Any number of workers may share the run store: each slot still runs once.
    """
    from workbench.jobs.engines import get_engine
    from workbench.jobs.store import default_store
    from workbench.jobs.worker import Worker, parse_until

    if once and until:
        raise click.UsageError("--once and --until cannot be used together")
    if not schedules and engine_name == "local":
        raise click.UsageError("--no-schedules needs --engine celery: nothing else feeds a worker")
    deadline = parse_until(until) if until else None
    _log_to_stderr()
    store = default_store()
    engine = get_engine(engine_name, store, size=pool, ttl=lease)
    with engine:
        runner = Worker(engine, ttl=lease, interval=interval, schedules=schedules)
        click.echo(
            f"worker {runner.worker}: engine {engine_name}, pool {pool}, "
            f"run store {store.display_url}",
            err=True,
        )
        code = runner.run(until=deadline, once=once)
    sys.exit(code)


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("workbench")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # a Celery worker logs the root logger's records too
