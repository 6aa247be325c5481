"""The scheduler's tables, in the run store's database next to ``wb_runs``.

=================  ===========================================================
table              what a row is
=================  ===========================================================
``wb_schedules``   a schedule: notebook, parameters, cron and timezone, policies
``wb_slots``       one moment a schedule fires, claimed by one worker; its latest run
``wb_run_leases``  which worker executes a queued run, and until when it is alive
=================  ===========================================================

They are on :data:`workbench.jobs.store.METADATA`, so
:meth:`~workbench.jobs.store.RunStore.create_tables` creates them once this module is
imported.

Example:
    >>> sorted(t for t in METADATA.tables if t != "wb_runs")[:3]
    ['wb_run_leases', 'wb_schedules', 'wb_slots']
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from workbench.jobs.store import METADATA

SCHEDULES = sa.Table(
    "wb_schedules",
    METADATA,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("notebook", sa.Text, nullable=False),
    sa.Column("cron", sa.String(200), nullable=False),
    sa.Column("tz", sa.String(100), nullable=False),
    sa.Column("parameters", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    sa.Column("retries", sa.Integer, nullable=False),
    sa.Column("backoff", sa.Float, nullable=False),
    sa.Column("timeout", sa.Float),
    sa.Column("on_failure", sa.String(300)),
    sa.Column("catch_up", sa.String(8), nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
)

SLOTS = sa.Table(
    "wb_slots",
    METADATA,
    sa.Column("schedule", sa.String(200), primary_key=True),
    sa.Column("slot", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("run_id", sa.String(36)),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("worker", sa.String(300)),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Index("wb_slots_state", "state"),
    sa.Index("wb_slots_run", "run_id"),
)

RUN_LEASES = sa.Table(
    "wb_run_leases",
    METADATA,
    sa.Column("run_id", sa.String(36), primary_key=True),
    sa.Column("timeout", sa.Float),
    sa.Column("worker", sa.String(300)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("replaces", sa.String(36)),
    sa.Column("replaced_by", sa.String(36)),
)


def as_utc(value: datetime) -> datetime:
    """A time read from the database as an aware UTC time (SQLite gives naive ones).

    Example:
        >>> as_utc(datetime(2024, 1, 1, 12, 0)).isoformat()
        '2024-01-01T12:00:00+00:00'
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
