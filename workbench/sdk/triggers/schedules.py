"""Schedule triggers (see :mod:`workbench.jobs.schedule.cron`): cron expressions and time
zones checked, the slots a schedule is due at, and which missed slots run.

Example:
    >>> import datetime as dt
    >>> from workbench.sdk.triggers.schedules import Schedule, check_cron, plan
    >>> check_cron("*/15 * * * *")
    '*/15 * * * *'
    >>> every = Schedule("tick", "tick", "0 * * * *")
    >>> since = dt.datetime(2024, 1, 1, 9, 30, tzinfo=dt.UTC)
    >>> every.catch_up, [(s.hour, runs) for s, runs in plan(every, since, since.replace(hour=11))]
    ('latest', [(11, True)])
"""

from workbench.jobs.run.record import utc_now
from workbench.jobs.schedule.cron import (
    CATCH_UP,
    DEFAULT_BACKOFF,
    GRACE,
    LIMIT,
    CatchUp,
    Schedule,
    check_cron,
    check_timezone,
    plan,
)

__all__ = [
    "CATCH_UP",
    "DEFAULT_BACKOFF",
    "GRACE",
    "LIMIT",
    "CatchUp",
    "Schedule",
    "check_cron",
    "check_timezone",
    "plan",
    "utc_now",
]
