"""NATS messages: headers for what is published, records and events for what is read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from workbench.sdk import Event
from workbench.sdk.messaging import body_data
from workbench.sdk.payloads import decode, encode

MSG_ID, CONTENT_TYPE = "Nats-Msg-Id", "Content-Type"


def outgoing(
    payload: Any, headers: dict[str, str] | None, msg_id: str | None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one message; every message gets a ``Nats-Msg-Id``.

    Example:
        >>> outgoing({"a": 1}, None, "order-42")
        (b'{"a": 1}', {'Content-Type': 'application/json', 'Nats-Msg-Id': 'order-42'})
    """
    body, content_type = encode(payload)
    out = {CONTENT_TYPE: content_type, MSG_ID: msg_id or uuid.uuid4().hex}
    out.update(headers or {})
    return body, out


def record(
    subject: str,
    data: bytes | None,
    headers: dict[str, str] | None,
    *,
    stream: str | None = None,
    seq: int | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    """A message as a record: subject, stream position, id, decoded body, headers, time."""
    extra = dict(headers or {})
    content_type = extra.pop(CONTENT_TYPE, None)
    return {
        "subject": subject,
        "stream": stream,
        "seq": seq,
        "id": extra.pop(MSG_ID, None),
        "body": decode(data or b"", content_type),
        "content_type": content_type,
        "headers": extra,
        "timestamp": time,
    }


def event(source: str, ident: str, data: dict[str, Any], body: bytes | None) -> Event:
    """A message (its record and body) as an event with an id stable across redeliveries."""
    return Event(
        source=source,
        id=ident,
        type="nats.message",
        time=data["timestamp"] or datetime.now(UTC),
        subject=data["subject"],
        data=body_data(body or b"", data["content_type"]),
        headers={"subject": data["subject"], **data["headers"]},
    )
