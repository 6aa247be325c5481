"""The rabbitmq connector: publish with confirms, read queues, consume as a trigger."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from connectors.rabbitmq.config import RabbitmqConfig
from connectors.rabbitmq.queues import RabbitmqQueues
from connectors.rabbitmq.records import event, outgoing, record
from workbench.errors import ActionError, ConnectionFailedError
from workbench.sdk import Event, Result, action, redact, require, trigger
from workbench.sdk.aio import BackgroundLoop
from workbench.sdk.payloads import split

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

T = TypeVar("T")


class Rabbitmq(RabbitmqQueues):
    """RabbitMQ (aio-pika): publish with publisher confirms, peek and get, queue stats.

    ``publish("orders", ...)`` sends to the queue ``orders`` through the default exchange;
    ``publish("events", ..., key="order.created")`` sends to the exchange ``events``.

    Example:
        >>> from connectors.rabbitmq import Rabbitmq, RabbitmqConfig
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
    category = "messaging"
    auth_kinds = ("password",)
    config_model = RabbitmqConfig
    config: RabbitmqConfig

    def __init__(self, config: RabbitmqConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._loop = BackgroundLoop(f"rabbitmq-{self.connection}")
        self._amqp: AbstractConnection | None = None
        self._connecting = asyncio.Lock()  # binds to the private loop on first use
        weakref.finalize(self, self._loop.close)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run(coro, timeout=self.config.timeout * 4)

    async def _connection(self) -> AbstractConnection:
        async with self._connecting:
            if self._amqp is None or self._amqp.is_closed:
                aio_pika = require("aio_pika", "rabbitmq")
                try:
                    self._amqp = await aio_pika.connect(
                        self.config.connect_url(), timeout=self.config.timeout
                    )
                except Exception as exc:
                    raise self._failure(exc) from None
            return self._amqp

    @asynccontextmanager
    async def _channel(self, confirms: bool = False) -> AsyncIterator[AbstractChannel]:
        aiormq = require("aiormq", "rabbitmq")
        connection = await self._connection()
        try:
            async with connection.channel(
                publisher_confirms=confirms, on_return_raises=confirms
            ) as channel:
                yield channel
        except aiormq.exceptions.ChannelNotFoundEntity as exc:
            raise ActionError(redact(f"{self.connection}: {exc.args[0]}")) from None

    def close(self) -> None:
        if self._amqp is not None and self._loop.running:
            self._run(self._amqp.close())
        self._amqp = None
        self._loop.close()
        self._connecting = asyncio.Lock()  # the next use starts a new loop

    def check(self) -> str:
        """Connect and report the broker: ``RabbitMQ 3.12.1 at host:port vhost /``."""

        async def version() -> str:
            connection = await self._connection()
            props = connection.transport.connection.server_properties  # type: ignore[union-attr]
            return str(props.get("version", "?"))

        return f"RabbitMQ {self._run(version())} at {self.config.address}"

    def _failure(self, exc: BaseException) -> ConnectionFailedError:
        aiormq = require("aiormq", "rabbitmq")
        where = f"{self.connection}: RabbitMQ at {self.config.address}"
        if isinstance(exc, aiormq.exceptions.ProbableAuthenticationError):
            reason = f"authentication failed for user {self.config.username!r}"
            reason += " (wrong user name or password, or no access to the vhost)"
        elif isinstance(exc, asyncio.TimeoutError):
            reason = f"no answer within {self.config.timeout:g} s"
        elif isinstance(exc, OSError):
            reason = f"cannot reach the broker ({exc})"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return ConnectionFailedError(redact(f"{where}: {reason}"))

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

        sent = self._run(send())
        return Result(sent, raw={"published": len(sent), "exchange": exchange})

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
        self, queue: str, max_events: int = 100, timeout: float = 10.0, prefetch: int = 10
    ) -> Iterator[Event]:
        """Consume a queue: each message is an event, acknowledged when the next is asked for.

        A message whose event was not handled (the consumer stopped) goes back to the queue.

        Args:
            queue: the queue name
            max_events: stop after this many events
            timeout: stop when no message arrives for this many seconds
            prefetch: how many unacknowledged messages the broker sends ahead
        """
        source = f"{self.connection}.messages"
        state: dict[str, Any] = {}

        async def start() -> asyncio.Queue[AbstractIncomingMessage]:
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            channel = await (await self._connection()).channel()
            state["channel"] = channel
            await channel.set_qos(prefetch_count=prefetch)
            target = await channel.get_queue(queue)
            state["tag"] = await target.consume(inbox.put, no_ack=False)
            state["queue"] = target
            return inbox

        async def stop() -> None:
            channel = state.get("channel")
            if channel is None or channel.is_closed:
                return
            if "tag" in state:
                await state["queue"].cancel(state["tag"])
            await channel.close()  # unacknowledged messages go back to the queue

        try:
            inbox = self._run(start())
            delivered = 0
            while delivered < max_events:
                wait = asyncio.wait_for(inbox.get(), timeout)
                try:
                    message = self._loop.run(wait, timeout=timeout + self.config.timeout)
                except TimeoutError:
                    return
                delivered += 1
                yield event(source, queue, message)
                self._run(message.ack())
        finally:
            if self._loop.running:
                self._run(stop())
