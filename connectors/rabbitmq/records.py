"""AMQP messages: built from payloads, and turned back into records and events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.sdk import Event
from workbench.sdk.messaging import body_data, derived_id
from workbench.sdk.payloads import decode, encode

if TYPE_CHECKING:
    import aio_pika
    from aio_pika.abc import AbstractIncomingMessage

_REDELIVERY = {"x-delivery-count", "x-death"}  # headers the broker adds or changes


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


def event(source: str, message: AbstractIncomingMessage) -> Event:
    """A received message as an event, its id stable across redeliveries.

    The id is the message id a publisher set, else :func:`derived_id` of the message's
    exchange, routing key, properties and body (never the delivery tag, which changes).
    """
    routing = (message.exchange, message.routing_key)
    headers = {k: _plain(v) for k, v in (message.headers or {}).items()}
    return Event(
        source=source,
        id=message.message_id or derived_id(*routing, properties(message), message.body),
        type="rabbitmq.message",
        time=_aware(message.timestamp) or datetime.now(UTC),
        subject=message.routing_key,
        data=body_data(message.body, message.content_type),
        headers={k: str(v) for k, v in headers.items()},
    )


def properties(message: AbstractIncomingMessage) -> dict[str, Any]:
    """The AMQP properties a publisher set, without what the broker adds on redelivery."""
    headers = {k: _plain(v) for k, v in (message.headers or {}).items() if k not in _REDELIVERY}
    return {
        "content_type": message.content_type,
        "content_encoding": message.content_encoding,
        "headers": headers,
        "delivery_mode": int(message.delivery_mode or 0),
        "priority": message.priority,
        "correlation_id": message.correlation_id,
        "reply_to": message.reply_to,
        "expiration": message.expiration,
        "timestamp": message.timestamp,
        "type": message.type,
        "user_id": message.user_id,
        "app_id": message.app_id,
    }


def _plain(value: Any) -> Any:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
