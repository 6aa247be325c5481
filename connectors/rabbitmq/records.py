"""AMQP messages: built from payloads, and turned back into records and events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.sdk import Event
from workbench.sdk.payloads import decode, encode

if TYPE_CHECKING:
    import aio_pika
    from aio_pika.abc import AbstractIncomingMessage


def outgoing(payload: Any, headers: dict[str, Any] | None) -> aio_pika.Message:
    """A persistent message with a fresh message id, a timestamp and the payload's content type."""
    import aio_pika

    body, content_type = encode(payload)
    return aio_pika.Message(
        body,
        content_type=content_type,
        headers=dict(headers or {}),
        message_id=uuid.uuid4().hex,
        timestamp=datetime.now(UTC),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def record(queue: str, message: AbstractIncomingMessage) -> dict[str, Any]:
    """A received message as a record: body (decoded), headers, routing info, timestamp."""
    return {
        "queue": queue,
        "id": message.message_id,
        "body": decode(message.body, message.content_type),
        "content_type": message.content_type,
        "headers": {k: _plain(v) for k, v in (message.headers or {}).items()},
        "exchange": message.exchange,
        "routing_key": message.routing_key,
        "redelivered": message.redelivered,
        "delivery_tag": message.delivery_tag,
        "timestamp": _aware(message.timestamp),
    }


def event(source: str, queue: str, message: AbstractIncomingMessage) -> Event:
    """A received message as an event; its id is the message id (else queue and delivery tag)."""
    data = record(queue, message)
    return Event(
        source=source,
        id=data["id"] or f"{queue}:{message.delivery_tag}",
        type="rabbitmq.message",
        time=data["timestamp"] or datetime.now(UTC),
        data=data["body"],
        headers={k: str(v) for k, v in data["headers"].items()},
    )


def _plain(value: Any) -> Any:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
