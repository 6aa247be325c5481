"""The schedule connector: one event per cron slot, the source ``wb schedule`` binds to.

A library connector (no connection to define): ``slots`` emits one event per slot of a
cron expression read in a timezone, following the misfire policy for slots missed while
nothing read it (:func:`workbench.jobs.schedule.cron.plan`). Its marker is the last slot
emitted, so a worker that was down catches up from there; the event id is the slot's time,
so several workers reading the same schedule store each slot once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Literal

from workbench.sdk import ConnectionConfig, Connector, Event, Result, action, trigger
from workbench.sdk.triggers.schedules import GRACE, check_cron, check_timezone, plan, utc_now
from workbench.sdk.triggers.schedules import Schedule as Cron

IDLE = 0.5  # seconds between two looks at the clock while no slot is due, at most


class Schedule(Connector):
    """Cron slots as events: ``wb schedule add`` binds a notebook to them.

    Example:
        >>> from datetime import datetime, UTC
        >>> clock = Schedule()
        >>> clock.clock = lambda: datetime(2024, 5, 6, 12, 0, 1, tzinfo=UTC)
        >>> events = next(clock.slots("* * * * * *", since="2024-05-06T12:00:00+00:00"))
        >>> [e.id for e in events], events[0].type
        (['2024-05-06T12:00:01+00:00'], 'schedule.slot')
    """

    name = "schedule"
    title = "Schedule"
    category = "jobs"
    library = True

    def __init__(
        self, config: ConnectionConfig | None = None, *, connection: str | None = None
    ) -> None:
        super().__init__(config, connection=connection)
        self.clock: Callable[[], datetime] = utc_now
        self.sleep: Callable[[float], None] = time.sleep

    @action
    def next_slots(self, cron: str, tz: str = "UTC", count: int = 5) -> Result:
        """The next slots of a cron expression, to check it before scheduling.

        Args:
            cron: 5 fields (minute hour day month weekday), 6 (second first) or @daily
            tz: the IANA timezone the expression is read in
            count: how many slots
        """
        definition = Cron(
            "next", "", check_cron(cron, where="cron"), check_timezone(tz, where="tz")
        )
        now = self.clock()
        slots = definition.slots(now, now + timedelta(days=3660), limit=count)
        return Result(
            [
                {"slot": s.isoformat(), "local": s.astimezone(definition.zone).isoformat()}
                for s in slots
            ]
        )

    @trigger
    def slots(
        self,
        cron: str,
        tz: str = "UTC",
        catch_up: Literal["all", "latest", "none"] = "latest",
        since: str | None = None,
        grace: float = GRACE,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
    ) -> Iterator[list[Event] | None]:
        """One event per slot of a cron expression, from ``since`` on (now by default).

        Slots more than ``grace`` seconds late were missed; ``catch_up`` decides which of
        them run: ``all``, only the ``latest``, or ``none``.

        Args:
            cron: 5 fields (minute hour day month weekday), 6 (second first) or @daily
            tz: the IANA timezone the expression is read in
            catch_up: which missed slots run: all, latest or none
            since: an ISO 8601 time; slots after it count
            grace: seconds a slot may be late and still be on time
            max_events: stop after this many slots
            timeout: stop after this many seconds without a slot
        """
        start = datetime.fromisoformat(since).astimezone(UTC) if since else self.clock()
        definition = Cron(
            "slots",
            "",
            check_cron(cron, where="cron"),
            check_timezone(tz, where="tz"),
            catch_up=catch_up,
            since=start,
        )
        last = self.trigger_state.get("last")
        anchor = max(start, datetime.fromisoformat(last)) if last else start
        emitted, quiet_since = 0, time.monotonic()
        while max_events is None or emitted < max_events:
            now = self.clock()
            planned = plan(definition, anchor, now, grace=grace)
            if planned:
                anchor = planned[-1][0]
                self.trigger_state["last"] = anchor.isoformat()
                events = [_event(definition, slot, now) for slot, runs in planned if runs]
                if max_events is not None:
                    events = events[: max_events - emitted]
                if events:
                    emitted += len(events)
                    quiet_since = time.monotonic()
                    yield events
                    yield None  # caught up: what was due when it looked is out
                    continue
            if timeout is not None and time.monotonic() - quiet_since >= timeout:
                return
            until_next = (definition.next_slot(anchor) - now).total_seconds()
            self.sleep(max(0.0, min(IDLE, until_next + 0.002)))
            yield None


def _event(definition: Cron, slot: datetime, now: datetime) -> Event:
    return Event(
        source="schedule.slots",
        id=slot.isoformat(),
        type="schedule.slot",
        time=slot,
        subject=definition.cron,
        data={
            "slot": slot.isoformat(),
            "cron": definition.cron,
            "tz": definition.tz,
            "late_seconds": round((now - slot).total_seconds(), 3),
        },
    )
