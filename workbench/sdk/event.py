"""Events that triggers deliver."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """One inbound event: a webhook call, a new row, a queue message, a new file.

    ``source`` is ``connection.trigger``; ``id`` is unique within the source, which is
    what de-duplication relies on.

    Example:
        >>> e = Event(source="shop.new_order", id="42", data={"order_id": 42})
        >>> e.key
        ('shop.new_order', '42')
    """

    model_config = ConfigDict(frozen=True)

    source: str
    id: str
    type: str = "event"
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    data: Any = None
    headers: dict[str, str] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The de-duplication key: ``(source, id)``."""
        return (self.source, self.id)
