"""Kafka records: what ``publish`` sends, and consumer records as message records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from workbench.sdk.payloads import decode, encode, split

if TYPE_CHECKING:
    from aiokafka.structs import ConsumerRecord  # type: ignore[import-untyped]

CONTENT_TYPE = "content-type"


class Outgoing(NamedTuple):
    """One record to send: value, key and headers as Kafka wants them (bytes)."""

    value: bytes
    key: bytes | None
    headers: list[tuple[str, bytes]]


def outgoing(payload: Any, headers: dict[str, str] | None, key: str | None) -> list[Outgoing]:
    """The records a payload becomes: one per DataFrame row, each with a content-type header.

    Every record of one call shares ``key`` (so they land on one partition, in order).

    Example:
        >>> outgoing({"order": 42}, {"source": "shop"}, "c-7")  # doctest: +ELLIPSIS
        [Outgoing(value=b'{"order": 42}', key=b'c-7', headers=[...])]
    """
    extra = [(name, str(value).encode("utf-8")) for name, value in (headers or {}).items()]
    out = []
    for item in split(payload):
        body, content_type = encode(item)
        out.append(
            Outgoing(
                body,
                None if key is None else key.encode("utf-8"),
                [(CONTENT_TYPE, content_type.encode()), *extra],
            )
        )
    return out


def record(message: ConsumerRecord[bytes, bytes]) -> dict[str, Any]:
    """A consumer record as a message record: position, key, decoded body, headers, time."""
    headers = {k: v.decode("utf-8", "backslashreplace") for k, v in message.headers or ()}
    content_type = headers.pop(CONTENT_TYPE, None)
    return {
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "key": None if message.key is None else message.key.decode("utf-8", "backslashreplace"),
        "body": decode(message.value or b"", content_type),
        "content_type": content_type,
        "headers": headers,
        "timestamp": datetime.fromtimestamp(message.timestamp / 1000, UTC),
    }
