"""Redis list items and stream entries as message records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from workbench.sdk import Event
from workbench.sdk.messaging import body_data
from workbench.sdk.payloads import decode, encode

Decoder = Callable[[bytes, str | None], Any]

BODY, TYPE, KEY = "body", "content-type", "key"


def text(value: Any) -> str:
    """A Redis reply as text (replies are bytes; undecodable bytes are escaped)."""
    return value if isinstance(value, str) else value.decode("utf-8", "backslashreplace")


def stream_fields(
    payload: Any, headers: dict[str, str] | None, key: str | None
) -> dict[str, bytes | str]:
    """The fields of a stream entry carrying one message: body, content type, key, headers.

    Example:
        >>> stream_fields({"a": 1}, {"source": "shop"}, None)
        {'body': b'{"a": 1}', 'content-type': 'application/json', 'source': 'shop'}
    """
    body, content_type = encode(payload)
    fields: dict[str, bytes | str] = {BODY: body, TYPE: content_type}
    if key is not None:
        fields[KEY] = key
    for name, value in (headers or {}).items():
        if name in fields:
            raise ValueError(f"header {name!r} clashes with a field of the message")
        fields[name] = value
    return fields


def stream_record(
    key: str, entry_id: Any, fields: Any, decoder: Decoder = decode
) -> dict[str, Any]:
    """One stream entry as a record; entries not written by ``publish`` show all their fields.

    Example:
        >>> stream_record("s", b"1700000000000-0", {b"body": b'{"a": 1}',
        ...     b"content-type": b"application/json"})["body"]
        {'a': 1}
    """
    named = {text(k): v for k, v in fields.items()}
    ident = text(entry_id)
    record: dict[str, Any] = {"key": key, "id": ident}
    if BODY in named:
        content_type = text(named.pop(TYPE, b"")) or None
        record["body"] = decoder(named.pop(BODY), content_type)
        record["content_type"] = content_type
        record["message_key"] = text(named.pop(KEY)) if KEY in named else None
        record["headers"] = {k: text(v) for k, v in named.items()}
    else:
        record["body"] = {k: decoder(v, None) for k, v in named.items()}
        record["content_type"] = None
        record["message_key"] = None
        record["headers"] = {}
    record["timestamp"] = id_time(ident)
    return record


def stream_event(source: str, key: str, entry_id: Any, fields: Any) -> Event:
    """A stream entry as an event: its id is the entry id; its data JSON-ready.

    Example:
        >>> stream_event("cache.stream", "s", b"1700000000000-0", {b"raw": b"\\xff"}).data
        {'raw': {'content_type': 'application/octet-stream', 'base64': '/w=='}}
    """
    record = stream_record(key, entry_id, fields, body_data)
    return Event(
        source=source,
        id=record["id"],
        type="redis.stream",
        time=record["timestamp"] or datetime.now(UTC),
        subject=key,
        data=record["body"],
        headers=record["headers"],
    )


def list_record(key: str, item: Any) -> dict[str, Any]:
    """One list item as a record (lists hold bare values: JSON when it parses, else text)."""
    return {"key": key, "body": decode(item, None)}


def id_time(entry_id: str) -> datetime | None:
    """When a stream entry was added, from its id (``<milliseconds>-<sequence>``)."""
    millis = entry_id.split("-", 1)[0]
    return datetime.fromtimestamp(int(millis) / 1000, UTC) if millis.isdigit() else None
