"""Inbox events for the Jobs view: the latest, the dead letters, and replaying one.

The functions ``wb events`` calls (:mod:`workbench.triggers.events`), over the default
run store.

Example:
    >>> isinstance(event_rows(dead=True), list)
    True
"""

from __future__ import annotations

from typing import Any

from workbench.jobs.run.store import default_store
from workbench.triggers.events import recent, replay


def event_rows(*, dead: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    """The latest events, newest first (only the dead letters with ``dead``)."""
    return recent(default_store(), dead=dead, limit=limit)


def replay_event(inbox_id: str) -> dict[str, Any]:
    """Hand event ``inbox_id`` to its bindings again; which deliveries were made."""
    again = replay(default_store(), inbox_id)
    return {"inbox_id": inbox_id, "deliveries": [d.to_dict() for d in again]}
