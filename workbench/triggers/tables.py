"""The inbox's tables, in the run store's database beside ``wb_runs``.

===================  ==================================================================
table                what a row is
===================  ==================================================================
``wb_events``        one inbound event, unique on (source, event id), stored before the
                     source is acknowledged
``wb_deliveries``    one event handed to one binding: its state, attempts, run, owner
``wb_bindings``      a notebook (or an in-process handler) bound to a source, with filters
``wb_source_state``  a source's marker (files seen, the last slot), saved with its events
===================  ==================================================================

They are on :data:`workbench.jobs.run.store.METADATA`, so ``RunStore.create_tables`` creates
them once this module is imported.

Example:
    >>> sorted(t for t in METADATA.tables if t.startswith("wb_") and "event" in t)
    ['wb_events']
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from workbench.jobs.run.store import METADATA

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)

EVENTS = sa.Table(
    "wb_events",
    METADATA,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("source", sa.String(500), nullable=False),
    sa.Column("event_id", sa.String(500), nullable=False),
    sa.Column("type", sa.String(200), nullable=False),
    sa.Column("time", _TIME, nullable=False),
    sa.Column("subject", sa.Text),
    sa.Column("data", sa.Text),
    sa.Column("headers", _JSON, nullable=False),
    sa.Column("received_at", _TIME, nullable=False),
    sa.UniqueConstraint("source", "event_id", name="wb_events_key"),  # also finds a source's
    # events: no other index, as each one costs every webhook's commit (pruning scans, rarely)
)

DELIVERIES = sa.Table(
    "wb_deliveries",
    METADATA,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("event", sa.String(36), nullable=False),
    sa.Column("binding", sa.String(200), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("due_at", _TIME, nullable=False),
    sa.Column("run_id", sa.String(36)),
    sa.Column("worker", sa.String(300)),
    sa.Column("lease_until", _TIME),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", _TIME, nullable=False),
    sa.UniqueConstraint("binding", "event", name="wb_deliveries_key"),
    sa.Index("wb_deliveries_due", "state", "due_at"),
    sa.Index("wb_deliveries_owner", "worker", "state"),
    sa.Index("wb_deliveries_event", "event"),
    sa.Index("wb_deliveries_run", "run_id"),
)

BINDINGS = sa.Table(
    "wb_bindings",
    METADATA,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("notebook", sa.Text),
    sa.Column("connection", sa.String(200), nullable=False),
    sa.Column("trigger", sa.String(200), nullable=False),
    sa.Column("source", sa.String(500), nullable=False),
    sa.Column("args", _JSON, nullable=False),
    sa.Column("filters", _JSON, nullable=False),
    sa.Column("parameters", _JSON, nullable=False),
    sa.Column("retries", sa.Integer, nullable=False),
    sa.Column("backoff", sa.Float, nullable=False),
    sa.Column("timeout", sa.Float),
    sa.Column("on_failure", sa.String(300)),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Index("wb_bindings_source", "source"),
)

SOURCE_STATE = sa.Table(
    "wb_source_state",
    METADATA,
    sa.Column("source", sa.String(500), primary_key=True),
    sa.Column("state", _JSON, nullable=False),
    sa.Column("updated_at", _TIME, nullable=False),
)
