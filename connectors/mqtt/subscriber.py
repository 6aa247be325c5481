"""A durable topic subscription as a trigger source: a persistent session, manual acks.

The client connects with a stable client id and clean start off, so the broker keeps its
session (the subscription, and the QoS 1 messages published to it) while the consumer is
away, for ``SESSION_EXPIRY`` seconds. A message is acknowledged (PUBACK) only when the
reader resumes after storing its event; what was not acknowledged is sent again when the
session resumes. The broker's own limits apply while the consumer is away (Mosquitto keeps
up to ``max_queued_messages`` per client, 1000 by default, and drops the rest).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.connectors.mqtt.records import event
from workbench.connectors.mqtt.session import Session
from workbench.sdk import Event
from workbench.sdk.errors import ActionArgumentError, ConnectionFailedError
from workbench.sdk.messaging import derived_id, take

if TYPE_CHECKING:
    from paho.mqtt.client import MQTTMessage

    from workbench.connectors.mqtt.connector import Mqtt

SESSION_EXPIRY = 7 * 24 * 3600
"""Seconds the broker keeps a trigger's session while no consumer is connected."""


def session_client_id(connection: str, topic: str) -> str:
    """The client id of a trigger's persistent session: the same for a connection and topic.

    Example:
        >>> session_client_id("broker", "sensors/#") == session_client_id("broker", "sensors/#")
        True
        >>> session_client_id("broker", "sensors/#")[:10]
        'workbench-'
    """
    return f"workbench-{derived_id(connection, topic)[:20]}"


class TopicSubscriber:
    """A persistent session subscribed to one topic, read by :func:`~workbench.messaging.follow`.

    Example:
        >>> from workbench.sdk.messaging import follow
        >>> from workbench.connectors.mqtt import Mqtt, MqttConfig
        >>> with Mqtt(MqttConfig(host="127.0.0.1"), connection="broker") as broker:
        ...     reader = follow(TopicSubscriber(broker, "wb/doctest/subscriber", 1, None),
        ...                     max_events=None, timeout=2)
        ...     next(reader) is None  # subscribed: the broker keeps messages from now on
        ...     reader.close()
        ...     _ = broker.publish("wb/doctest/subscriber", "while away", key="m-1")
        ...     again = TopicSubscriber(broker, "wb/doctest/subscriber", 1, None)
        ...     [e.id for e in follow(again, max_events=1, timeout=2)]
        ...     _ = broker.end_session("wb/doctest/subscriber")
        True
        ['m-1']
    """

    def __init__(self, broker: Mqtt, topic: str, qos: int, client_id: str | None) -> None:
        self.broker, self.topic, self.qos = broker, topic, qos
        self.client_id = client_id or session_client_id(broker.connection, topic)
        self.source = f"{broker.connection}.messages"
        if qos not in (0, 1, 2):
            raise ActionArgumentError(f"{self.source}: qos must be 0, 1 or 2")
        self._session: Session | None = None

    def open(self) -> None:
        self._session = Session(
            self.broker.config,
            self.broker.failure,
            client_id=self.client_id,
            expiry=SESSION_EXPIRY,
            manual_ack=True,
        )
        self._session.subscribe(self.topic, qos=self.qos, retained=False)

    def receive(self, wait: float, limit: int) -> list[MQTTMessage]:
        session = self._session
        assert session is not None
        if session.lost is not None:
            raise self.broker.failure(
                f"the broker ended the session of client id {self.client_id!r} ({session.lost}); "
                "when another consumer took it over, give each consumer its own client_id"
            )
        fresh = []
        for message in take(session.inbox, wait, limit):
            if message.retain:  # an old value, not a new message
                session.ack(message)
            else:
                fresh.append(message)
        return fresh

    def event(self, message: MQTTMessage) -> Event:
        return event(self.source, message)

    def acknowledge(self, messages: Sequence[MQTTMessage]) -> None:
        assert self._session is not None
        for message in messages:
            self._session.ack(message)

    def close(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        if session.client.is_connected():
            # A round trip first: the broker handles a connection's packets in order, so
            # the acknowledgements are settled before a next consumer takes the session.
            with contextlib.suppress(ConnectionFailedError):
                session.subscribe(self.topic, qos=self.qos, retained=False)
        session.close()  # the broker keeps the session and what was not acknowledged
