"""Events that triggers deliver: the envelope every inbound event travels in.

The attribute names are CloudEvents' where one fits: ``id``, ``source``, ``type``,
``time``, ``subject`` and ``data`` (the payload); ``headers`` keeps what the transport
carried beside it (HTTP headers of a webhook, AMQP headers of a message).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """One inbound event: a webhook call, a changed row, a queue message, a new file.

    ``source`` names where it came from (``connection.trigger`` by convention); ``id`` is
    unique within the source, which is what de-duplication relies on; ``subject`` says
    what the event is about (a table and key, an object key, a topic) where that helps.
    ``data`` must be JSON-ready (dicts, lists, text, numbers): the inbox stores it as JSON.

    Example:
        >>> e = Event(source="shop.row_changed", id="42", subject="orders/7",
        ...           data={"order_id": 7})
        >>> e.key
        ('shop.row_changed', '42')
        >>> sorted(e.to_dict())
        ['data', 'headers', 'id', 'source', 'subject', 'time', 'type']
    """

    model_config = ConfigDict(frozen=True)

    source: str
    id: str
    type: str = "event"
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    data: Any = None
    headers: dict[str, str] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The de-duplication key: ``(source, id)``."""
        return (self.source, self.id)

    def to_dict(self) -> dict[str, Any]:
        """The envelope as JSON-ready values (``time`` in ISO 8601)."""
        return {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.isoformat(),
            "subject": self.subject,
            "data": self.data,
            "headers": dict(self.headers),
        }
