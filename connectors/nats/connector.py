"""The nats connector: core publish and request/reply, JetStream acks, a subject trigger."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from connectors.nats.config import NatsConfig
from connectors.nats.records import event, outgoing, record
from connectors.nats.streams import NatsStreams
from workbench.errors import ActionError, ConnectionFailedError
from workbench.sdk import Event, Result, action, redact, require, trigger
from workbench.sdk.aio import BackgroundLoop
from workbench.sdk.payloads import split

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg

T = TypeVar("T")


class Nats(NatsStreams):
    """NATS (nats-py): publish (with JetStream acks on stream subjects), request/reply, streams.

    Example:
        >>> from connectors.nats import Nats, NatsConfig
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
    category = "messaging"
    auth_kinds = ("none", "password", "token")
    config_model = NatsConfig
    config: NatsConfig

    def __init__(self, config: NatsConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._loop = BackgroundLoop(f"nats-{self.connection}")
        self._nc: Client | None = None
        self._connecting = asyncio.Lock()  # binds to the private loop on first use
        weakref.finalize(self, self._loop.close)

    def _run(self, coro: Coroutine[Any, Any, T], wait: float = 0.0) -> T:
        return self._loop.run(coro, timeout=wait + self.config.timeout * 4)

    async def _client(self) -> Client:
        async with self._connecting:
            if self._nc is None or self._nc.is_closed:
                nats = require("nats", "nats")
                errors: list[BaseException] = []

                async def remember(exc: Exception) -> None:
                    errors.append(exc)

                try:
                    self._nc = await nats.connect(
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
                    raise self._failure(errors[-1] if errors else exc) from None
            return self._nc

    def close(self) -> None:
        if self._nc is not None and self._loop.running and not self._nc.is_closed:
            self._run(self._nc.close())
        self._nc = None
        self._loop.close()
        self._connecting = asyncio.Lock()  # the next use starts a new loop

    def check(self) -> str:
        """Connect and report the server: ``NATS 2.10.7 at nats://host:4222 (JetStream)``."""

        async def version() -> str:
            nc = await self._client()
            jetstream = " (JetStream)" if nc._server_info.get("jetstream") else ""
            return f"NATS {nc.connected_server_version} at {self.config.server}{jetstream}"

        return self._run(version())

    def _failure(self, exc: BaseException) -> ConnectionFailedError:
        where = f"{self.connection}: NATS at {self.config.server}"
        text = str(exc)
        if "authorization" in text.lower() or "authentication" in text.lower():
            reason = "authentication failed (wrong user, password or token)"
        elif isinstance(exc, OSError | asyncio.TimeoutError):
            reason = f"cannot reach the server ({text or type(exc).__name__})"
        else:
            reason = f"{type(exc).__name__}: {text}"
        return ConnectionFailedError(redact(f"{where}: {reason}"))

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
        items = split(payload)
        many = len(items) > 1 and key is not None
        messages = [
            outgoing(m, headers, f"{key}-{i}" if many else key) for i, m in enumerate(items)
        ]

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

        sent = self._run(send())
        return Result(sent, raw={"published": len(sent), "subject": destination})

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
        self, subject: str, max_events: int = 100, timeout: float = 10.0, queue: str = ""
    ) -> Iterator[Event]:
        """Messages published on a subject (wildcards allowed) from now on, as events.

        The event id is ``stream:sequence`` for a JetStream message, else its ``Nats-Msg-Id``.

        Args:
            subject: the subject, such as ``orders.>``
            max_events: stop after this many events
            timeout: stop when no message arrives for this many seconds
            queue: a queue group, to share the messages with other subscribers
        """
        source = f"{self.connection}.messages"

        async def start() -> Any:
            nc = await self._client()
            subscription = await nc.subscribe(subject, queue=queue)
            await nc.flush()
            return subscription

        subscription = self._run(start())
        try:
            for _ in range(max_events):
                try:
                    msg: Msg = self._run(subscription.next_msg(timeout=timeout), wait=timeout)
                except Exception as exc:
                    if type(exc).__name__ == "TimeoutError":
                        return
                    raise
                yield event(source, record(msg.subject, msg.data, msg.headers))
        finally:
            if self._loop.running:
                self._run(subscription.unsubscribe())
