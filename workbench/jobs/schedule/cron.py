"""Cron schedules: when a schedule's slots fall, and which missed ones run.

A :class:`Schedule` names a notebook, the parameters it runs with (connection *names*,
never secret values), a cron expression and the timezone it is read in, how many times a
failed run is retried (with doubling backoff), a timeout, the connection told about a final
failure, and what happens to slots missed while no worker ran (``catch_up``).

A cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6, the
first then being the second (``*/10 * * * * *`` fires every ten seconds); ``@daily`` and
the other croniter aliases work too.

Misfire policies, for slots more than ``grace`` seconds late (missed while no worker ran),
decided by :func:`plan`: ``all`` runs every missed slot, oldest first; ``latest`` runs only
the most recent one; ``none`` runs none of them.

Example:
    >>> import datetime as dt
    >>> every = Schedule("etl", "/jobs/etl.ipynb", "0 6 * * 1-5", tz="Europe/Paris",
    ...                  since=dt.datetime(2024, 3, 29, tzinfo=dt.UTC))
    >>> [s.isoformat() for s in every.slots(every.since, dt.datetime(2024, 4, 2, tzinfo=dt.UTC))]
    ['2024-03-29T05:00:00+00:00', '2024-04-01T04:00:00+00:00']
    >>> from dataclasses import replace
    >>> daily = Schedule("etl", "etl.ipynb", "0 6 * * *", catch_up="latest")
    >>> down = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)   # last slot seen: 1 Jan 06:00
    >>> back = dt.datetime(2024, 1, 4, 7, tzinfo=dt.UTC)    # a worker is back on 4 Jan
    >>> [(s.day, runs) for s, runs in plan(daily, down, back)]
    [(4, True)]
    >>> [(s.day, runs) for s, runs in plan(replace(daily, catch_up="all"), down, back)]
    [(2, True), (3, True), (4, True)]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from workbench.errors import ConfigError
from workbench.jobs.run.record import utc_now

GRACE = 60.0  # seconds a slot may be late and still count as on time
LIMIT = 100  # slots planned at once, at most

CatchUp = Literal["all", "latest", "none"]
CATCH_UP: tuple[CatchUp, ...] = ("all", "latest", "none")
DEFAULT_BACKOFF = 10.0  # seconds before the first retry; doubled for each later one


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


def plan(
    schedule: Schedule,
    anchor: datetime,
    now: datetime,
    *,
    grace: float = GRACE,
    limit: int = LIMIT,
) -> list[tuple[datetime, bool]]:
    """The slots after ``anchor`` due at ``now``, oldest first, each with whether it runs.

    Slots at most ``grace`` seconds old are on time and always run; older ones were
    missed, and the schedule's ``catch_up`` decides (see the module's docstring).
    """
    if schedule.catch_up == "all":
        return [(slot, True) for slot in schedule.slots(anchor, now, limit=limit)]
    cutoff = now - timedelta(seconds=grace)
    on_time = schedule.slots(max(anchor, cutoff), now, limit=limit)
    missed = schedule.latest_slot(cutoff)
    chosen: list[tuple[datetime, bool]] = []
    if missed > anchor:
        chosen.append((missed, schedule.catch_up == "latest"))
    return chosen + [(slot, True) for slot in on_time]
