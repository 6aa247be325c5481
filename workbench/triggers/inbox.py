"""The durable inbox: every inbound event is stored here, once, before its source is acknowledged.

An event is unique on ``(source, id)``: :meth:`Inbox.put` stores the new ones of a batch and
drops the repeats (a redelivered message, a retried webhook), in one transaction that also
creates a *delivery* for each active binding of the source whose filters the event passes
(see :mod:`workbench.triggers.bindings`), and saves the source's marker. So when ``put``
returns, the events, the work they cause and the source's place are all on disk together;
only then does the reader acknowledge the source.

Each stored event gets an inbox id (a UUID version 7: ids sort in arrival order), the one
``wb events show`` takes. The store is the run store's database: SQLite in WAL mode by
default, PostgreSQL from the same setting (:func:`workbench.jobs.run.store.store_location`).

Example:
    >>> import tempfile, pathlib
    >>> from workbench.sdk import Event
    >>> inbox = Inbox.open(pathlib.Path(tempfile.mkdtemp()) / "events.db")
    >>> first = Event(source="hooks.received", id="evt-1", data={"order": 42})
    >>> inbox.put([first, first]), inbox.put([first])   # a repeat is dropped
    (1, 0)
    >>> stored = inbox.events()[0]
    >>> stored.event.data, inbox.count()
    ({'order': 42}, 1)
    >>> inbox.close()
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.errors import JobError
from workbench.jobs.run.record import as_utc, new_run_ids, utc_now
from workbench.jobs.run.store import RunStore, default_store
from workbench.sdk.event import Event
from workbench.triggers.held_connection import HeldConnection
from workbench.triggers.tables import DELIVERIES, EVENTS, SOURCE_STATE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from workbench.sdk.trigger import TriggerSpec

MAX_DATA_BYTES = 16 * 1024 * 1024  # a payload larger than this is stored as a note of its size

Router = Callable[
    ["Connection", str, Sequence[tuple[str, Event]], "TriggerSpec | None", datetime], int
]
"""Creates the deliveries of newly stored events, due at the given time (inside the put's
transaction)."""


@dataclass(frozen=True)
class StoredEvent:
    """An event as the inbox holds it: its inbox ``id``, the envelope, when it arrived."""

    id: str
    event: Event
    received_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the envelope plus ``inbox_id`` and ``received_at``."""
        return {
            "inbox_id": self.id,
            **self.event.to_dict(),
            "received_at": self.received_at.isoformat(),
        }


class Inbox:
    """Inbound events in the run store's database. ``router`` creates their deliveries;
    ``clock`` says when events arrive."""

    def __init__(
        self,
        store: RunStore,
        *,
        router: Router | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.clock = clock
        self.router = router if router is not None else _default_router(store)
        self.store.create_tables()
        self._stored = threading.Condition()
        self._generation = 0

    @classmethod
    def open(cls, target: str | Path | None = None) -> Inbox:
        """The inbox in ``target`` (a SQLite path or a database URL; the run store's by default)."""
        return cls(default_store() if target is None else RunStore(target))

    def close(self) -> None:
        """Close the database connections."""
        self.store.close()

    # ------------------------------------------------------------ writing

    def put(
        self,
        events: Iterable[Event],
        *,
        state: tuple[str, Mapping[str, Any]] | None = None,
        spec: TriggerSpec | None = None,
        held: HeldConnection | None = None,
    ) -> int:
        """Store the new ``events`` (repeats dropped), their deliveries, and ``state``
        (``(source, marker)``) in one transaction; how many events were new.

        ``spec`` is the trigger the events came from: its rule decides which bindings'
        filters they pass. ``held`` is a connection of :meth:`hold` to store through
        instead of one from the pool.
        """
        now = self.clock()
        rows = _unique_rows(events, now)
        if not rows and state is None:
            return 0
        with held.begin() if held is not None else self.store.engine.begin() as connection:
            new = self._insert(connection, rows)
            if new and self.router is not None:
                by_source: dict[str, list[tuple[str, Event]]] = {}
                for inbox_id, event in new:
                    by_source.setdefault(event.source, []).append((inbox_id, event))
                for source, stored in by_source.items():
                    self.router(connection, source, stored, spec, now)
            if state is not None:
                _save_state(connection, *state, now=now)
        if new:
            with self._stored:
                self._generation += 1
                self._stored.notify_all()
        return len(new)

    def hold(self) -> HeldConnection:
        """A connection kept open for a source that stores often; close it when done."""
        return HeldConnection(self.store.engine)

    def _insert(
        self, connection: Connection, rows: list[tuple[dict[str, Any], Event]]
    ) -> list[tuple[str, Event]]:
        if not rows:
            return []
        if connection.dialect.name == "sqlite":
            inserted = _insert_sqlite(connection, [row for row, _ in rows])
        else:
            statement = _insert_ignoring_repeats(connection.dialect.name)
            found = connection.execute(statement, [row for row, _ in rows])
            inserted = {inbox_id for (inbox_id,) in found}
        return [(row["id"], event) for row, event in rows if row["id"] in inserted]

    def wait_for_events(self, generation: int, timeout: float) -> int:
        """Block until events newer than ``generation`` are stored here (or ``timeout``
        passes); the current generation. Dispatchers in this process wake on it."""
        with self._stored:
            if self._generation == generation:
                self._stored.wait(timeout)
            return self._generation

    @property
    def generation(self) -> int:
        """A counter of the puts that stored something in this process."""
        return self._generation

    # ------------------------------------------------------------ reading

    def get(self, inbox_id: str) -> StoredEvent:
        """The event with inbox id ``inbox_id`` (a unique prefix of it works too)."""
        query = sa.select(EVENTS).where(EVENTS.c.id.startswith(inbox_id, autoescape=True))
        with self.store.engine.connect() as connection:
            rows = list(connection.execute(query.limit(2)))
        if len(rows) != 1:
            what = "no event" if not rows else "more than one event"
            raise JobError(f"{what} with id {inbox_id!r} in the inbox ({self.store.display_url})")
        return _stored(rows[0]._mapping)

    def events(
        self,
        *,
        source: str | None = None,
        ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        """The stored events, newest first: of one ``source``, or with inbox ``ids``."""
        if ids is not None:  # by primary key, sorted here: an ORDER BY would scan the table
            found: list[StoredEvent] = []
            wanted = list(ids)
            with self.store.engine.connect() as connection:
                for start in range(0, len(wanted), 500):
                    query = sa.select(EVENTS).where(EVENTS.c.id.in_(wanted[start : start + 500]))
                    if source is not None:
                        query = query.where(EVENTS.c.source == source)
                    found.extend(_stored(row._mapping) for row in connection.execute(query))
            found.sort(key=lambda stored: stored.id, reverse=True)
            return found[:limit] if limit is not None else found
        query = sa.select(EVENTS).order_by(EVENTS.c.id.desc())
        if source is not None:
            query = query.where(EVENTS.c.source == source)
        if limit is not None:
            query = query.limit(limit)
        with self.store.engine.connect() as connection:
            return [_stored(row._mapping) for row in connection.execute(query)]

    def count(self, source: str | None = None) -> int:
        """How many events are stored (of one ``source``)."""
        query = sa.select(sa.func.count()).select_from(EVENTS)
        if source is not None:
            query = query.where(EVENTS.c.source == source)
        with self.store.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def load_state(self, source: str) -> dict[str, Any]:
        """The marker ``source`` saved last (empty when it has none)."""
        query = sa.select(SOURCE_STATE.c.state).where(SOURCE_STATE.c.source == source)
        with self.store.engine.connect() as connection:
            found = connection.execute(query).scalar()
        return dict(found) if isinstance(found, dict) else {}

    def forget(self, inbox_ids: Sequence[str]) -> int:
        """Remove events and their deliveries; how many events went."""
        if not inbox_ids:
            return 0
        with self.store.engine.begin() as connection:
            connection.execute(sa.delete(DELIVERIES).where(DELIVERIES.c.event.in_(inbox_ids)))
            result = connection.execute(sa.delete(EVENTS).where(EVENTS.c.id.in_(inbox_ids)))
        return int(result.rowcount)


def _default_router(store: RunStore) -> Router:
    from workbench.triggers.bindings import BindingRouter

    return BindingRouter(store)


def _unique_rows(events: Iterable[Event], now: datetime) -> list[tuple[dict[str, Any], Event]]:
    unique: dict[tuple[str, str], Event] = {}
    for event in events:
        if not isinstance(event, Event):
            raise TypeError(f"the inbox stores Event objects, not {type(event).__name__}")
        unique.setdefault(event.key, event)
    rows: list[tuple[dict[str, Any], Event]] = []
    for inbox_id, event in zip(new_run_ids(len(unique)), unique.values(), strict=True):
        data, headers = _payload(event)
        row = {
            "id": inbox_id,
            "source": event.source,
            "event_id": event.id,
            "type": event.type,
            "time": _utc(event.time),
            "subject": event.subject,
            "data": data,
            "headers": headers,
            "received_at": now,
        }
        rows.append((row, event))
    return rows


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def _fast_encoder() -> Callable[[Any, int], Any] | None:
    """The C encoder behind :data:`_ENCODER`, built once: ``JSONEncoder.encode`` builds
    one for every value, which costs more than encoding a webhook's payload."""
    make = getattr(json.encoder, "c_make_encoder", None)
    quote = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or quote is None:
        return None
    try:  # no markers: a circular value ends in RecursionError, then _ENCODER names it
        encoder: Callable[[Any, int], Any] = make(
            None, str, quote, None, ": ", ", ", False, False, True
        )
    except TypeError:  # another signature
        return None
    return encoder


_FAST_ENCODER = _fast_encoder()


def _json_text(value: Any) -> str:
    """``value`` as the inbox's JSON text, what ``_ENCODER.encode`` gives.

    Example:
        >>> _json_text({"n": 1, "city": "Zürich", "when": datetime(2024, 5, 6)})
        '{"n": 1, "city": "Zürich", "when": "2024-05-06 00:00:00"}'
        >>> loop = []; loop.append(loop)
        >>> _json_text(loop)
        Traceback (most recent call last):
        ...
        ValueError: Circular reference detected
    """
    if _FAST_ENCODER is not None and not isinstance(value, str):
        try:
            return "".join(_FAST_ENCODER(value, 0))
        except RecursionError:
            pass
    return _ENCODER.encode(value)


def _payload(event: Event) -> tuple[str, Mapping[str, str]]:
    text = _json_text(event.data)
    if len(text) <= MAX_DATA_BYTES:
        return text, event.headers
    headers = dict(event.headers)
    headers["workbench-note"] = (
        f"the payload ({len(text)} characters of JSON) exceeds the inbox limit "
        f"of {MAX_DATA_BYTES} and was not kept"
    )
    return "null", headers


# the order _insert_sqlite writes the values in
_COLUMNS = ("id", "source", "event_id", "type", "time", "subject", "data", "headers", "received_at")
_SQLITE_CHUNK = 100  # rows a statement, well under SQLite's limit of bound values


def _insert_sqlite(connection: Connection, rows: list[dict[str, Any]]) -> set[str]:
    """The SQLite insert, as one multi-row statement on the driver's own connection: the
    same rows SQLAlchemy would write (times as its text, headers as JSON) at a fraction of
    the cost, which a webhook answered only after its commit feels in full. The ids of the
    rows stored come from the count of changes, read back only when a repeat was dropped
    (each row read is a step that gives up the GIL, and a reader contends for it with the
    webhook server's loop).

    Example:
        >>> import sqlalchemy as sa
        >>> from workbench.triggers.tables import METADATA
        >>> engine = sa.create_engine("sqlite://")
        >>> METADATA.create_all(engine, tables=[EVENTS])
        >>> moment = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
        >>> row = {"id": "i-1", "source": "s", "event_id": "e-1", "type": "t", "time": moment,
        ...        "subject": None, "data": "{}", "headers": {}, "received_at": moment}
        >>> repeat = {**row, "id": "i-2"}  # the same event again, under a fresh inbox id
        >>> with engine.begin() as connection:
        ...     _insert_sqlite(connection, [row]), _insert_sqlite(connection, [repeat])
        ({'i-1'}, set())
    """
    inserted: set[str] = set()
    driver = connection.connection.driver_connection
    assert driver is not None  # a live connection inside its transaction
    received = _sqlite_time(rows[0]["received_at"])  # one moment for the whole batch
    encode = _json_text
    moment, moment_text = None, ""  # the last event time written: a batch shares a few
    for start in range(0, len(rows), _SQLITE_CHUNK):
        chunk = rows[start : start + _SQLITE_CHUNK]
        values: list[Any] = []
        for row in chunk:
            if row["time"] != moment:
                moment = row["time"]
                moment_text = _sqlite_time(moment)
            values += (
                row["id"],
                row["source"],
                row["event_id"],
                row["type"],
                moment_text,
                row["subject"],
                row["data"],
                encode(row["headers"]),
                received,
            )
        ids = [row["id"] for row in chunk]
        if driver.execute(_sqlite_insert_text(len(chunk)), values).rowcount == len(chunk):
            inserted.update(ids)  # all new: the usual case, known without reading them back
            continue
        marks = ", ".join("?" * len(ids))  # fresh ids: those found are the rows just stored
        found = driver.execute(f"SELECT id FROM {EVENTS.name} WHERE id IN ({marks})", ids)
        inserted.update(inbox_id for (inbox_id,) in found.fetchall())
    return inserted


@functools.cache
def _sqlite_insert_text(count: int) -> str:
    marks = "(" + ", ".join("?" for _ in _COLUMNS) + ")"
    return (
        f"INSERT INTO {EVENTS.name} ({', '.join(_COLUMNS)}) VALUES "
        + ", ".join([marks] * count)
        + " ON CONFLICT (source, event_id) DO NOTHING"
    )


def _sqlite_time(moment: datetime) -> str:
    """A UTC time as SQLAlchemy writes it to SQLite.

    Example:
        >>> _sqlite_time(datetime(2024, 5, 6, 12, 0, tzinfo=UTC))
        '2024-05-06 12:00:00.000000'
    """
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


@functools.cache
def _insert_ignoring_repeats(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: the ids of the rows stored."""
    statement: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(EVENTS).on_conflict_do_nothing(constraint="wb_events_key")
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(EVENTS).on_conflict_do_nothing(
            index_elements=["source", "event_id"]
        )
    return statement.returning(EVENTS.c.id)


def _save_state(
    connection: Connection, source: str, state: Mapping[str, Any], *, now: datetime
) -> None:
    values = {"state": dict(state), "updated_at": now}
    statement: Any
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(SOURCE_STATE)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(SOURCE_STATE)
    statement = statement.values(source=source, **values)
    connection.execute(statement.on_conflict_do_update(index_elements=["source"], set_=values))


def _utc(moment: datetime) -> datetime:
    """A time as UTC (a naive one is taken to be UTC already)."""
    if moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stored(row: Mapping[Any, Any]) -> StoredEvent:
    event = Event.model_construct(  # read back from the inbox: valid when it was stored
        source=row["source"],
        id=row["event_id"],
        type=row["type"],
        time=as_utc(row["time"]),
        subject=row["subject"],
        data=json.loads(row["data"]) if row["data"] is not None else None,
        headers=dict(row["headers"] or {}),
    )
    return StoredEvent(row["id"], event, as_utc(row["received_at"]))
