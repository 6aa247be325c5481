"""The nats connector: core publish and request/reply, JetStream acks, a subject trigger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from workbench.connectors.nats.config import NatsConfig
from workbench.connectors.nats.consumers import Start, SubjectConsumer
from workbench.connectors.nats.records import outgoing, record
from workbench.connectors.nats.streams import NatsStreams
from workbench.sdk import Result, action, require, trigger
from workbench.sdk.errors import ActionError
from workbench.sdk.messaging import follow, keyed, published
from workbench.sdk.trigger import Yielded

if TYPE_CHECKING:
    from nats.aio.client import Client


class Nats(NatsStreams):
    """NATS (nats-py): publish (with JetStream acks on stream subjects), request/reply, streams.

    Example:
        >>> from workbench.connectors.nats import Nats, NatsConfig
        >>> with Nats(NatsConfig(host="127.0.0.1"), connection="bus") as bus:
        ...     _ = bus.add_stream("WB_DOCTEST", ["wb-doctest.>"])
        ...     bus.publish("wb-doctest.orders", {"order": 42}).data[0]["seq"]
        ...     bus.peek("WB_DOCTEST").data[0]["body"]
        ...     bus.stats("WB_DOCTEST").data["messages"]
        ...     bus.delete_stream("WB_DOCTEST").data
        1
        {'order': 42}
        1
        True
    """

    name = "nats"
    title = "NATS"
    service = "NATS"
    peer = "server"
    auth_kinds = ("none", "password", "token")
    config_model = NatsConfig
    config: NatsConfig

    def auth_hint(self) -> str:
        return "wrong user, password or token"

    def is_unreachable(self, exc: BaseException) -> bool:
        return isinstance(exc, OSError) or type(exc).__name__ == "NoServersError"

    async def open_driver(self) -> Client:
        nats = require("nats", "nats")
        errors: list[BaseException] = []

        async def remember(exc: Exception) -> None:
            errors.append(exc)

        try:
            nc: Client = await nats.connect(
                self.config.server,
                connect_timeout=max(1, round(self.config.timeout / 2)),  # tried twice
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0,
                error_cb=remember,
                name=f"workbench {self.connection}",
                **self.config.options(),
            )
        except Exception as exc:
            raise self.failure(errors[-1] if errors else exc) from None
        return nc

    async def _client(self) -> Client:
        client: Client = await self.driver()
        return client

    def check(self) -> str:
        """Connect and report the server: ``NATS 2.10.7 at nats://host:4222 (JetStream)``."""

        async def version() -> str:
            nc = await self._client()
            jetstream = " (JetStream)" if nc._server_info.get("jetstream") else ""
            return f"NATS {nc.connected_server_version} at {self.config.server}{jetstream}"

        return self._run(version())

    @action
    def publish(
        self,
        destination: str,
        payload: Any,
        headers: dict[str, str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Publish messages to a subject; on a stream's subject, wait for each JetStream ack.

        Each message carries a ``Nats-Msg-Id`` (``key``, else a fresh id), which JetStream
        uses to drop repeats; rows of a DataFrame get ``key-0``, ``key-1``, ...

        Args:
            destination: the subject
            payload: bytes, str, JSON data, or a DataFrame (one message per row)
            headers: NATS headers of each message
            key: the message id (JetStream de-duplicates on it)
        """
        messages = [outgoing(m, headers, ident) for m, ident in keyed(payload, key)]

        async def send() -> list[dict[str, Any]]:
            nc = await self._client()
            stream = await self._stream_of(nc, destination)
            js = nc.jetstream(timeout=self.config.timeout)
            sent = []
            for body, hdrs in messages:
                entry: dict[str, Any] = {
                    "subject": destination,
                    "id": hdrs["Nats-Msg-Id"],
                    "stream": stream,
                }
                if stream is None:
                    await nc.publish(destination, body, headers=hdrs)
                    entry.update(seq=None, duplicate=False, acked=False)
                else:
                    ack = await js.publish(destination, body, headers=hdrs)
                    entry.update(seq=ack.seq, duplicate=bool(ack.duplicate), acked=True)
                sent.append(entry)
            if stream is None:
                await nc.flush(timeout=max(1, round(self.config.timeout)))
            return sent

        return published(self._run(send()), subject=destination)

    async def _stream_of(self, nc: Client, subject: str) -> str | None:
        """The stream that stores ``subject``, or None (also when JetStream is off)."""
        try:
            return str(
                await nc.jsm(timeout=self.config.timeout).find_stream_name_by_subject(subject)
            )
        except Exception:
            return None

    @action
    def request(
        self,
        subject: str,
        payload: Any = b"",
        headers: dict[str, str] | None = None,
        timeout: float = 2.0,
    ) -> Result:
        """Send a request and wait for the first reply.

        Args:
            subject: the subject a responder listens on
            payload: bytes, str or JSON data
            headers: NATS headers of the request
            timeout: seconds to wait for the reply
        """
        body, hdrs = outgoing(payload, headers, None)

        async def ask() -> dict[str, Any]:
            errors = require("nats.errors", "nats")
            nc = await self._client()
            try:
                reply = await nc.request(subject, body, timeout=timeout, headers=hdrs)
            except errors.NoRespondersError:
                raise ActionError(
                    f"{self.connection}.request: no responder on {subject!r}"
                ) from None
            except errors.TimeoutError:
                raise ActionError(
                    f"{self.connection}.request: no reply on {subject!r} within {timeout:g} s"
                ) from None
            return record(reply.subject, reply.data, reply.headers)

        return Result(self._run(ask(), wait=timeout))

    @trigger
    def messages(
        self,
        subject: str,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
        durable: str | None = None,
        start: Start = "new",
        ack_wait: float = 30.0,
        queue: str = "",
    ) -> Iterator[Yielded]:
        """Messages on a subject (wildcards allowed), as events; durable on a stream's subject.

        When a JetStream stream stores the subject, a durable pull consumer reads it: a
        message is acknowledged once its event is stored, and one that was not is
        delivered again (at once after a stop, ``ack_wait`` seconds after a crash), with
        the same event id ``stream:sequence``. Otherwise the subject is heard live (core
        NATS): the id is the ``Nats-Msg-Id``, else a sha256 of the message. ``start`` and
        ``ack_wait`` apply when the durable consumer is created.

        Args:
            subject: the subject, such as ``orders.>``
            max_events: stop after this many events (None: no limit)
            timeout: stop when no message arrives for this many seconds (None: never)
            durable: the durable consumer's name (default: from the connection and subject)
            start: where a new durable consumer begins: new messages, or all stored ones
            ack_wait: seconds until a message taken and never acknowledged is delivered again
            queue: live subjects only: a queue group, to share messages with other subscribers
        """
        yield from follow(
            SubjectConsumer(
                self, subject, durable=durable, start=start, queue=queue, ack_wait=ack_wait
            ),
            max_events=max_events,
            timeout=timeout,
        )
