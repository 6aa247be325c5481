"""One MQTT 5 client session (paho-mqtt): connect and wait for the CONNACK, subscribe, receive."""

from __future__ import annotations

import queue
import threading
import uuid
from typing import TYPE_CHECKING, Any

from connectors.mqtt.config import MqttConfig
from workbench.errors import ConnectionFailedError
from workbench.sdk import redact, require

if TYPE_CHECKING:
    from paho.mqtt.client import Client, MQTTMessage


class Session:
    """A connected paho client with its network thread; received messages queue in ``inbox``.

    Use it as a context manager: leaving disconnects and stops the thread.
    """

    def __init__(self, config: MqttConfig, label: str) -> None:
        mqtt = require("paho.mqtt.client", "mqtt")
        self.config, self.label = config, label
        self.inbox: queue.Queue[MQTTMessage] = queue.Queue()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._refused: str | None = None
        client: Client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"workbench-{uuid.uuid4().hex[:16]}",
            protocol=mqtt.MQTTv5,
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
        client.on_message = lambda _client, _data, message: self.inbox.put(message)
        self.client = client
        try:
            client.connect(host, port, keepalive=config.keepalive)
        except OSError as exc:
            raise self.failure(f"cannot reach the broker ({exc})") from None
        client.loop_start()
        if not self._connected.wait(config.timeout) or self._refused:
            self.close()
            raise self.failure(self._refused or f"no answer within {config.timeout:g} s")

    def _on_connect(self, _client: Any, _data: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            text = str(reason)
            if "not authorized" in text.lower() or "user name or password" in text.lower():
                text = f"authentication failed ({text})"
            self._refused = f"the broker refused the connection: {text}"
        self._connected.set()

    def failure(self, reason: str) -> ConnectionFailedError:
        """A connection error naming the connection and the broker; secrets redacted."""
        return ConnectionFailedError(
            redact(f"{self.label}: MQTT broker at {self.config.address}: {reason}")
        )

    def subscribe(self, topic: str, qos: int = 1) -> None:
        """Subscribe and wait for the broker's SUBACK."""
        self._subscribed.clear()
        self.client.subscribe(topic, qos=qos)
        if not self._subscribed.wait(self.config.timeout):
            raise self.failure(f"no SUBACK for {topic!r} within {self.config.timeout:g} s")

    def next(self, timeout: float) -> MQTTMessage | None:
        """The next received message, or None after ``timeout`` seconds."""
        try:
            return self.inbox.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
