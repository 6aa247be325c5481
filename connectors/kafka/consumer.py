"""A consumer group member as a trigger source: offsets committed once the events are stored.

The consumer joins ``group`` with auto-commit off. What one poll returns is yielded as one
batch; when the reader resumes, the offsets after the batch are committed, partition by
partition. A member that stops or dies without committing leaves those records to be read
again by whichever member gets the partition. The event id is ``topic:partition:offset``,
the same on every delivery.

There is no Kafka broker on the development machine: the pieces here that need none
(options, events, offsets to commit) are tested; reading a real topic is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from workbench.connectors.kafka.records import record
from workbench.sdk import Event, require
from workbench.sdk.messaging import body_data

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]
    from aiokafka.structs import ConsumerRecord, TopicPartition  # type: ignore[import-untyped]

    from workbench.connectors.kafka.connector import Kafka

Start = Literal["new", "all"]
Record = Any  # aiokafka's ConsumerRecord[bytes, bytes]


def group_options(group: str, start: Start) -> dict[str, Any]:
    """Options of a trigger's consumer: the group, no auto-commit, where a new group starts.

    Example:
        >>> group_options("billing", "all")
        {'group_id': 'billing', 'enable_auto_commit': False, 'auto_offset_reset': 'earliest'}
    """
    reset = "latest" if start == "new" else "earliest"
    return {"group_id": group, "enable_auto_commit": False, "auto_offset_reset": reset}


def offsets_to_commit(records: Sequence[ConsumerRecord[bytes, bytes]]) -> dict[Any, int]:
    """The offset to commit for each partition: the one after its last record.

    Example:
        >>> from aiokafka.structs import ConsumerRecord
        >>> def at(partition, offset):
        ...     return ConsumerRecord("t", partition, offset, 0, 0, None, b"", None, 0, 0, [])
        >>> offsets = offsets_to_commit([at(0, 4), at(1, 9), at(0, 5)])
        >>> sorted((tp.partition, offset) for tp, offset in offsets.items())
        [(0, 6), (1, 10)]
    """
    structs = require("aiokafka.structs", "kafka")
    offsets: dict[TopicPartition, int] = {}
    for r in records:
        tp = structs.TopicPartition(r.topic, r.partition)
        offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
    return offsets


def record_event(source: str, message: ConsumerRecord[bytes, bytes]) -> Event:
    """A consumer record as an event: id ``topic:partition:offset``, data JSON-ready.

    Example:
        >>> from aiokafka.structs import ConsumerRecord
        >>> r = ConsumerRecord("orders", 2, 17, 1700000000000, 0, b"c-7", b'{"order": 42}',
        ...                    None, 3, 13, [("content-type", b"application/json")])
        >>> e = record_event("events.messages", r)
        >>> e.id, e.data, e.headers["key"]
        ('orders:2:17', {'order': 42}, 'c-7')
    """
    data = record(message)
    headers = dict(data["headers"])
    if data["key"] is not None:
        headers["key"] = data["key"]
    return Event(
        source=source,
        id=f"{message.topic}:{message.partition}:{message.offset}",
        type="kafka.record",
        time=data["timestamp"],
        subject=message.topic,
        data=body_data(message.value or b"", data["content_type"]),
        headers=headers,
    )


class TopicConsumer:
    """A member of a consumer group on one topic, read by :func:`~workbench.messaging.follow`.

    Example:
        >>> from workbench.connectors.kafka import Kafka
        >>> TopicConsumer(Kafka(connection="events"), "orders", "billing", "new").source
        'events.messages'
    """

    def __init__(self, kafka: Kafka, topic: str, group: str, start: Start) -> None:
        self.kafka, self.topic, self.group, self.start = kafka, topic, group, start
        self.source = f"{kafka.connection}.messages"
        self._consumer: AIOKafkaConsumer | None = None

    def open(self) -> None:
        options = group_options(self.group, self.start)
        self._consumer = self.kafka._run(self.kafka._consumer(self.topic, **options))

    def receive(self, wait: float, limit: int) -> list[Record]:
        assert self._consumer is not None
        poll = self._consumer.getmany(timeout_ms=int(wait * 1000), max_records=limit)
        batches = self.kafka._run(poll, wait=wait)
        return [r for records in batches.values() for r in records]

    def event(self, message: Record) -> Event:
        return record_event(self.source, message)

    def acknowledge(self, messages: Sequence[Record]) -> None:
        assert self._consumer is not None
        self.kafka._run(self._consumer.commit(offsets_to_commit(messages)))

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            self.kafka._finish(consumer.stop)  # nothing more is committed
