"""Schedules for the Jobs view: listed, added from a notebook, paused and resumed.

The same store ``wb schedule`` uses (:class:`~workbench.jobs.schedule.schedules.ScheduleStore`
over the default run store), so a schedule added here is in ``wb schedule list`` and
``wb worker`` runs it.

Example:
    >>> isinstance(schedule_rows(), list)
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.errors import JobError
from workbench.jobs.run.record import utc_now
from workbench.jobs.run.store import default_store
from workbench.jobs.schedule.cron import Schedule
from workbench.jobs.schedule.schedules import ScheduleStore, new_schedule, slots
from workbench.lab.notebooks import given_parameters, notebook_path
from workbench.lab.problems import Problem


def _schedules() -> ScheduleStore:
    return ScheduleStore(default_store())


def schedule_row(item: Schedule) -> dict[str, Any]:
    """A schedule as the Jobs view shows it: its fields, state, next slot and last slot."""
    row: dict[str, Any] = item.to_dict()
    row["state"] = "paused" if item.paused else "active"
    row["next"] = None if item.paused else item.next_slot(max(utc_now(), item.since)).isoformat()
    latest = slots(default_store(), item.name, limit=1)
    last = latest[0] if latest else None
    row["last"] = {"slot": last.slot.isoformat(), "state": last.state.value} if last else None
    return row


def schedule_rows() -> list[dict[str, Any]]:
    """Every schedule, by name, as :func:`schedule_row` describes it."""
    return [schedule_row(item) for item in _schedules().list()]


def add_schedule(root: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Add the schedule ``body`` describes: ``notebook`` (relative to ``root``), ``cron``,
    and optionally ``tz``, ``name`` and ``parameters``; every value is checked first."""
    cron = body.get("cron")
    if not isinstance(cron, str) or not cron.strip():
        raise Problem(400, "cron: expected a cron expression, such as '0 7 * * *'")
    tz = body.get("tz") or "UTC"
    name = body.get("name") or None
    if not isinstance(tz, str) or not (name is None or isinstance(name, str)):
        raise Problem(400, "tz and name: expected texts")
    added = new_schedule(
        notebook_path(root, body.get("notebook")),
        cron=cron.strip(),
        tz=tz,
        parameters=given_parameters(body),
        name=name,
    )
    _schedules().add(added)
    return schedule_row(added)


def pause_schedule(name: str) -> dict[str, Any]:
    """Stop schedule ``name`` firing; return it."""
    get_schedule(name)
    return schedule_row(_schedules().pause(name))


def resume_schedule(name: str) -> dict[str, Any]:
    """Let schedule ``name`` fire again from now on; return it."""
    get_schedule(name)
    return schedule_row(_schedules().resume(name))


def get_schedule(name: str) -> Schedule:
    """The schedule called ``name``, or a 404 suggesting close names.

    Example:
        >>> get_schedule("no-such-schedule")
        Traceback (most recent call last):
        ...
        workbench.lab.problems.Problem: no schedule named 'no-such-schedule'
    """
    try:
        return _schedules().get(name)
    except JobError as exc:
        raise Problem(404, str(exc)) from None
