"""One MQTT 5 client session (paho-mqtt): connect and wait for the CONNACK, subscribe, receive."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.connectors.mqtt.config import MqttConfig
from workbench.sdk import require
from workbench.sdk.errors import ConnectionFailedError

if TYPE_CHECKING:
    from paho.mqtt.client import Client, MQTTMessage

Failure = Callable[[str], ConnectionFailedError]


class Session:
    """A connected paho client with its network thread; received messages queue in ``inbox``.

    By default a fresh client id and a clean session that ends on disconnect. With
    ``client_id`` and ``expiry`` (seconds) the broker keeps the session while the client is
    away: its subscriptions, and the QoS 1 messages sent to them meanwhile. With
    ``manual_ack`` a QoS 1 message is acknowledged only by :meth:`ack`; the broker sends
    what was not acknowledged again when the session resumes. Such a session does not
    reconnect by itself: when the broker ends it, :attr:`lost` says why.

    Use it as a context manager: leaving disconnects and stops the thread.

    Example:
        >>> from workbench.sdk.errors import ConnectionFailedError
        >>> with Session(MqttConfig(host="127.0.0.1"), ConnectionFailedError) as session:
        ...     session.subscribe("$SYS/broker/version", qos=0)
        ...     session.next(2).payload.startswith(b"mosquitto")
        True
    """

    def __init__(
        self,
        config: MqttConfig,
        fail: Failure,
        *,
        client_id: str | None = None,
        expiry: int = 0,
        manual_ack: bool = False,
    ) -> None:
        mqtt = require("paho.mqtt.client", "mqtt")
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.config, self.fail = config, fail
        self.inbox: queue.Queue[MQTTMessage] = queue.Queue()
        self.lost: str | None = None
        self._closing = False
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._disconnected = threading.Event()
        self._refused: str | None = None
        client: Client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"workbench-{uuid.uuid4().hex[:16]}",
            protocol=mqtt.MQTTv5,
            manual_ack=manual_ack,
            reconnect_on_failure=expiry == 0,
        )
        host, port, user, tls = config.endpoint()
        if user or config.password:
            secret = config.password.get_secret_value() if config.password else None
            client.username_pw_set(user or "", secret)
        if tls:
            client.tls_set()
        client.connect_timeout = config.timeout
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *args: self._subscribed.set()
        client.on_disconnect = self._on_disconnect
        client.on_message = lambda _client, _data, message: self.inbox.put(message)
        self.client = client
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = expiry
        try:
            client.connect(
                host, port, keepalive=config.keepalive, clean_start=expiry == 0, properties=props
            )
        except OSError as exc:
            raise fail(f"cannot reach the broker ({exc})") from None
        client.loop_start()
        if not self._connected.wait(config.timeout) or self._refused:
            self.close()
            raise fail(self._refused or f"no answer within {config.timeout:g} s")

    def _on_connect(self, _client: Any, _data: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            text = str(reason)
            if "not authorized" in text.lower() or "user name or password" in text.lower():
                text = f"authentication failed ({text})"
            self._refused = f"the broker refused the connection: {text}"
        self._connected.set()

    def _on_disconnect(self, _client: Any, _data: Any, _flags: Any, reason: Any, _p: Any) -> None:
        if not self._closing:
            self.lost = str(reason)
        self._disconnected.set()

    def subscribe(self, topic: str, qos: int = 1, *, retained: bool = True) -> None:
        """Subscribe and wait for the broker's SUBACK (``retained=False``: none are sent)."""
        from paho.mqtt.subscribeoptions import SubscribeOptions

        options = SubscribeOptions(qos=qos, retainHandling=0 if retained else 2)
        self._subscribed.clear()
        self.client.subscribe(topic, options=options)
        if not self._subscribed.wait(self.config.timeout):
            raise self.fail(f"no SUBACK for {topic!r} within {self.config.timeout:g} s")

    def ack(self, message: MQTTMessage) -> None:
        """Acknowledge a message received with ``manual_ack`` (QoS 0 needs none)."""
        if message.qos > 0:
            self.client.ack(message.mid, message.qos)

    def next(self, timeout: float) -> MQTTMessage | None:
        """The next received message, or None after ``timeout`` seconds."""
        try:
            return self.inbox.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None

    def close(self) -> None:
        """Disconnect (once what is queued, acknowledgements too, is sent) and stop the thread."""
        self._closing = True
        if self.client.is_connected():
            self.client.disconnect()
            self._disconnected.wait(self.config.timeout)
        self.client.loop_stop()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
