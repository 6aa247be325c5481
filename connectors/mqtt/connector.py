"""The mqtt connector: QoS 1 publishing, retained and live messages, a topic trigger."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from connectors.mqtt.config import MqttConfig
from connectors.mqtt.records import event, outgoing, record
from connectors.mqtt.session import Session
from workbench.errors import ActionArgumentError, ActionError
from workbench.sdk import Connector, Event, Result, action, trigger
from workbench.sdk.payloads import split


class Mqtt(Connector):
    """MQTT 5 brokers (paho-mqtt): publish with QoS 1, read retained and live messages.

    MQTT keeps no queues, so there is no ``stats`` action: a broker only holds the
    retained message of each topic, which ``peek`` reads. ``get`` subscribes and waits.

    Example:
        >>> from connectors.mqtt import Mqtt, MqttConfig
        >>> with Mqtt(MqttConfig(host="127.0.0.1"), connection="broker") as broker:
        ...     broker.publish("wb/doctest/status", {"up": True}, retain=True).data[0]["acked"]
        ...     broker.peek("wb/doctest/status").data[0]["body"]
        ...     _ = broker.publish("wb/doctest/status", b"", retain=True)  # clears it
        True
        {'up': True}
    """

    name = "mqtt"
    title = "MQTT"
    category = "messaging"
    auth_kinds = ("none", "password")
    config_model = MqttConfig
    config: MqttConfig

    def __init__(self, config: MqttConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._publisher: Session | None = None

    def _session(self) -> Session:
        return Session(self.config, self.connection)

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None

    def check(self) -> str:
        """Connect and report the broker: ``MQTT mosquitto version 2.0.11 at host:port``."""
        with self._session() as session:
            session.subscribe("$SYS/broker/version", qos=0)
            message = session.next(min(self.config.timeout, 1.0))
        version = message.payload.decode("utf-8", "replace") if message else "broker (MQTT 5)"
        return f"MQTT {version} at {self.config.address}"

    @action
    def publish(
        self,
        destination: str,
        payload: Any,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        qos: int = 1,
        retain: bool = False,
    ) -> Result:
        """Publish messages to a topic and wait for the broker's acknowledgement (QoS 1).

        Headers travel as MQTT 5 user properties, with the content type and a
        ``message-id`` (``key``, else a fresh id; DataFrame rows get ``key-0``, ...).
        Publishing an empty retained message clears the topic's retained message.

        Args:
            destination: the topic (no wildcards)
            payload: bytes, str, JSON data, or a DataFrame (one message per row)
            headers: user properties of each message
            key: the message id
            qos: 0 (at most once), 1 (acknowledged) or 2 (exactly once)
            retain: keep the last message as the topic's retained message
        """
        if qos not in (0, 1, 2) or "+" in destination or "#" in destination:
            raise ActionArgumentError(
                f"{self.connection}.publish: need a topic without wildcards and qos 0, 1 or 2"
            )
        if self._publisher is None:
            self._publisher = self._session()
        items = split(payload)
        many = len(items) > 1 and key is not None
        sent = []
        for i, item in enumerate(items):
            body, props, ident = outgoing(item, headers, f"{key}-{i}" if many else key)
            info = self._publisher.client.publish(
                destination, body, qos=qos, retain=retain, properties=props
            )
            sent.append((info, {"topic": destination, "id": ident, "qos": qos, "retain": retain}))
        out = []
        for info, entry in sent:
            info.wait_for_publish(self.config.timeout)
            if info.rc != 0:
                raise ActionError(f"{self.connection}.publish: {destination!r}: error {info.rc}")
            out.append({**entry, "mid": info.mid, "acked": qos > 0 and info.is_published()})
        return Result(out, raw={"published": len(out), "topic": destination})

    @action
    def peek(self, topic: str, timeout: float = 0.5) -> Result:
        """The retained message of a topic (or of each topic a wildcard matches); nothing else.

        Args:
            topic: the topic, wildcards allowed
            timeout: seconds to wait for retained messages
        """
        found = []
        with self._session() as session:
            session.subscribe(topic)
            deadline = time.monotonic() + timeout
            while (message := session.next(deadline - time.monotonic())) is not None:
                if message.retain:
                    found.append(record(message))
                    if "+" not in topic and "#" not in topic:
                        break
        return Result(found)

    @action
    def get(
        self, topic: str, count: int = 1, timeout: float = 5.0, retained: bool = True
    ) -> Result:
        """Subscribe and wait for messages (a retained message arrives first).

        Args:
            topic: the topic, wildcards allowed
            count: return after this many messages
            timeout: seconds to wait in all
            retained: include retained messages
        """
        found: list[dict[str, Any]] = []
        with self._session() as session:
            session.subscribe(topic)
            deadline = time.monotonic() + timeout
            while len(found) < count:
                message = session.next(deadline - time.monotonic())
                if message is None:
                    break
                if retained or not message.retain:
                    found.append(record(message))
        return Result(found)

    @trigger
    def messages(
        self, topic: str, max_events: int = 100, timeout: float = 10.0, qos: int = 1
    ) -> Iterator[Event]:
        """Messages published on a topic (wildcards allowed) from now on, as events.

        The event id is the ``message-id`` user property (set by ``publish``).

        Args:
            topic: the topic, such as ``sensors/+/temperature``
            max_events: stop after this many events
            timeout: stop when no message arrives for this many seconds
            qos: the subscription's QoS
        """
        source = f"{self.connection}.messages"
        with self._session() as session:
            session.subscribe(topic, qos=qos)
            delivered = 0
            while delivered < max_events:
                message = session.next(timeout)
                if message is None:
                    return
                if not message.retain:  # an old value, not a new message
                    delivered += 1
                    yield event(source, message)
