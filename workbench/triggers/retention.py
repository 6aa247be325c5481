"""How long handled events stay in the inbox, and pruning the ones past it.

An event is *handled* once every delivery it caused has succeeded or was skipped (one with
no delivery at all, because no binding wanted it, counts as handled too). Handled events
older than the retention are removed with their deliveries; dead letters and events still
pending stay until they are replayed or handled. The retention comes from
``WORKBENCH_EVENT_RETENTION`` or workbench.toml (7 days by default)::

    [triggers]
    retention = "30d"          # 90s, 15m, 12h, 30d; or a number of seconds

Keep it longer than a source may redeliver an event: a repeat that arrives after its first
copy was pruned is stored again.

Example:
    >>> parse_duration("12h"), parse_duration("90")
    (43200.0, 90.0)
"""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta

import sqlalchemy as sa

from workbench import paths
from workbench.config.entries import read_table
from workbench.errors import ConfigError
from workbench.jobs.run.record import utc_now
from workbench.jobs.run.store import RunStore
from workbench.redaction import get_logger
from workbench.triggers.tables import DELIVERIES, EVENTS

log = get_logger(__name__)

ENV_VAR = "WORKBENCH_EVENT_RETENTION"
DEFAULT = 7 * 86400.0
EVERY = 600.0  # seconds between two prunings by one worker
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float | None:
    """Seconds in ``text`` (``90``, ``90s``, ``15m``, ``12h``, ``30d``); None if it is no
    duration."""
    match = _DURATION.match(str(text))
    if not match:
        return None
    return float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]


def parse_duration(text: str, *, where: str = ENV_VAR) -> float:
    """Seconds in ``text``, or a ConfigError naming ``where``."""
    seconds = duration_seconds(text)
    if seconds is None:
        raise ConfigError(
            f"{where}: expected a duration such as 90s, 15m, 12h or 30d, got {text!r}"
        )
    return seconds


def retention() -> float:
    """The configured retention in seconds."""
    if os.environ.get(ENV_VAR):
        return parse_duration(os.environ[ENV_VAR])
    for path in (paths.project_file(), paths.user_file()):
        if path is None or not path.is_file():
            continue
        section = read_table(path, "triggers")
        if "retention" in section:
            return parse_duration(str(section["retention"]), where=f"{path}: [triggers] retention")
    return DEFAULT


def prune(store: RunStore, *, older_than: float) -> int:
    """Remove the handled events received more than ``older_than`` seconds ago; how many."""
    cutoff = utc_now() - timedelta(seconds=older_than)
    unhandled = (
        sa.select(DELIVERIES.c.event)
        .where(DELIVERIES.c.state.notin_(("succeeded", "skipped")))
        .scalar_subquery()
    )
    old = sa.select(EVENTS.c.id).where(EVENTS.c.received_at < cutoff, EVENTS.c.id.notin_(unhandled))
    with store.engine.begin() as connection:
        ids = list(connection.execute(old.limit(10_000)).scalars())
        if not ids:
            return 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            connection.execute(sa.delete(DELIVERIES).where(DELIVERIES.c.event.in_(chunk)))
            connection.execute(sa.delete(EVENTS).where(EVENTS.c.id.in_(chunk)))
    log.info("pruned %d handled event(s) older than %g s", len(ids), older_than)
    return len(ids)


class Pruner:
    """Prunes a store's handled events at most every ``every`` seconds."""

    def __init__(self, store: RunStore, *, every: float = EVERY) -> None:
        self.store = store
        self.every = every
        self._last = 0.0

    def maybe_prune(self) -> int:
        """Prune if ``every`` seconds passed since the last time; how many went."""
        if time.monotonic() - self._last < self.every:
            return 0
        self._last = time.monotonic()
        return prune(self.store, older_than=retention())
