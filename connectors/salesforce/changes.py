"""Records of an sObject created or changed since the last look, by ``LastModifiedDate``.

Each look asks ``... WHERE LastModifiedDate >= <marker> ORDER BY LastModifiedDate, Id``.
SOQL compares whole seconds, and several records may share the marker's second, so the
marker keeps that second (``since``) and the records already reported in it (``seen``:
``Id@LastModifiedDate``): a record of that second is reported once, one saved again later
(a new ``LastModifiedDate``) once more. Nothing is lost when two records share a stamp.

Example:
    >>> state = {}
    >>> records = [{"Id": "001A", "LastModifiedDate": "2024-05-01T08:30:00.000+0000",
    ...             "CreatedDate": "2024-05-01T08:30:00.000+0000"},
    ...            {"Id": "001B", "LastModifiedDate": "2024-05-01T08:30:00.000+0000",
    ...             "CreatedDate": "2024-03-01T09:00:00.000+0000"}]
    >>> feed = ChangeFeed(lambda soql: records, "Account", ["Id"], state, "crm.changed_records",
    ...                   start="2024-01-01T00:00:00Z")
    >>> feed.soql()
    'SELECT Id, LastModifiedDate, CreatedDate FROM Account WHERE LastModifiedDate >= 2024-01-01T00:00:00Z ORDER BY LastModifiedDate, Id'
    >>> [(e.subject, e.type) for e in feed.poll()]
    [('001A', 'record.created'), ('001B', 'record.updated')]
    >>> state["since"], feed.poll()
    ('2024-05-01T08:30:00Z', [])
"""  # noqa: E501

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from workbench.connectors.salesforce.records import flat
from workbench.connectors.salesforce.soql import when
from workbench.sdk import Event

STAMP = "LastModifiedDate"
IDLE_SECONDS = 0.5
"""Longest wait between two yields while nothing is new (the reader's chance to stop)."""


def second(text: str) -> str:
    """A Salesforce datetime cut to its second, as a SOQL literal (``...T08:30:00Z``).

    Example:
        >>> second("2024-05-01T08:30:00.250+0000")
        '2024-05-01T08:30:00Z'
    """
    return when(text).strftime("%Y-%m-%dT%H:%M:%SZ")


class ChangeFeed:
    """One sObject's changed records, with the marker kept in ``state``.

    ``fetch`` runs a SOQL query and returns every record (all pages; through ``queryAll``
    with ``include_deleted``, whose deleted records are ``record.deleted`` events); ``start``
    is the marker to begin with when ``state`` has none (default: now).
    """

    def __init__(
        self,
        fetch: Callable[[str], list[dict[str, Any]]],
        sobject: str,
        fields: list[str],
        state: dict[str, Any],
        source: str,
        *,
        start: str | None = None,
        include_deleted: bool = False,
    ) -> None:
        self.fetch = fetch
        self.sobject = sobject
        wanted = [*fields, STAMP, "CreatedDate", "IsDeleted" if include_deleted else ""]
        self.fields = list(dict.fromkeys(f for f in wanted if f))  # each once, in order
        self.state = state
        self.source = source
        if "since" not in state:
            begin = start if start else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            state["since"] = second(begin)
            state["seen"] = []

    def soql(self) -> str:
        """The query of one look."""
        return (
            f"SELECT {', '.join(self.fields)} FROM {self.sobject} "
            f"WHERE {STAMP} >= {self.state['since']} ORDER BY {STAMP}, Id"
        )

    def poll(self, limit: int | None = None) -> list[Event]:
        """The records new since the marker (at most ``limit``), the marker moved past them."""
        seen = set(self.state.get("seen") or [])
        since = str(self.state["since"])
        new: list[Event] = []
        for record in self.fetch(self.soql()):
            if limit is not None and len(new) >= limit:
                break
            stamp = str(record.get(STAMP))
            key = f"{record.get('Id')}@{stamp}"
            if key in seen:
                continue
            new.append(self.event(record))
            moment = second(stamp)
            if moment != since:
                since, seen = moment, set()
            seen.add(key)
        self.state["since"], self.state["seen"] = since, sorted(seen)
        return new

    def event(self, record: dict[str, Any]) -> Event:
        """The event of one record: id ``sObject:Id:LastModifiedDate``, data its fields."""
        stamp = str(record.get(STAMP))
        if record.get("IsDeleted") is True:
            kind = "record.deleted"
        elif record.get("CreatedDate") == stamp:
            kind = "record.created"
        else:
            kind = "record.updated"
        return Event(
            source=self.source,
            id=f"{self.sobject}:{record.get('Id')}:{stamp}",
            type=kind,
            subject=str(record.get("Id")),
            time=when(stamp),
            data=flat(record),
        )


def follow(
    feed: ChangeFeed, *, interval: float, max_events: int | None, timeout: float | None
) -> Iterator[list[Event] | None]:
    """Look every ``interval`` seconds; yield each look's new records as one batch, and
    ``None`` while waiting. Stops after ``max_events`` events or ``timeout`` quiet seconds.

    A batch the reader does not take (the generator closed at its yield) leaves the marker
    as it was.
    """
    delivered = 0
    quiet_since = time.monotonic()
    while True:
        looked_at = time.monotonic()
        before = dict(feed.state)
        left = None if max_events is None else max_events - delivered
        events = feed.poll(left)
        if events:
            try:
                yield events
            except GeneratorExit:
                feed.state.clear()
                feed.state.update(before)
                raise
            delivered += len(events)
            quiet_since = time.monotonic()
            if max_events is not None and delivered >= max_events:
                return
        idle = False
        while (wait := looked_at + interval - time.monotonic()) > 0:
            if timeout is not None and time.monotonic() - quiet_since >= timeout:
                return
            time.sleep(min(wait, IDLE_SECONDS))
            idle = True
            yield None
        if timeout is not None and time.monotonic() - quiet_since >= timeout:
            return
        if not (events or idle):  # a look that took longer than the interval
            yield None
