"""Schedules as ``wb schedule`` shows them: bindings of a notebook to a cron source.

A schedule is one more event source: the ``schedule`` connector's ``slots`` trigger emits
one event per slot (see :mod:`connectors.schedule`), and a schedule is a
:class:`~workbench.triggers.bindings.Binding` of its notebook to that source, with the
schedule's retries, backoff, timeout and failure target. So schedules and triggers share
one inbox and one dispatch path: each slot is stored once however many workers run, and
handed to the notebook once. :class:`ScheduleStore` adds, lists, pauses, resumes and
removes them; :func:`new_schedule` checks everything first.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.jobs.run.store import RunStore
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db")
    >>> schedules = ScheduleStore(store)
    >>> schedules.add(Schedule("nightly", "/jobs/etl.ipynb", "@daily"))
    >>> schedules.pause("nightly").paused, [s.name for s in schedules.list()]
    (True, ['nightly'])
    >>> schedules.get("nighty")
    Traceback (most recent call last):
    ...
    workbench.errors.JobError: no schedule named 'nighty'; did you mean 'nightly'?
    >>> store.close()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from workbench.errors import ConfigError, JobError
from workbench.jobs.run.prepare import check_timeout, prepare_run
from workbench.jobs.run.record import as_utc
from workbench.jobs.run.store import RunStore
from workbench.jobs.schedule.cron import (
    CATCH_UP,
    DEFAULT_BACKOFF,
    Schedule,
    check_cron,
    check_timezone,
)
from workbench.triggers.bindings import NAME, Binding, BindingStore
from workbench.triggers.dispatch import DeliveryState
from workbench.triggers.tables import DELIVERIES, EVENTS

CONNECTION = "schedule"  # the schedule connector: a library, no connection to define
TRIGGER = "slots"


def new_schedule(
    notebook: str | Path,
    *,
    cron: str,
    tz: str = "UTC",
    parameters: Mapping[str, Any] | None = None,
    name: str | None = None,
    retries: int = 0,
    backoff: float = DEFAULT_BACKOFF,
    timeout: float | None = None,
    on_failure: str | None = None,
    catch_up: str = "latest",
) -> Schedule:
    """A schedule for ``notebook``, every value checked: the notebook exists, its
    parameters match its ``parameters`` cell (and hold no secret value), the cron
    expression and timezone are valid, the ``on_failure`` connection can send a message.

    Parameter values given as :class:`~workbench.jobs.run.parameters.CommandLineText` are
    converted to the declared types.
    """
    prepared = prepare_run(notebook, parameters)
    label = name if name is not None else prepared.path.stem
    if not NAME.match(label):
        raise ConfigError(
            f"--name {label!r}: a schedule name is letters, digits, '.', ':', '_' and '-' "
            "(up to 200), starting with a letter or digit"
        )
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise ConfigError(f"--retries: expected a whole number >= 0, got {retries!r}")
    check_timeout(backoff, where="--backoff", error=ConfigError)
    check_timeout(timeout, where="--timeout", error=ConfigError)
    if catch_up not in CATCH_UP:
        raise ConfigError(f"--catch-up: expected one of {', '.join(CATCH_UP)}, got {catch_up!r}")
    if on_failure is not None:
        from workbench.triggers.notify import check_target

        check_target(on_failure)
    return Schedule(
        name=label,
        notebook=str(prepared.path),
        cron=check_cron(cron),
        tz=check_timezone(tz),
        parameters=prepared.parameters,
        retries=retries,
        backoff=float(backoff),
        timeout=None if timeout is None else float(timeout),
        on_failure=on_failure,
        catch_up=catch_up,
    )


def as_binding(schedule: Schedule) -> Binding:
    """The binding that runs ``schedule``: its notebook bound to its slots.

    Example:
        >>> import datetime as dt
        >>> since = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        >>> as_binding(Schedule("etl", "/jobs/etl.ipynb", "@daily", since=since)).source
        'schedule.slots(catch_up=latest,cron=@daily,since=2024-01-01T00:00:00+00:00,tz=UTC)'
    """
    args = {
        "cron": schedule.cron,
        "tz": schedule.tz,
        "catch_up": schedule.catch_up,
        "since": schedule.since.astimezone(UTC).isoformat(),
    }
    return Binding(
        name=schedule.name,
        connection=CONNECTION,
        trigger=TRIGGER,
        notebook=schedule.notebook,
        args=args,
        parameters=dict(schedule.parameters),
        retries=schedule.retries,
        backoff=schedule.backoff,
        timeout=schedule.timeout,
        on_failure=schedule.on_failure,
        paused=schedule.paused,
        created_at=schedule.since,
    )


def as_schedule(binding: Binding) -> Schedule:
    """The schedule a binding on the slots source is."""
    args = binding.args
    return Schedule(
        name=binding.name,
        notebook=binding.notebook or "",
        cron=str(args["cron"]),
        tz=str(args.get("tz", "UTC")),
        parameters=dict(binding.parameters),
        retries=binding.retries,
        backoff=binding.backoff,
        timeout=binding.timeout,
        on_failure=binding.on_failure,
        catch_up=args.get("catch_up", "latest"),
        paused=binding.paused,
        since=datetime.fromisoformat(str(args["since"])).astimezone(UTC),
    )


class ScheduleStore:
    """The schedules kept in a run store's database (as bindings)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.bindings = BindingStore(store)

    def add(self, schedule: Schedule) -> None:
        """Record ``schedule``; a schedule (or binding) of the same name is refused."""
        try:
            self.bindings.add(as_binding(schedule))
        except ConfigError:
            raise ConfigError(
                f"a schedule named {schedule.name!r} already exists; remove it first "
                "(wb schedule remove) or choose another --name"
            ) from None

    def get(self, name: str) -> Schedule:
        """The schedule called ``name``."""
        found = self.bindings.find(name)
        if found is None or found.connection != CONNECTION:
            self._missing(name)
        assert found is not None
        return as_schedule(found)

    def _missing(self, name: str) -> None:
        import difflib

        close = difflib.get_close_matches(name, [s.name for s in self.list()], n=3)
        hint = "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""
        raise JobError(f"no schedule named {name!r}{hint}")

    def list(self, *, active: bool = False) -> list[Schedule]:
        """Every schedule by name (``active``: only those not paused)."""
        found = self.bindings.list(active=active, connection=CONNECTION)
        return [as_schedule(b) for b in found]

    def remove(self, name: str) -> Schedule:
        """Delete schedule ``name`` and its slots not yet handled (its runs stay); return it."""
        schedule = self.get(name)
        self.bindings.remove(name)
        return schedule

    def pause(self, name: str) -> Schedule:
        """Stop ``name`` firing until :meth:`resume`; runs under way finish."""
        self.get(name)
        self.bindings.pause(name)
        return self.get(name)

    def resume(self, name: str) -> Schedule:
        """Let ``name`` fire again from now on; slots passed while paused never run."""
        self.get(name)
        self.bindings.resume(name)
        return self.get(name)


@dataclass(frozen=True)
class Slot:
    """One slot of a schedule as it went: its time, the delivery's state, attempt and run."""

    schedule: str
    slot: datetime
    state: DeliveryState
    attempt: int
    run_id: str | None
    due_at: datetime
    worker: str | None

    def to_dict(self) -> dict[str, Any]:
        """The slot as JSON-ready values."""
        return {
            "schedule": self.schedule,
            "slot": self.slot.isoformat(),
            "state": self.state.value,
            "attempt": self.attempt,
            "run_id": self.run_id,
            "worker": self.worker,
        }


def slots(store: RunStore, schedule: str, *, limit: int = 100) -> list[Slot]:
    """The latest slots of ``schedule`` (its deliveries), newest first."""
    query = (
        sa.select(DELIVERIES, EVENTS.c.time.label("slot"))
        .join(EVENTS, EVENTS.c.id == DELIVERIES.c.event)
        .where(DELIVERIES.c.binding == schedule)
        .order_by(EVENTS.c.time.desc())
        .limit(limit)
    )
    store.create_tables()
    with store.engine.connect() as connection:
        rows = [row._mapping for row in connection.execute(query)]
    return [
        Slot(
            schedule=schedule,
            slot=as_utc(row["slot"]),
            state=DeliveryState(row["state"]),
            attempt=row["attempt"],
            run_id=row["run_id"],
            due_at=as_utc(row["due_at"]),
            worker=row["worker"],
        )
        for row in rows
    ]
