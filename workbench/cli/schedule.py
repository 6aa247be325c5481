"""``wb schedule``: run a notebook on a cron expression (add, list, remove, pause, resume).

Schedules are kept in the run store; ``wb worker`` runs them.

Example (shell)::

    $ wb schedule add etl.ipynb --cron "0 6 * * 1-5" --tz Europe/Paris -p connection shop \\
          --retries 2 --timeout 600 --on-failure ops-slack:#data-alerts
    $ wb schedule list
    $ wb schedule pause etl

Example (Python):
    >>> from click.testing import CliRunner
    >>> "--catch-up" in CliRunner().invoke(schedule, ["add", "--help"]).output
    True
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from workbench.cli.jobs import (
    backoff_option,
    on_failure_option,
    parameter_option,
    retries_option,
    run_timeout_option,
)
from workbench.cli.output import emit, json_option

SCHEDULE_TABLE = ["name", "cron", "tz", "state", "next", "last", "catch_up", "retries", "notebook"]


@click.group()
def schedule() -> None:
    """Schedules: run a notebook on a cron expression (add, list, remove, pause, resume)."""


@schedule.command("add")
@click.argument("notebook", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--cron",
    required=True,
    help="5 fields (minute hour day month weekday), or 6 with the second first.",
)
@click.option("--tz", default="UTC", show_default=True, help="The timezone the cron is read in.")
@parameter_option
@retries_option(0)
@backoff_option
@run_timeout_option
@on_failure_option
@click.option("--name", help="The schedule's name, also its runs' job (default: the file name).")
@click.option(
    "--catch-up",
    type=click.Choice(["all", "latest", "none"]),
    default="latest",
    show_default=True,
    help="Slots missed while no worker ran: run them all, only the latest, or none.",
)
@json_option
def schedule_add(
    notebook: Path,
    cron: str,
    tz: str,
    pairs: tuple[tuple[str, str], ...],
    retries: int,
    backoff: float,
    timeout: float | None,
    on_failure: str | None,
    name: str | None,
    catch_up: str,
    as_json: bool,
) -> None:
    """Run NOTEBOOK on the cron expression --cron; its parameters are checked now."""
    from workbench.jobs.run.parameters import CommandLineText
    from workbench.jobs.schedule.schedules import new_schedule

    added = new_schedule(
        notebook,
        cron=cron,
        tz=tz,
        parameters={key: CommandLineText(text) for key, text in pairs},
        name=name,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        on_failure=on_failure,
        catch_up=catch_up,
    )
    _schedules().add(added)
    if as_json:
        click.echo(json.dumps(_describe(added), indent=2))
        return
    upcoming = _local(added.next_slot(added.since), added.tz)
    click.echo(
        f"added schedule {added.name!r}: {added.notebook} at {added.cron!r} ({added.tz}); "
        f"next run {upcoming}"
    )


@schedule.command("list")
@json_option
def schedule_list(as_json: bool) -> None:
    """List the schedules, with their next slot and how the last one went."""
    rows = [_describe(s) for s in _schedules().list()]
    emit(rows, SCHEDULE_TABLE, as_json=as_json, empty="no schedules")


@schedule.command("remove")
@click.argument("name")
def schedule_remove(name: str) -> None:
    """Remove schedule NAME (its runs stay in the run store)."""
    removed = _schedules().remove(name)
    click.echo(f"removed schedule {removed.name!r}")


@schedule.command("pause")
@click.argument("name")
def schedule_pause(name: str) -> None:
    """Stop schedule NAME firing; runs under way finish."""
    _schedules().pause(name)
    click.echo(f"paused schedule {name!r}")


@schedule.command("resume")
@click.argument("name")
def schedule_resume(name: str) -> None:
    """Let schedule NAME fire again from now on (slots passed while paused are skipped)."""
    resumed = _schedules().resume(name)
    upcoming = _local(resumed.next_slot(resumed.since), resumed.tz)
    click.echo(f"resumed schedule {name!r}; next run {upcoming}")


def _schedules() -> Any:
    from workbench.jobs.run.store import default_store
    from workbench.jobs.schedule.schedules import ScheduleStore

    return ScheduleStore(default_store())


def _describe(item: Any) -> dict[str, Any]:
    from workbench.jobs.run.record import utc_now
    from workbench.jobs.run.store import default_store
    from workbench.jobs.schedule.schedules import slots

    row: dict[str, Any] = item.to_dict()
    row["state"] = "paused" if item.paused else "active"
    row["next"] = "" if item.paused else _local(item.next_slot(max(utc_now(), item.since)), item.tz)
    latest = slots(default_store(), item.name, limit=1)
    row["last"] = f"{_local(latest[0].slot, item.tz)} {latest[0].state.value}" if latest else ""
    return row


def _local(moment: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")
