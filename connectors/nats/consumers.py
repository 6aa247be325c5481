"""Trigger sources of the nats connector: a JetStream durable consumer, or a live subscription.

When a stream stores the subject, the trigger reads it through a durable pull consumer:
the server remembers what was acknowledged, a message is acknowledged only once its event
is stored, and what was not is delivered again: at once when the trigger stops (a NAK),
after ``ack_wait`` seconds when its process died. The event id is ``stream:sequence``, the
same on every delivery. A subject no stream stores is heard live over core NATS, with no
memory: messages published while nobody listens are gone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from workbench.connectors.nats.records import event, record
from workbench.sdk import Event, require
from workbench.sdk.errors import ActionArgumentError
from workbench.sdk.messaging import derived_id, take_async

if TYPE_CHECKING:
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

    from workbench.connectors.nats.connector import Nats

Start = Literal["new", "all"]

FETCH_GRACE = 2.0
"""Seconds a fetch may run past its timeout before it is given up as empty."""


def durable_name(connection: str, subject: str) -> str:
    """The durable consumer a connection's trigger on ``subject`` uses unless told otherwise.

    Example:
        >>> durable_name("bus", "orders.>")
        'workbench_bus_orders_8628b38dd3'
    """
    readable = re.sub(r"[^A-Za-z0-9_-]+", "_", f"{connection}_{subject}").strip("_")[:40]
    return f"workbench_{readable}_{derived_id(connection, subject)[:10]}"


class SubjectConsumer:
    """The source of the ``messages`` trigger, read by :func:`~workbench.messaging.follow`.

    Example:
        >>> from workbench.sdk.messaging import follow
        >>> from workbench.connectors.nats import Nats, NatsConfig
        >>> with Nats(NatsConfig(host="127.0.0.1"), connection="bus") as bus:
        ...     _ = bus.add_stream("WB_DOCTEST_CONSUMER", ["wb-doctest-consumer.>"])
        ...     _ = bus.publish("wb-doctest-consumer.a", {"n": 1})
        ...     source = SubjectConsumer(bus, "wb-doctest-consumer.>", durable=None,
        ...                              start="all", queue="", ack_wait=30)
        ...     [e.id for e in follow(source, max_events=1, timeout=2)]
        ...     bus.delete_stream("WB_DOCTEST_CONSUMER").data
        ['WB_DOCTEST_CONSUMER:1']
        True
    """

    def __init__(
        self,
        bus: Nats,
        subject: str,
        *,
        durable: str | None,
        start: Start,
        queue: str,
        ack_wait: float,
    ) -> None:
        self.bus, self.subject, self.queue = bus, subject, queue
        self.durable = durable or durable_name(bus.connection, subject)
        self.start, self.ack_wait = start, ack_wait
        self.source = f"{bus.connection}.messages"
        if ack_wait <= 0:
            raise ActionArgumentError(f"{self.source}: ack_wait must be more than 0 seconds")
        self.stream: str | None = None
        self._pull: Any = None  # a JetStream pull subscription
        self._live: Subscription | None = None
        self._inbox: asyncio.Queue[Msg] = asyncio.Queue()
        self._unacked: Sequence[Msg] = ()

    def open(self) -> None:
        self.bus._run(self._subscribe())

    async def _subscribe(self) -> None:
        nc = await self.bus._client()
        self.stream = await self.bus._stream_of(nc, self.subject)
        if self.stream is None:
            self._live = await nc.subscribe(self.subject, queue=self.queue, cb=self._inbox.put)
            await nc.flush()
            return
        api = require("nats.js.api", "nats")
        js_errors = require("nats.js.errors", "nats")
        jsm = nc.jsm(timeout=self.bus.config.timeout)
        try:
            await jsm.consumer_info(self.stream, self.durable)
        except js_errors.NotFoundError:
            policy = api.DeliverPolicy.NEW if self.start == "new" else api.DeliverPolicy.ALL
            config = api.ConsumerConfig(
                durable_name=self.durable,
                filter_subject=self.subject,
                ack_policy=api.AckPolicy.EXPLICIT,
                deliver_policy=policy,
                ack_wait=self.ack_wait,
            )
            await jsm.add_consumer(self.stream, config)
        js = nc.jetstream(timeout=self.bus.config.timeout)
        self._pull = await js.pull_subscribe_bind(self.durable, stream=self.stream)

    def receive(self, wait: float, limit: int) -> Sequence[Msg]:
        if self._pull is None:
            return self.bus._run(take_async(self._inbox, wait, limit), wait=wait)
        self._unacked = self.bus._run(self._fetch(wait, limit), wait=wait)
        return self._unacked

    async def _fetch(self, wait: float, limit: int) -> list[Msg]:
        """What the consumer delivers within ``wait`` seconds, or [] once that (and a grace) passed.

        nats-py's ``fetch`` can outlast its own timeout (a pull request left over on the
        server takes the next delivery), so the wait is bounded here too: a message a fetch
        cut short had taken is delivered again after ``ack_wait``, never lost.
        """
        timeout = max(wait, 0.05)
        try:
            found: list[Msg] = await asyncio.wait_for(
                self._pull.fetch(limit, timeout=timeout), timeout + FETCH_GRACE
            )
        except TimeoutError:  # nats.errors.TimeoutError is one too
            return []
        return found

    def event(self, message: Msg) -> Event:
        if self._pull is None:
            data = record(message.subject, message.data, message.headers)
            ident = data["id"] or derived_id(message.subject, message.headers, message.data)
            return event(self.source, ident, data, message.data)
        meta = message.metadata
        data = record(
            message.subject,
            message.data,
            message.headers,
            stream=meta.stream,
            seq=meta.sequence.stream,
            time=meta.timestamp,
        )
        return event(self.source, f"{meta.stream}:{meta.sequence.stream}", data, message.data)

    def acknowledge(self, messages: Sequence[Msg]) -> None:
        if self._pull is not None:
            self.bus._run(self._settle(messages, accept=True))
            self._unacked = ()

    async def _settle(self, messages: Sequence[Msg], *, accept: bool) -> None:
        for message in messages:
            await (message.ack() if accept else message.nak())
        await (await self.bus._client()).flush(timeout=max(1, round(self.bus.config.timeout)))

    def close(self) -> None:
        self.bus._finish(self._stop)

    async def _stop(self) -> None:
        unacked, self._unacked = self._unacked, ()
        if self._pull is not None:
            if unacked:
                await self._settle(unacked, accept=False)  # delivered again at once
            await self._pull.unsubscribe()
        elif self._live is not None:
            await self._live.unsubscribe()
        self._pull = self._live = None
