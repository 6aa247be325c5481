"""The kafka connector (aiokafka): publish with broker acks, read topics, topic stats."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from workbench.connectors.kafka.config import KafkaConfig
from workbench.connectors.kafka.consumer import Start, TopicConsumer
from workbench.connectors.kafka.records import outgoing, record
from workbench.sdk import Result, action, require, trigger
from workbench.sdk.messaging import BrokerConnector, follow, published
from workbench.sdk.trigger import Yielded

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]

T = TypeVar("T")


class Kafka(BrokerConnector):
    """Apache Kafka through the standard asyncio client, aiokafka.

    There is no Kafka broker on the development machine, so this connector is tested
    only where that is honest: settings, record encoding, the trigger's consumer options,
    events and offsets, the missing-driver hint and the failure against a closed port.

    Example:
        >>> from workbench.connectors.kafka import Kafka, KafkaConfig
        >>> events = Kafka(KafkaConfig(bootstrap_servers="127.0.0.1:9092"), connection="events")
        >>> sorted(events.action_specs), sorted(events.trigger_specs)
        (['get', 'peek', 'publish', 'stats'], ['messages'])
        >>> events.publish("orders", {"order": 42}, key="customer-7")  # doctest: +SKIP
        >>> events.close()
    """

    name = "kafka"
    title = "Kafka"
    service = "Kafka"
    peer = "brokers"
    auth_kinds = ("none", "sasl")
    config_model = KafkaConfig
    config: KafkaConfig

    def auth_hint(self) -> str:
        return f"SASL {self.config.sasl_mechanism}: wrong user name or password"

    def is_unreachable(self, exc: BaseException) -> bool:
        return "bootstrap" in str(exc).lower() or isinstance(exc, OSError)

    async def _started(self, client: T) -> T:
        try:
            await client.start()  # type: ignore[attr-defined]
        except Exception as exc:
            await client.stop()  # type: ignore[attr-defined]
            raise self.failure(exc) from None
        return client

    async def open_driver(self) -> AIOKafkaProducer:
        aiokafka = require("aiokafka", "kafka")
        producer = aiokafka.AIOKafkaProducer(acks="all", **self.config.options())
        return await self._started(producer)

    async def close_driver(self, driver: AIOKafkaProducer) -> None:
        await driver.stop()

    def driver_closed(self, driver: AIOKafkaProducer) -> bool:
        return bool(getattr(driver, "_closed", False))

    async def _consumer(self, *topics: str, **options: Any) -> AIOKafkaConsumer:
        aiokafka = require("aiokafka", "kafka")
        settings = {"enable_auto_commit": False, "auto_offset_reset": "earliest", **options}
        consumer = aiokafka.AIOKafkaConsumer(*topics, **settings, **self.config.options())
        return await self._started(consumer)

    def check(self) -> str:
        """Connect and report the cluster: ``Kafka 2.4 at host:9092 (3 brokers)``."""

        async def describe() -> str:
            producer = await self.driver()
            client = producer.client
            brokers = len(client.cluster.brokers())
            version = ".".join(str(v) for v in client.api_version)
            return f"Kafka {version} at {self.config.bootstrap_servers} ({brokers} brokers)"

        return self._run(describe())

    @action
    def publish(
        self,
        destination: str,
        payload: Any,
        headers: dict[str, str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Publish records to a topic and wait for the brokers' acks (acks=all).

        Args:
            destination: the topic
            payload: bytes, str, JSON data, or a DataFrame (one record per row)
            headers: record headers
            key: the record key (records with one key keep their order on one partition)
        """
        records = outgoing(payload, headers, key)

        async def send() -> list[dict[str, Any]]:
            producer = await self.driver()
            sent = []
            for r in records:
                meta = await producer.send_and_wait(
                    destination, r.value, key=r.key, headers=r.headers
                )
                sent.append(
                    {"topic": destination, "partition": meta.partition, "offset": meta.offset}
                )
            return sent

        return published(self._run(send()), topic=destination)

    @action
    def peek(self, topic: str, count: int = 10, timeout: float = 2.0) -> Result:
        """Read the oldest records of a topic without joining a group or committing offsets.

        Args:
            topic: the topic
            count: how many records at most
            timeout: seconds to wait for records
        """
        return Result(self._run(self._read(topic, count, timeout, None), wait=timeout))

    @action
    def get(
        self, topic: str, count: int = 1, group: str = "workbench", timeout: float = 5.0
    ) -> Result:
        """Take the next records for a consumer group and commit their offsets.

        Args:
            topic: the topic
            count: how many records at most
            group: the consumer group whose offsets advance
            timeout: seconds to wait for records
        """
        return Result(self._run(self._read(topic, count, timeout, group), wait=timeout))

    async def _read(
        self, topic: str, count: int, timeout: float, group: str | None
    ) -> list[dict[str, Any]]:
        consumer = await self._consumer(topic, group_id=group)
        try:
            batches = await consumer.getmany(timeout_ms=int(timeout * 1000), max_records=count)
            found = [record(m) for messages in batches.values() for m in messages]
            if group is not None and found:
                await consumer.commit()
        finally:
            await consumer.stop()
        return found

    @action
    def stats(self, topic: str) -> list[dict[str, Any]]:
        """Each partition's first and next offsets, and how many records it holds.

        Args:
            topic: the topic
        """

        async def offsets() -> list[dict[str, Any]]:
            structs = require("aiokafka.structs", "kafka")
            consumer = await self._consumer()
            try:
                partitions = sorted(await consumer.partitions_for_topic(topic) or ())
                tps = [structs.TopicPartition(topic, p) for p in partitions]
                first = await consumer.beginning_offsets(tps)
                end = await consumer.end_offsets(tps)
            finally:
                await consumer.stop()
            return [
                {
                    "topic": topic,
                    "partition": tp.partition,
                    "first_offset": first[tp],
                    "next_offset": end[tp],
                    "messages": end[tp] - first[tp],
                }
                for tp in tps
            ]

        return self._run(offsets())

    @trigger
    def messages(
        self,
        topic: str,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
        group: str = "workbench",
        start: Start = "new",
    ) -> Iterator[Yielded]:
        """Records of a topic, read by a member of a consumer group, as events.

        Auto-commit is off: the offsets after a batch are committed once its events are
        stored, so records a stopped or crashed member did not commit are read again,
        with the same event id ``topic:partition:offset``.

        Args:
            topic: the topic
            max_events: stop after this many events (None: no limit)
            timeout: stop when no record arrives for this many seconds (None: never)
            group: the consumer group whose committed offsets mark what was stored
            start: where a group with no committed offset begins: new records, or all
        """
        yield from follow(
            TopicConsumer(self, topic, group, start),
            max_events=max_events,
            timeout=timeout,
        )
