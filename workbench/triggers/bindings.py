"""Bindings: a notebook (or an in-process handler) bound to a source, with its filters.

A :class:`Binding` says: when an event arrives from the source ``connection.trigger`` (read
with ``args``) and passes ``filters``, hand it to ``notebook`` (a run with the event as its
``event`` parameter) or to the handler of that name in a script (``wb.on``). Its policies:
``retries`` with a doubling ``backoff``, a ``timeout`` per run, the ``on_failure`` connection
told when the last attempt fails. A paused binding receives nothing; it resumes from now.
A schedule is a binding too, on the ``schedule`` connector's ``slots`` source.

:class:`BindingStore` keeps them in ``wb_bindings``; :class:`BindingRouter` is what the
inbox calls, inside the transaction that stores new events, to create their deliveries.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.jobs.run.store import RunStore
    >>> store = BindingStore(RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db"))
    >>> store.add(Binding("notify", "shop", "row_changed", notebook="/jobs/notify.ipynb",
    ...                   args={"table": "orders"}, filters={"status": "shipped"}))
    >>> [(b.name, b.source) for b in store.list()]
    [('notify', 'shop.row_changed(table=orders)')]
    >>> store.get("notfy")
    Traceback (most recent call last):
    ...
    workbench.errors.JobError: no binding named 'notfy'; did you mean 'notify'?
    >>> store.store.close()
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from workbench.errors import ConfigError, JobError
from workbench.jobs.run.record import as_utc, new_run_ids, utc_now
from workbench.jobs.run.store import RunStore
from workbench.redaction import redact_value
from workbench.sdk.trigger import default_match
from workbench.triggers.reader import source_key
from workbench.triggers.tables import BINDINGS, DELIVERIES

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from workbench.sdk.event import Event
    from workbench.sdk.trigger import TriggerSpec

Kind = Literal["notebook", "handler"]
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 10.0  # seconds before the first retry; doubled for each later one
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$")


@dataclass(frozen=True)
class Binding:
    """One binding; ``created_at`` is when it was added or last resumed."""

    name: str
    connection: str
    trigger: str
    notebook: str | None = None
    kind: Kind = "notebook"
    args: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    timeout: float | None = None
    on_failure: str | None = None
    paused: bool = False
    created_at: datetime = field(default_factory=utc_now)

    @property
    def source(self) -> str:
        """The source key the binding reads: ``connection.trigger(args)``."""
        return source_key(self.connection, self.trigger, self.args)

    @property
    def on(self) -> str:
        """``connection.trigger``, as ``--on`` takes it."""
        return f"{self.connection}.{self.trigger}"

    def backoff_before(self, attempt: int) -> float:
        """Seconds to wait before ``attempt`` (2 is the first retry): backoff, doubling.

        Example:
            >>> [Binding("b", "c", "t", backoff=5).backoff_before(n) for n in (2, 3, 4)]
            [5.0, 10.0, 20.0]
        """
        return float(self.backoff * 2 ** max(0, attempt - 2))

    def to_dict(self) -> dict[str, Any]:
        """The binding as JSON-ready values (what ``wb trigger export`` writes)."""
        data = dataclasses.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Binding:
        """A binding from :meth:`to_dict`'s values (unknown keys are an error)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"binding {data.get('name')!r}: unknown field(s) {unknown}")
        values = dict(data)
        if isinstance(values.get("created_at"), str):
            values["created_at"] = datetime.fromisoformat(values["created_at"]).astimezone(UTC)
        return cls(**values)


class BindingStore:
    """The bindings kept in a run store's database."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        store.create_tables()

    def add(self, binding: Binding, *, replace: bool = False) -> None:
        """Record ``binding``; one of the same name is refused unless ``replace``."""
        if not NAME.match(binding.name):
            raise ConfigError(
                f"--name {binding.name!r}: a binding name is letters, digits, '.', ':', '_' "
                "and '-' (up to 200), starting with a letter or digit"
            )
        row = _row(binding)
        with self.store.engine.begin() as connection:
            if replace:
                connection.execute(sa.delete(BINDINGS).where(BINDINGS.c.name == binding.name))
            try:
                connection.execute(sa.insert(BINDINGS).values(row))
            except sa.exc.IntegrityError:
                raise ConfigError(
                    f"a binding named {binding.name!r} already exists; remove it first "
                    "or choose another --name"
                ) from None

    def get(self, name: str, *, what: str = "binding") -> Binding:
        """The binding called ``name``."""
        with self.store.engine.connect() as connection:
            row = connection.execute(sa.select(BINDINGS).where(BINDINGS.c.name == name)).first()
        if row is None:
            close = difflib.get_close_matches(name, [b.name for b in self.list()], n=3)
            hint = "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""
            raise JobError(f"no {what} named {name!r}{hint}")
        return _binding(row._mapping)

    def find(self, name: str) -> Binding | None:
        """The binding called ``name``, or None."""
        with self.store.engine.connect() as connection:
            row = connection.execute(sa.select(BINDINGS).where(BINDINGS.c.name == name)).first()
        return None if row is None else _binding(row._mapping)

    def list(
        self,
        *,
        active: bool = False,
        source: str | None = None,
        connection: str | None = None,
        kind: Kind | None = None,
    ) -> list[Binding]:
        """The bindings by name: only ``active`` ones; of one ``source``, ``connection``
        or ``kind``."""
        query = sa.select(BINDINGS).order_by(BINDINGS.c.name)
        if active:
            query = query.where(BINDINGS.c.paused.is_(False))
        if source is not None:
            query = query.where(BINDINGS.c.source == source)
        if connection is not None:
            query = query.where(BINDINGS.c.connection == connection)
        if kind is not None:
            query = query.where(BINDINGS.c.kind == kind)
        with self.store.engine.connect() as db:
            return [_binding(row._mapping) for row in db.execute(query)]

    def remove(self, name: str, *, what: str = "binding") -> Binding:
        """Delete binding ``name`` and the deliveries not yet handled; return it."""
        binding = self.get(name, what=what)
        with self.store.engine.begin() as connection:
            connection.execute(
                sa.delete(DELIVERIES).where(
                    DELIVERIES.c.binding == name, DELIVERIES.c.state == "pending"
                )
            )
            connection.execute(sa.delete(BINDINGS).where(BINDINGS.c.name == name))
        return binding

    def pause(self, name: str, *, what: str = "binding") -> Binding:
        """Let ``name`` receive nothing until :meth:`resume`; runs under way finish."""
        self.get(name, what=what)
        self._update(name, paused=True)
        return self.get(name)

    def resume(self, name: str, *, what: str = "binding") -> Binding:
        """Let ``name`` receive events again from now on."""
        binding = self.get(name, what=what)
        values: dict[str, Any] = {"paused": False, "created_at": utc_now()}
        if "since" in binding.args:  # a source that starts at `since`: from now on
            args = {**binding.args, "since": values["created_at"].isoformat()}
            values.update(args=args, source=source_key(binding.connection, binding.trigger, args))
        self._update(name, **values)
        return self.get(name)

    def _update(self, name: str, **values: Any) -> None:
        with self.store.engine.begin() as connection:
            connection.execute(sa.update(BINDINGS).where(BINDINGS.c.name == name).values(values))


_ACTIVE_OF_SOURCE = sa.select(BINDINGS.c.name, BINDINGS.c.filters).where(
    BINDINGS.c.source == sa.bindparam("source"), BINDINGS.c.paused.is_(False)
)


_SQLITE_ACTIVE = "SELECT name, filters FROM wb_bindings WHERE source = ? AND paused = 0"
_SQLITE_DELIVERY = (
    "INSERT INTO wb_deliveries (id, event, binding, state, attempt, due_at, updated_at) "
    "VALUES (?, ?, ?, 'pending', 1, ?, ?)"
)


class BindingRouter:
    """Creates the deliveries of new events, inside the inbox's transaction.

    Every active binding of the event's source whose filters the event passes gets one
    pending delivery, due now.
    """

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def __call__(
        self,
        connection: Connection,
        source: str,
        stored: Sequence[tuple[str, Event]],
        spec: TriggerSpec | None,
        now: datetime,
    ) -> int:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection if sqlite else None
        if driver is not None:  # the hot path of every stored batch: the driver's own SQL
            found = driver.execute(_SQLITE_ACTIVE, (source,)).fetchall()
            bindings = [(name, json.loads(filters) if filters else {}) for name, filters in found]
        else:
            found = connection.execute(_ACTIVE_OF_SOURCE, {"source": source})
            bindings = [(name, dict(filters or {})) for name, filters in found]
        if not bindings:
            return 0
        matches = spec.matches if spec is not None else default_match
        routed = [
            (inbox_id, name)
            for inbox_id, event in stored
            for name, filters in bindings
            if not filters or matches(event, filters)
        ]
        rows = [
            {
                "id": delivery_id,
                "event": inbox_id,
                "binding": name,
                "state": "pending",
                "attempt": 1,
                "due_at": now,
                "updated_at": now,
            }
            for delivery_id, (inbox_id, name) in zip(new_run_ids(len(routed)), routed, strict=True)
        ]
        if rows and driver is not None:
            stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format, UTC
            values = [(r["id"], r["event"], r["binding"], stamp, stamp) for r in rows]
            driver.executemany(_SQLITE_DELIVERY, values)
        elif rows:
            connection.execute(sa.insert(DELIVERIES), rows)
        return len(rows)


def _row(binding: Binding) -> dict[str, Any]:
    row = dataclasses.asdict(binding)
    row["parameters"] = redact_value(binding.parameters)
    row["source"] = binding.source
    row["created_at"] = binding.created_at.astimezone(UTC)
    return row


def _binding(row: Mapping[Any, Any]) -> Binding:
    values = dict(row)
    del values["source"]
    values["created_at"] = as_utc(values["created_at"])
    values["filters"] = {str(k): str(v) for k, v in (values["filters"] or {}).items()}
    return Binding(**values)
