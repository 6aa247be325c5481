"""The kafka connector (aiokafka): publish with broker acks, read topics, topic stats."""

from __future__ import annotations

import weakref
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from connectors.kafka.config import KafkaConfig
from connectors.kafka.records import outgoing, record
from workbench.errors import ConnectionFailedError
from workbench.sdk import Connector, Result, action, redact, require
from workbench.sdk.aio import BackgroundLoop

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]

T = TypeVar("T")


class Kafka(Connector):
    """Apache Kafka through the standard asyncio client, aiokafka.

    There is no Kafka broker on the development machine, so this connector is tested
    only where that is honest: settings, record encoding, the missing-driver hint and
    the failure of ``check()`` against a closed port.

    Example:
        >>> from connectors.kafka import Kafka, KafkaConfig
        >>> events = Kafka(KafkaConfig(bootstrap_servers="127.0.0.1:9092"), connection="events")
        >>> sorted(events.action_specs)
        ['get', 'peek', 'publish', 'stats']
        >>> events.publish("orders", {"order": 42}, key="customer-7")  # doctest: +SKIP
        >>> events.close()
    """

    name = "kafka"
    title = "Kafka"
    category = "messaging"
    auth_kinds = ("none", "sasl")
    config_model = KafkaConfig
    config: KafkaConfig

    def __init__(self, config: KafkaConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._loop = BackgroundLoop(f"kafka-{self.connection}")
        self._producer: AIOKafkaProducer | None = None
        weakref.finalize(self, self._loop.close)

    def _run(self, coro: Coroutine[Any, Any, T], wait: float = 0.0) -> T:
        return self._loop.run(coro, timeout=wait + self.config.timeout * 4)

    def _failure(self, exc: BaseException) -> ConnectionFailedError:
        where = f"{self.connection}: Kafka at {self.config.bootstrap_servers}"
        text = str(exc)
        if "sasl" in text.lower() or "authentication" in text.lower():
            reason = f"authentication failed ({text})"
        elif "bootstrap" in text.lower() or isinstance(exc, OSError):
            reason = f"cannot reach the brokers ({text})"
        else:
            reason = f"{type(exc).__name__}: {text}"
        return ConnectionFailedError(redact(f"{where}: {reason}"))

    async def _started(self, client: T) -> T:
        try:
            await client.start()  # type: ignore[attr-defined]
        except Exception as exc:
            await client.stop()  # type: ignore[attr-defined]
            raise self._failure(exc) from None
        return client

    async def _producer_started(self) -> AIOKafkaProducer:
        if self._producer is None:
            aiokafka = require("aiokafka", "kafka")
            producer = aiokafka.AIOKafkaProducer(acks="all", **self.config.options())
            self._producer = await self._started(producer)
        return self._producer

    async def _consumer(self, *topics: str, group: str | None = None) -> AIOKafkaConsumer:
        aiokafka = require("aiokafka", "kafka")
        consumer = aiokafka.AIOKafkaConsumer(
            *topics,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self.config.options(),
        )
        return await self._started(consumer)

    def close(self) -> None:
        if self._producer is not None and self._loop.running:
            self._run(self._producer.stop())
        self._producer = None
        self._loop.close()

    def check(self) -> str:
        """Connect and report the cluster: ``Kafka 2.4 at host:9092 (3 brokers)``."""

        async def describe() -> str:
            producer = await self._producer_started()
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
            producer = await self._producer_started()
            sent = []
            for r in records:
                meta = await producer.send_and_wait(
                    destination, r.value, key=r.key, headers=r.headers
                )
                sent.append(
                    {"topic": destination, "partition": meta.partition, "offset": meta.offset}
                )
            return sent

        sent = self._run(send())
        return Result(sent, raw={"published": len(sent), "topic": destination})

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
        consumer = await self._consumer(topic, group=group)
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
