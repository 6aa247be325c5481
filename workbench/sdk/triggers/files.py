"""File and object triggers (see :mod:`workbench.triggers.files`): the marker of what was
seen, and the delivery of what a source finds as batches of events.

Example:
    >>> from workbench.sdk import Event
    >>> from workbench.sdk.triggers.files import Seen, Sighting, deliver
    >>> seen = Seen({})
    >>> found = [Sighting("a.csv", [1, 10], Event(source="s", id="a.csv:1:10"))]
    >>> batches = deliver(iter([found]), seen, max_events=None, timeout=None)
    >>> [e.id for e in next(batches)], seen.change("a.csv", [1, 10])
    (['a.csv:1:10'], None)
"""

from workbench.triggers.files import (
    BATCH_SIZE,
    IDLE_SECONDS,
    MARKER_FIELD,
    Change,
    Seen,
    Sighting,
    deliver,
)

__all__ = [
    "BATCH_SIZE",
    "IDLE_SECONDS",
    "MARKER_FIELD",
    "Change",
    "Seen",
    "Sighting",
    "deliver",
]
