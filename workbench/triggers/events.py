"""The inbox as people look at it: recent events, one event in full, dead letters, replays.

``wb events``, ``wb.events()`` and ``wb.event(ID)`` read from here, so a notebook can be
written against a real captured payload before it is bound; ``wb events replay`` hands an
event to its bindings again.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.jobs.run.store import RunStore
    >>> from workbench.sdk import Event
    >>> from workbench.triggers.inbox import Inbox
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db")
    >>> _ = Inbox(store).put([Event(source="hooks.received", id="evt-1", data={"n": 1})])
    >>> [row["event_id"] for row in recent(store)]
    ['evt-1']
    >>> store.close()
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.errors import JobError
from workbench.jobs.run.record import new_run_id, utc_now
from workbench.jobs.run.store import RunStore
from workbench.sdk.trigger import default_match
from workbench.triggers.bindings import BindingStore
from workbench.triggers.dispatch import Delivery, DeliveryState, deliveries
from workbench.triggers.inbox import Inbox, StoredEvent
from workbench.triggers.tables import DELIVERIES, EVENTS

if TYPE_CHECKING:
    import pandas as pd

EVENT_COLUMNS = ["inbox_id", "received", "source", "event_id", "type", "subject", "state"]


def recent(
    store: RunStore,
    *,
    source: str | None = None,
    dead: bool = False,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The latest events, newest first (of one ``source``; only ``dead`` letters), each
    with a summary of its deliveries' states."""
    inbox = Inbox(store)
    query = sa.select(EVENTS.c.id).order_by(EVENTS.c.id.desc()).limit(limit)
    if source is not None:
        query = query.where(EVENTS.c.source == source)
    if dead:
        holding = sa.select(DELIVERIES.c.event).where(
            DELIVERIES.c.state == DeliveryState.DEAD.value
        )
        query = query.where(EVENTS.c.id.in_(holding.scalar_subquery()))
    with store.engine.connect() as connection:
        ids = list(connection.execute(query).scalars())
    events = {s.id: s for s in inbox.events(ids=ids)} if ids else {}
    states = _states(store, ids)
    return [_row(events[i], states.get(i, [])) for i in ids if i in events]


def _states(store: RunStore, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if not ids:
        return found
    query = sa.select(DELIVERIES.c.event, DELIVERIES.c.binding, DELIVERIES.c.state).where(
        DELIVERIES.c.event.in_(list(ids))
    )
    with store.engine.connect() as connection:
        for event, binding, state in connection.execute(query):
            found.setdefault(event, []).append(f"{binding}: {state}")
    return found


def _row(stored: StoredEvent, states: list[str]) -> dict[str, Any]:
    event = stored.event
    return {
        "inbox_id": stored.id,
        "received": stored.received_at.isoformat(timespec="milliseconds"),
        "source": event.source,
        "event_id": event.id,
        "type": event.type,
        "subject": event.subject or "",
        "state": ", ".join(sorted(states)) or "no binding",
    }


def show(store: RunStore, inbox_id: str) -> dict[str, Any]:
    """One event in full (the envelope as stored) with its deliveries."""
    stored = Inbox(store).get(inbox_id)
    return {
        **stored.to_dict(),
        "deliveries": [d.to_dict() for d in deliveries(store, event=stored.id)],
    }


def replay(store: RunStore, inbox_id: str, *, now: datetime | None = None) -> list[Delivery]:
    """Hand event ``inbox_id`` to its source's bindings again, now: each active binding
    whose filters it passes gets a fresh first attempt (a dead letter included)."""
    from workbench.triggers.sources import trigger_spec_of

    stored = Inbox(store).get(inbox_id)
    replayed: list[Delivery] = []
    for binding in BindingStore(store).list(active=True, source=stored.event.source):
        try:
            spec = trigger_spec_of(binding.connection, binding.trigger)
            passes = spec.matches(stored.event, binding.filters)
        except Exception:  # the connector is gone: judge by the default rule
            passes = default_match(stored.event, binding.filters)
        if passes:
            replayed.append(_again(store, stored.id, binding.name, now))
    if not replayed:
        raise JobError(
            f"event {stored.id} from {stored.event.source}: no active binding of its source "
            "takes it (wb trigger list shows the bindings)"
        )
    return replayed


def replay_dead(store: RunStore, *, now: datetime | None = None) -> list[Delivery]:
    """Give every dead letter a fresh first attempt, due ``now`` (this moment by default)."""
    dead = deliveries(store, state=DeliveryState.DEAD, limit=100_000)
    return [_again(store, d.event, d.binding, now) for d in dead]


def _again(store: RunStore, event: str, binding: str, now: datetime | None) -> Delivery:
    now = now or utc_now()
    fresh = {
        "state": DeliveryState.PENDING.value,
        "attempt": 1,
        "due_at": now,
        "run_id": None,
        "worker": None,
        "lease_until": None,
        "error": None,
        "updated_at": now,
    }
    with store.engine.begin() as connection:
        changed = connection.execute(
            sa.update(DELIVERIES)
            .where(
                DELIVERIES.c.event == event,
                DELIVERIES.c.binding == binding,
                DELIVERIES.c.state.notin_(("pending", "running")),
            )
            .values(fresh)
        ).rowcount
        existing = connection.execute(
            sa.select(DELIVERIES).where(
                DELIVERIES.c.event == event, DELIVERIES.c.binding == binding
            )
        ).first()
        if existing is None:
            connection.execute(
                sa.insert(DELIVERIES).values(id=new_run_id(), event=event, binding=binding, **fresh)
            )
            existing = connection.execute(
                sa.select(DELIVERIES).where(
                    DELIVERIES.c.event == event, DELIVERIES.c.binding == binding
                )
            ).first()
        elif not changed:
            raise JobError(f"event {event} is being handled by {binding!r} already")
    assert existing is not None
    return Delivery.from_row(existing._mapping)


def events_frame(
    store: RunStore, *, source: str | None = None, dead: bool = False, limit: int = 50
) -> pd.DataFrame:
    """:func:`recent` as a DataFrame, with each event's ``data`` as a column."""
    import pandas as pd

    rows = recent(store, source=source, dead=dead, limit=limit)
    payloads = {s.id: s.event.data for s in Inbox(store).events(ids=[r["inbox_id"] for r in rows])}
    for row in rows:
        row["data"] = payloads.get(row["inbox_id"])
    return pd.DataFrame(rows, columns=[*EVENT_COLUMNS, "data"])


def data_text(value: Any, width: int = 80) -> str:
    """A payload shortened to one line, for tables."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def events(*, source: str | None = None, dead: bool = False, limit: int = 50) -> pd.DataFrame:
    """Recent inbox events as a DataFrame, newest first: ``wb.events()``.

    ``source`` keeps one source (``shop.row_changed(table=orders)``); ``dead`` only the
    events a binding gave up on. The ``data`` column holds each payload.

    Example:
        >>> import workbench as wb
        >>> list(wb.events(limit=1).columns)[:3]
        ['inbox_id', 'received', 'source']
    """
    from workbench.jobs.run.store import default_store

    return events_frame(default_store(), source=source, dead=dead, limit=limit)


def event(inbox_id: str) -> dict[str, Any]:
    """One stored event as a bound notebook receives it in its ``event`` parameter:
    ``wb.event(ID)`` (a unique prefix of the inbox id works)."""
    from workbench.jobs.run.store import default_store

    return Inbox(default_store()).get(inbox_id).to_dict()
