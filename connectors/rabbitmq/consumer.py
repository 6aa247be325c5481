"""A queue consumer as a trigger source: manual acks after the events are stored.

The broker sends up to ``prefetch`` unacknowledged messages ahead; they are yielded as one
batch when several are there, and acknowledged together (``multiple=True``) when the reader
resumes. Closing the channel gives every unacknowledged message back to the queue, marked
redelivered, with the same event id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.connectors.rabbitmq.records import event
from workbench.sdk import Event, redact, require
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.messaging import take_async

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

    from workbench.connectors.rabbitmq.connector import Rabbitmq


class QueueConsumer:
    """A consumer on one queue, read by :func:`~workbench.messaging.follow`.

    Example:
        >>> from workbench.sdk.messaging import follow
        >>> from workbench.connectors.rabbitmq import Rabbitmq, RabbitmqConfig
        >>> with Rabbitmq(RabbitmqConfig(host="127.0.0.1"), connection="mq") as mq:
        ...     _ = mq.declare_queue("wb-doctest-consumer", durable=False)
        ...     _ = mq.publish("wb-doctest-consumer", "hello")
        ...     reader = follow(QueueConsumer(mq, "wb-doctest-consumer", 10),
        ...                     max_events=1, timeout=2)
        ...     [e.data for e in reader]
        ...     mq.delete_queue("wb-doctest-consumer").data
        ['hello']
        0
    """

    def __init__(self, broker: Rabbitmq, queue: str, prefetch: int) -> None:
        self.broker, self.queue, self.prefetch = broker, queue, prefetch
        self.source = f"{broker.connection}.messages"
        if prefetch < 1:
            raise ActionArgumentError(f"{self.source}: prefetch must be 1 or more")
        self._inbox: asyncio.Queue[AbstractIncomingMessage] | None = None
        self._channel: AbstractChannel | None = None
        self._consumer: tuple[AbstractQueue, str] | None = None

    def open(self) -> None:
        self.broker._run(self._start())

    async def _start(self) -> None:
        aiormq = require("aiormq", "rabbitmq")
        inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._inbox = inbox
        self._channel = channel = await (await self.broker.driver()).channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        try:
            target = await channel.get_queue(self.queue)
        except aiormq.exceptions.ChannelNotFoundEntity as exc:
            raise ActionError(redact(f"{self.source}: {exc.args[0]}")) from None
        self._consumer = (target, await target.consume(inbox.put, no_ack=False))

    def receive(self, wait: float, limit: int) -> list[AbstractIncomingMessage]:
        assert self._inbox is not None
        return self.broker._run(take_async(self._inbox, wait, limit), wait=wait)

    def event(self, message: AbstractIncomingMessage) -> Event:
        return event(self.source, message)

    def acknowledge(self, messages: Sequence[AbstractIncomingMessage]) -> None:
        self.broker._run(messages[-1].ack(multiple=len(messages) > 1))

    def close(self) -> None:
        self.broker._finish(self._stop)

    async def _stop(self) -> None:
        channel, self._channel = self._channel, None
        if channel is None or channel.is_closed:
            return
        if self._consumer is not None:
            target, tag = self._consumer
            await target.cancel(tag)
        await channel.close()  # unacknowledged messages go back to the queue
