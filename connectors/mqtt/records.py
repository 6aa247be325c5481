"""MQTT 5 messages: properties for what is published, records and events for what arrives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.sdk import Event
from workbench.sdk.messaging import body_data, derived_id
from workbench.sdk.payloads import decode, encode

if TYPE_CHECKING:
    from paho.mqtt.client import MQTTMessage
    from paho.mqtt.properties import Properties

MESSAGE_ID = "message-id"


def outgoing(
    payload: Any, headers: dict[str, str] | None, message_id: str | None
) -> tuple[bytes, Properties, str]:
    """The body, the PUBLISH properties (content type, user properties) and the message id."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    body, content_type = encode(payload)
    ident = message_id or uuid.uuid4().hex
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.ContentType = content_type
    props.UserProperty = [(MESSAGE_ID, ident), *((k, str(v)) for k, v in (headers or {}).items())]
    return body, props, ident


def record(message: MQTTMessage) -> dict[str, Any]:
    """A received message as a record: topic, id, decoded body, headers, QoS, retained flag."""
    props = message.properties
    content_type = getattr(props, "ContentType", None) if props else None
    headers = dict(getattr(props, "UserProperty", None) or []) if props else {}
    return {
        "topic": message.topic,
        "id": headers.pop(MESSAGE_ID, None),
        "body": decode(message.payload, content_type),
        "content_type": content_type,
        "headers": headers,
        "qos": message.qos,
        "retained": bool(message.retain),
        "timestamp": datetime.now(UTC),  # MQTT carries no send time: this is when it arrived
    }


def event(source: str, message: MQTTMessage) -> Event:
    """A received message as an event, its id stable across redeliveries.

    The id is the ``message-id`` user property (``publish`` sets one); a message from
    another publisher gets :func:`derived_id` of its topic, properties and payload, so a
    repeat of the same message on the same topic counts as the same event.
    """
    data = record(message)
    ident = data["id"] or derived_id(message.topic, properties(message), message.payload)
    return Event(
        source=source,
        id=ident,
        type="mqtt.message",
        time=data["timestamp"],
        subject=message.topic,
        data=body_data(message.payload, data["content_type"]),
        headers={"topic": data["topic"], **data["headers"]},
    )


def properties(message: MQTTMessage) -> dict[str, Any]:
    """The PUBLISH properties a publisher set (not those the broker changes on the way)."""
    props = message.properties
    correlation = getattr(props, "CorrelationData", None) if props else None
    return {
        "content_type": getattr(props, "ContentType", None) if props else None,
        "user": [list(pair) for pair in getattr(props, "UserProperty", None) or []],
        "response_topic": getattr(props, "ResponseTopic", None) if props else None,
        "correlation": correlation.hex() if isinstance(correlation, bytes) else None,
        "format": getattr(props, "PayloadFormatIndicator", None) if props else None,
    }
