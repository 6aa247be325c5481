"""Schedules: a notebook job run on a cron expression, in a timezone, with its policies.

A :class:`Schedule` names a notebook, the parameters it runs with (connection *names*,
never secret values), a cron expression and the timezone it is read in, how many times a
failed run is retried (with doubling backoff), a timeout, the connection told about a final
failure, and what happens to slots missed while no worker ran (``catch_up``). Schedules
live in the run store's database, table ``wb_schedules``; :class:`ScheduleStore` adds,
lists, pauses, resumes and removes them. :func:`new_schedule` checks everything first.

A cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6, the
first then being the second (``*/10 * * * * *`` fires every ten seconds); ``@daily`` and
the other croniter aliases work too.

Example:
    >>> import datetime as dt
    >>> every = Schedule("etl", "/jobs/etl.ipynb", "0 6 * * 1-5", tz="Europe/Paris",
    ...                  since=dt.datetime(2024, 3, 29, tzinfo=dt.UTC))
    >>> [s.isoformat() for s in every.slots(every.since, dt.datetime(2024, 4, 2, tzinfo=dt.UTC))]
    ['2024-03-29T05:00:00+00:00', '2024-04-01T04:00:00+00:00']
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from croniter import croniter

from workbench.errors import ConfigError, JobError
from workbench.jobs.run import utc_now
from workbench.jobs.store import RunStore
from workbench.jobs.tables import SCHEDULES, SLOTS, as_utc
from workbench.redaction import redact_value

CatchUp = Literal["all", "latest", "none"]
CATCH_UP: tuple[CatchUp, ...] = ("all", "latest", "none")
DEFAULT_BACKOFF = 10.0  # seconds before the first retry; doubled for each later one
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")


@dataclass(frozen=True)
class Schedule:
    """One schedule. ``since`` is when it was added (or last resumed): slots come after it."""

    name: str
    notebook: str
    cron: str
    tz: str = "UTC"
    parameters: dict[str, Any] = field(default_factory=dict)
    retries: int = 0
    backoff: float = DEFAULT_BACKOFF
    timeout: float | None = None
    on_failure: str | None = None
    catch_up: CatchUp = "latest"
    paused: bool = False
    since: datetime = field(default_factory=utc_now)

    @property
    def zone(self) -> ZoneInfo:
        """The timezone the cron expression is read in."""
        return ZoneInfo(self.tz)

    def slots(self, after: datetime, until: datetime, *, limit: int = 1000) -> list[datetime]:
        """The slots in ``(after, until]``, oldest first, at most ``limit``; UTC times."""
        found: list[datetime] = []
        it = _croniter(self.cron, after.astimezone(self.zone))
        while len(found) < limit:
            slot = it.get_next(datetime).astimezone(UTC)
            if slot > until:
                break
            found.append(slot)
        return found

    def latest_slot(self, until: datetime) -> datetime:
        """The last slot at or before ``until`` (UTC).

        Example:
            >>> Schedule("s", "s.ipynb", "*/15 * * * *").latest_slot(
            ...     datetime(2024, 1, 1, 10, 40, tzinfo=UTC)).isoformat()
            '2024-01-01T10:30:00+00:00'
        """
        start = (until + timedelta(microseconds=1)).astimezone(self.zone)
        return _croniter(self.cron, start).get_prev(datetime).astimezone(UTC)

    def next_slot(self, after: datetime) -> datetime:
        """The first slot after ``after`` (UTC)."""
        return _croniter(self.cron, after.astimezone(self.zone)).get_next(datetime).astimezone(UTC)

    def backoff_before(self, attempt: int) -> float:
        """Seconds to wait before ``attempt`` (2 is the first retry): backoff, doubling.

        Example:
            >>> [Schedule("s", "s.ipynb", "@daily", backoff=5).backoff_before(n) for n in (2, 3, 4)]
            [5.0, 10.0, 20.0]
        """
        return float(self.backoff * 2 ** max(0, attempt - 2))

    def to_dict(self) -> dict[str, Any]:
        """The schedule as JSON-ready values."""
        data = dataclasses.asdict(self)
        data["since"] = self.since.isoformat()
        return data


def _croniter(expression: str, start: datetime) -> croniter:
    return croniter(expression, start, second_at_beginning=True)


def check_cron(expression: str, *, where: str = "--cron") -> str:
    """``expression`` stripped, or a :class:`ConfigError` saying what is wrong with it.

    Example:
        >>> check_cron("*/5 * * *")
        Traceback (most recent call last):
        ...
        workbench.errors.ConfigError: --cron '*/5 * * *': expected 5 fields (minute hour \
day month weekday) or 6 (second first), got 4
    """
    text = " ".join(str(expression).split())
    fields = text.split(" ")
    if not text.startswith("@") and len(fields) not in (5, 6):
        raise ConfigError(
            f"{where} {text!r}: expected 5 fields (minute hour day month weekday) "
            f"or 6 (second first), got {len(fields) if text else 0}"
        )
    try:
        _croniter(text, datetime.now(UTC)).get_next(datetime)
    except (ValueError, KeyError, TypeError) as exc:  # croniter's errors are ValueErrors
        raise ConfigError(f"{where} {text!r}: not a valid cron expression ({exc})") from None
    return text


def check_timezone(name: str, *, where: str = "--tz") -> str:
    """``name`` if it is an IANA timezone (``Europe/Paris``, ``UTC``), else a ConfigError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where} {name!r}: not a known timezone; use an IANA name such as "
            "'UTC', 'Europe/Paris' or 'America/New_York'"
        ) from None
    return name


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

    Parameter values given as :class:`~workbench.jobs.parameters.CommandLineText` are
    converted to the declared types.
    """
    path, values = checked_parameters(notebook, parameters)
    label = name if name is not None else path.stem
    if not _NAME.match(label):
        raise ConfigError(
            f"--name {label!r}: a schedule name is letters, digits, '.', '_' and '-' "
            "(up to 200), starting with a letter or digit"
        )
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise ConfigError(f"--retries: expected a whole number >= 0, got {retries!r}")
    for option, number in (("--backoff", backoff), ("--timeout", timeout)):
        if number is not None and (
            isinstance(number, bool) or not isinstance(number, int | float) or not number > 0
        ):
            raise ConfigError(f"{option}: expected a number of seconds above 0, got {number!r}")
    if catch_up not in CATCH_UP:
        raise ConfigError(f"--catch-up: expected one of {', '.join(CATCH_UP)}, got {catch_up!r}")
    if on_failure is not None:
        from workbench.jobs.notify import check_target

        check_target(on_failure)
    return Schedule(
        name=label,
        notebook=str(path),
        cron=check_cron(cron),
        tz=check_timezone(tz),
        parameters=values,
        retries=retries,
        backoff=float(backoff),
        timeout=None if timeout is None else float(timeout),
        on_failure=on_failure,
        catch_up=catch_up,
    )


def checked_parameters(
    notebook: str | Path, parameters: Mapping[str, Any] | None
) -> tuple[Path, dict[str, Any]]:
    """The notebook's absolute path and ``parameters`` checked against its parameters cell.

    The secrets a run could reveal are registered first, so a secret value is refused.
    """
    import nbformat

    from workbench.jobs.parameters import check_parameters, declared_parameters
    from workbench.jobs.secrets import register_run_secrets

    path, label = Path(notebook).expanduser().resolve(), str(notebook)
    if not path.is_file():
        raise JobError(f"{label}: no such notebook")
    try:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise JobError(f"{label}: not a readable notebook: {type(exc).__name__}") from None
    register_run_secrets(path.parent)
    declared = declared_parameters(nb, notebook=label)
    return path, check_parameters(dict(parameters or {}), declared, notebook=label)


class ScheduleStore:
    """The schedules kept in a run store's database.

    Example:
        >>> import tempfile, pathlib
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

    def __init__(self, store: RunStore) -> None:
        self.store = store
        store.create_tables()

    def add(self, schedule: Schedule) -> None:
        """Record ``schedule``; a schedule of the same name is refused."""
        try:
            with self.store.engine.begin() as connection:
                connection.execute(sa.insert(SCHEDULES).values(_row(schedule)))
        except sa.exc.IntegrityError:
            raise ConfigError(
                f"a schedule named {schedule.name!r} already exists; remove it first "
                "(wb schedule remove) or choose another --name"
            ) from None

    def get(self, name: str) -> Schedule:
        """The schedule called ``name``."""
        with self.store.engine.connect() as connection:
            row = connection.execute(sa.select(SCHEDULES).where(SCHEDULES.c.name == name)).first()
        if row is None:
            close = difflib.get_close_matches(name, [s.name for s in self.list()], n=3)
            hint = "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""
            raise JobError(f"no schedule named {name!r}{hint}")
        return _schedule(row._mapping)

    def list(self, *, active: bool = False) -> list[Schedule]:
        """Every schedule by name (``active``: only those not paused)."""
        query = sa.select(SCHEDULES).order_by(SCHEDULES.c.name)
        if active:
            query = query.where(SCHEDULES.c.paused.is_(False))
        with self.store.engine.connect() as connection:
            return [_schedule(row._mapping) for row in connection.execute(query)]

    def remove(self, name: str) -> Schedule:
        """Delete schedule ``name`` and its slot history (its runs stay); return it."""
        schedule = self.get(name)
        with self.store.engine.begin() as connection:
            connection.execute(sa.delete(SLOTS).where(SLOTS.c.schedule == name))
            connection.execute(sa.delete(SCHEDULES).where(SCHEDULES.c.name == name))
        return schedule

    def pause(self, name: str) -> Schedule:
        """Stop ``name`` firing until :meth:`resume`; runs under way finish."""
        self.get(name)
        self._update(name, paused=True)
        return self.get(name)

    def resume(self, name: str) -> Schedule:
        """Let ``name`` fire again from now on; slots passed while paused never run."""
        self.get(name)
        self._update(name, paused=False, since=utc_now())
        return self.get(name)

    def _update(self, name: str, **values: Any) -> None:
        with self.store.engine.begin() as connection:
            connection.execute(sa.update(SCHEDULES).where(SCHEDULES.c.name == name).values(values))


def _row(schedule: Schedule) -> dict[str, Any]:
    row = dataclasses.asdict(schedule)
    row["parameters"] = redact_value(schedule.parameters)
    row["since"] = schedule.since.astimezone(UTC)
    return row


def _schedule(row: Mapping[Any, Any]) -> Schedule:
    values = dict(row)
    values["since"] = as_utc(values["since"])
    return Schedule(**values)
