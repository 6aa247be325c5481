"""The rabbitmq connector: publish with confirms, read queues, consume as a trigger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from workbench.connectors.rabbitmq.config import RabbitmqConfig
from workbench.connectors.rabbitmq.consumer import QueueConsumer
from workbench.connectors.rabbitmq.queues import RabbitmqQueues
from workbench.connectors.rabbitmq.records import outgoing, record
from workbench.sdk import Result, action, redact, require, trigger
from workbench.sdk.errors import ActionError
from workbench.sdk.messaging import follow, published
from workbench.sdk.payloads import split
from workbench.sdk.trigger import Yielded

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage


class Rabbitmq(RabbitmqQueues):
    """RabbitMQ (aio-pika): publish with publisher confirms, peek and get, queue stats.

    ``publish("orders", ...)`` sends to the queue ``orders`` through the default exchange;
    ``publish("events", ..., key="order.created")`` sends to the exchange ``events``.

    Example:
        >>> from workbench.connectors.rabbitmq import Rabbitmq, RabbitmqConfig
        >>> with Rabbitmq(RabbitmqConfig(host="127.0.0.1"), connection="mq") as mq:
        ...     _ = mq.declare_queue("wb-doctest-orders", durable=False)
        ...     mq.publish("wb-doctest-orders", {"order": 42}).data[0]["confirmed"]
        ...     mq.peek("wb-doctest-orders").data[0]["body"]
        ...     mq.stats("wb-doctest-orders").data["messages"]
        ...     mq.delete_queue("wb-doctest-orders").data
        True
        {'order': 42}
        1
        1
    """

    name = "rabbitmq"
    title = "RabbitMQ"
    service = "RabbitMQ"
    auth_kinds = ("password",)
    config_model = RabbitmqConfig
    config: RabbitmqConfig

    async def open_driver(self) -> AbstractConnection:
        aio_pika = require("aio_pika", "rabbitmq")
        connection: AbstractConnection = await aio_pika.connect(
            self.config.connect_url(), timeout=self.config.timeout
        )
        return connection

    def is_auth_failure(self, exc: BaseException) -> bool:
        aiormq = require("aiormq", "rabbitmq")
        return isinstance(exc, aiormq.exceptions.ProbableAuthenticationError)

    def auth_hint(self) -> str:
        user = self.config.username
        return f"user {user!r}: wrong user name or password, or no access to the vhost"

    @asynccontextmanager
    async def _channel(self, confirms: bool = False) -> AsyncIterator[AbstractChannel]:
        aiormq = require("aiormq", "rabbitmq")
        connection: AbstractConnection = await self.driver()
        try:
            async with connection.channel(
                publisher_confirms=confirms, on_return_raises=confirms
            ) as channel:
                yield channel
        except aiormq.exceptions.ChannelNotFoundEntity as exc:
            raise ActionError(redact(f"{self.connection}: {exc.args[0]}")) from None

    def check(self) -> str:
        """Connect and report the broker: ``RabbitMQ 3.12.1 at host:port vhost /``."""

        async def version() -> str:
            connection: AbstractConnection = await self.driver()
            props = connection.transport.connection.server_properties  # type: ignore[union-attr]
            return str(props.get("version", "?"))

        return f"RabbitMQ {self._run(version())} at {self.config.address}"

    @action
    def publish(
        self,
        destination: str,
        payload: Any,
        headers: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> Result:
        """Publish messages and wait for the broker's publisher confirms.

        Without ``key``, ``destination`` is a queue (sent through the default exchange);
        with ``key``, it is an exchange and ``key`` the routing key. A message no queue
        receives fails. A DataFrame publishes one message per row.

        Args:
            destination: a queue name, or an exchange name when key is given
            payload: bytes, str, JSON data, or a DataFrame (one message per row)
            headers: AMQP headers of each message
            key: the routing key (destination is then an exchange)
        """
        exchange, routing_key = ("", destination) if key is None else (destination, key)
        messages = [outgoing(m, headers) for m in split(payload)]

        async def send() -> list[dict[str, Any]]:
            pamqp = require("pamqp.commands", "rabbitmq")
            aio_pika = require("aio_pika", "rabbitmq")
            async with self._channel(confirms=True) as channel:
                target = (
                    await channel.get_exchange(exchange) if exchange else channel.default_exchange
                )
                try:
                    acks = await asyncio.gather(
                        *(target.publish(m, routing_key, mandatory=True) for m in messages)
                    )
                except aio_pika.exceptions.PublishError:
                    raise ActionError(
                        f"{self.connection}.publish: no queue receives routing key "
                        f"{routing_key!r} on exchange {exchange or '(default)'!r}; "
                        "declare and bind a queue first"
                    ) from None
            return [
                {
                    "id": m.message_id,
                    "exchange": exchange,
                    "routing_key": routing_key,
                    "confirmed": isinstance(ack, pamqp.Basic.Ack),
                }
                for m, ack in zip(messages, acks, strict=True)
            ]

        return published(self._run(send()), exchange=exchange)

    @action
    def peek(self, queue: str, count: int = 10) -> Result:
        """Read messages without consuming them (basic.get, then requeued).

        Peeked messages go back to the queue marked as redelivered.

        Args:
            queue: the queue name
            count: how many messages at most
        """
        return Result(self._run(self._read(queue, count, consume=False)))

    @action
    def get(self, queue: str, count: int = 1) -> Result:
        """Take messages off a queue (basic.get, then acknowledged).

        Args:
            queue: the queue name
            count: how many messages at most
        """
        return Result(self._run(self._read(queue, count, consume=True)))

    async def _read(self, queue: str, count: int, *, consume: bool) -> list[dict[str, Any]]:
        async with self._channel() as channel:
            source = await channel.get_queue(queue)
            messages: list[AbstractIncomingMessage] = []
            while len(messages) < count:
                message = await source.get(no_ack=False, fail=False)
                if message is None:
                    break
                messages.append(message)
            records = [record(queue, m) for m in messages]
            for message in messages:
                await (message.ack() if consume else message.reject(requeue=True))
        return records

    @trigger
    def messages(
        self,
        queue: str,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
        prefetch: int = 100,
    ) -> Iterator[Yielded]:
        """Consume a queue: messages become events, acknowledged once they are stored.

        Several messages already there come as one batch, acknowledged together when the
        reader asks for more. Whatever was not acknowledged when the trigger stops (or its
        process dies) goes back to the queue and is delivered again with the same event id:
        the message id, else a sha256 of the message's routing info, properties and body.

        Args:
            queue: the queue name
            max_events: stop after this many events (None: no limit)
            timeout: stop when no message arrives for this many seconds (None: never)
            prefetch: how many unacknowledged messages the broker sends ahead (a batch's most)
        """
        yield from follow(
            QueueConsumer(self, queue, prefetch),
            max_events=max_events,
            timeout=timeout,
            batch=prefetch,
        )
