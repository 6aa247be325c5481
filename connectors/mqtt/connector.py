"""The mqtt connector: QoS 1 publishing, retained and live messages, a topic trigger."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from workbench.connectors.mqtt.config import MqttConfig
from workbench.connectors.mqtt.records import outgoing, record
from workbench.connectors.mqtt.session import Session
from workbench.connectors.mqtt.subscriber import TopicSubscriber, session_client_id
from workbench.sdk import Result, action, trigger
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.messaging import BrokerConnector, follow, keyed, published
from workbench.sdk.trigger import Yielded


class Mqtt(BrokerConnector):
    """MQTT 5 brokers (paho-mqtt): publish with QoS 1, read retained and live messages.

    MQTT keeps no queues, so there is no ``stats`` action: a broker only holds the
    retained message of each topic, which ``peek`` reads. ``get`` subscribes and waits.

    Example:
        >>> from workbench.connectors.mqtt import Mqtt, MqttConfig
        >>> with Mqtt(MqttConfig(host="127.0.0.1"), connection="broker") as broker:
        ...     broker.publish("wb/doctest/status", {"up": True}, retain=True).data[0]["acked"]
        ...     broker.peek("wb/doctest/status").data[0]["body"]
        ...     _ = broker.publish("wb/doctest/status", b"", retain=True)  # clears it
        True
        {'up': True}
    """

    name = "mqtt"
    title = "MQTT"
    service = "MQTT"
    auth_kinds = ("none", "password")
    config_model = MqttConfig
    config: MqttConfig

    def _session(self) -> Session:
        return Session(self.config, self.failure)

    def release(self, driver: Session) -> None:
        driver.close()

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
        if self._driver is None:
            self._driver = self._session()
        publisher: Session = self._driver
        sent = []
        for item, item_key in keyed(payload, key):
            body, props, ident = outgoing(item, headers, item_key)
            info = publisher.client.publish(
                destination, body, qos=qos, retain=retain, properties=props
            )
            sent.append((info, {"topic": destination, "id": ident, "qos": qos, "retain": retain}))
        out = []
        for info, entry in sent:
            info.wait_for_publish(self.config.timeout)
            if info.rc != 0:
                raise ActionError(f"{self.connection}.publish: {destination!r}: error {info.rc}")
            out.append({**entry, "mid": info.mid, "acked": qos > 0 and info.is_published()})
        return published(out, topic=destination)

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
        self,
        topic: str,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
        qos: int = 1,
        client_id: str | None = None,
    ) -> Iterator[Yielded]:
        """Messages published on a topic (wildcards allowed), kept for you while you are away.

        The subscription lives in a persistent session on the broker (clean start off,
        a client id derived from the connection and topic, or ``client_id``), so QoS 1
        messages published while no consumer runs are delivered when one is back. Each is
        acknowledged once its event is stored; one that was not is sent again. The event
        id is the ``message-id`` user property (``publish`` sets one), else a sha256 of
        the message. Retained messages are old values, not events.

        Args:
            topic: the topic, such as ``sensors/+/temperature``
            max_events: stop after this many events (None: no limit)
            timeout: stop when no message arrives for this many seconds (None: never)
            qos: the subscription's QoS (1 keeps messages for an absent consumer)
            client_id: the session's client id (one per consumer of the topic)
        """
        yield from follow(
            TopicSubscriber(self, topic, qos, client_id),
            max_events=max_events,
            timeout=timeout,
        )

    @action
    def end_session(self, topic: str, client_id: str | None = None) -> dict[str, Any]:
        """Remove the persistent session of the ``messages`` trigger on a topic.

        The broker forgets its subscription and drops the messages it kept for it.

        Args:
            topic: the topic the trigger reads
            client_id: the session's client id, when the trigger was given one
        """
        ident = client_id or session_client_id(self.connection, topic)
        Session(self.config, self.failure, client_id=ident).close()  # clean start, no expiry
        return {"topic": topic, "client_id": ident, "ended": True}
