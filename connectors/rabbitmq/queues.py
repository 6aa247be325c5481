"""Queue actions of the rabbitmq connector: depth and consumers, declare, delete."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from workbench.sdk import action
from workbench.sdk.messaging import BrokerConnector

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel


class RabbitmqQueues(BrokerConnector):
    """Queue management actions, mixed into the Rabbitmq connector."""

    def _channel(self, confirms: bool = False) -> AbstractAsyncContextManager[AbstractChannel]:
        raise NotImplementedError

    @action
    def stats(self, queue: str) -> dict[str, Any]:
        """How many messages are ready in a queue and how many consumers it has.

        Args:
            queue: the queue name
        """

        async def declare() -> dict[str, Any]:
            async with self._channel() as channel:
                ok = (await channel.declare_queue(queue, passive=True)).declaration_result
            return {"queue": queue, "messages": ok.message_count, "consumers": ok.consumer_count}

        return self._run(declare())

    @action
    def declare_queue(
        self,
        queue: str,
        durable: bool = True,
        exchange: str | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Create a queue (if missing) and optionally bind it to an exchange.

        Args:
            queue: the queue name
            durable: keep the queue across broker restarts
            exchange: an existing exchange to bind the queue to
            key: the binding's routing key (defaults to the queue name)
        """

        async def declare() -> dict[str, Any]:
            async with self._channel() as channel:
                created = await channel.declare_queue(queue, durable=durable)
                if exchange:
                    await created.bind(exchange, routing_key=key or queue)
                ok = created.declaration_result
            return {"queue": queue, "messages": ok.message_count, "consumers": ok.consumer_count}

        return self._run(declare())

    @action
    def delete_queue(self, queue: str) -> int:
        """Delete a queue and the messages in it; return how many messages it held.

        Args:
            queue: the queue name
        """

        async def delete() -> int:
            async with self._channel() as channel:
                ok = await channel.queue_delete(queue)
            return int(ok.message_count or 0)

        return self._run(delete())
