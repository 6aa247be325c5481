"""JetStream actions of the nats connector: read streams, their state, create and delete them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.connectors.nats.records import record
from workbench.sdk import Result, action, require
from workbench.sdk.errors import ActionError
from workbench.sdk.messaging import BrokerConnector

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js.api import RawStreamMsg

    from workbench.connectors.nats.config import NatsConfig


class NatsStreams(BrokerConnector):
    """JetStream actions, mixed into the Nats connector."""

    config: NatsConfig

    async def _client(self) -> Client:
        raise NotImplementedError

    def _missing(self, stream: str) -> ActionError:
        return ActionError(f"{self.connection}: no JetStream stream named {stream!r}")

    @action
    def peek(
        self, stream: str, seq: int | None = None, count: int = 10, last: str | None = None
    ) -> Result:
        """Read stored messages by sequence (or the last one of a subject); nothing is consumed.

        Args:
            stream: the stream name
            seq: the first sequence number to read (the stream's first when None)
            count: how many messages at most
            last: read only the last message stored for this subject
        """

        async def read() -> list[dict[str, Any]]:
            js_errors = require("nats.js.errors", "nats")
            jsm = (await self._client()).jsm(timeout=self.config.timeout)
            found: list[RawStreamMsg] = []
            try:
                if last is not None:
                    found.append(await jsm.get_msg(stream, subject=last))
                else:
                    position = seq or (await jsm.stream_info(stream)).state.first_seq
                    while len(found) < count:
                        msg = await jsm.get_msg(stream, seq=position, subject=">", next=True)
                        found.append(msg)
                        position = (msg.seq or position) + 1
            except js_errors.NotFoundError as exc:
                if exc.err_code == 10059:  # stream not found
                    raise self._missing(stream) from None
            return [_record(stream, m) for m in found]

        return Result(self._run(read()))

    @action
    def get(
        self, stream: str, count: int = 1, consumer: str = "workbench", timeout: float = 1.0
    ) -> Result:
        """Take the next messages through a durable pull consumer, acknowledging each.

        The consumer remembers what it was given, so each message is got once per
        consumer; on a work-queue stream the acknowledged messages are removed.

        Args:
            stream: the stream name
            count: how many messages at most
            consumer: the durable consumer that records what was got
            timeout: seconds to wait for messages
        """

        async def take() -> list[dict[str, Any]]:
            nats_errors = require("nats.errors", "nats")
            api = require("nats.js.api", "nats")
            js_errors = require("nats.js.errors", "nats")
            nc = await self._client()
            config = api.ConsumerConfig(durable_name=consumer, ack_policy=api.AckPolicy.EXPLICIT)
            try:
                await nc.jsm(timeout=self.config.timeout).add_consumer(stream, config)
            except js_errors.NotFoundError:
                raise self._missing(stream) from None
            sub = await nc.jetstream().pull_subscribe_bind(consumer, stream=stream)
            try:
                msgs = await sub.fetch(count, timeout=timeout)
            except nats_errors.TimeoutError:
                msgs = []
            finally:
                await sub.unsubscribe()
            out = []
            for msg in msgs:
                meta = msg.metadata
                out.append(
                    record(
                        msg.subject,
                        msg.data,
                        msg.headers,
                        stream=stream,
                        seq=meta.sequence.stream,
                        time=meta.timestamp,
                    )
                )
                await msg.ack_sync(timeout=self.config.timeout)
            return out

        return Result(self._run(take(), wait=timeout))

    @action
    def stats(self, stream: str) -> dict[str, Any]:
        """A stream's subjects, message and byte counts, sequence range and consumers.

        Args:
            stream: the stream name
        """

        async def info() -> dict[str, Any]:
            js_errors = require("nats.js.errors", "nats")
            try:
                found = (
                    await (await self._client())
                    .jsm(timeout=self.config.timeout)
                    .stream_info(stream)
                )
            except js_errors.NotFoundError:
                raise self._missing(stream) from None
            state = found.state
            return {
                "stream": stream,
                "subjects": list(found.config.subjects or []),
                "messages": state.messages,
                "bytes": state.bytes,
                "first_seq": state.first_seq,
                "last_seq": state.last_seq,
                "consumers": state.consumer_count,
            }

        return self._run(info())

    @action
    def add_stream(self, stream: str, subjects: list[str]) -> dict[str, Any]:
        """Create a JetStream stream that stores the given subjects (or update its subjects).

        Args:
            stream: the stream name
            subjects: subjects to store, wildcards allowed (``orders.>``)
        """

        async def add() -> dict[str, Any]:
            jsm = (await self._client()).jsm(timeout=self.config.timeout)
            found = await jsm.add_stream(name=stream, subjects=subjects)
            return {"stream": stream, "subjects": list(found.config.subjects or [])}

        return self._run(add())

    @action
    def delete_stream(self, stream: str) -> bool:
        """Delete a stream and every message in it.

        Args:
            stream: the stream name
        """

        async def delete() -> bool:
            js_errors = require("nats.js.errors", "nats")
            try:
                return bool(
                    await (await self._client())
                    .jsm(timeout=self.config.timeout)
                    .delete_stream(stream)
                )
            except js_errors.NotFoundError:
                raise self._missing(stream) from None

        return self._run(delete())


def _record(stream: str, msg: RawStreamMsg) -> dict[str, Any]:
    return record(
        msg.subject or "", msg.data, msg.headers, stream=stream, seq=msg.seq, time=msg.time
    )
