"""MQTT connector: QoS 1 publishing, retained (peek) and live (get) messages, a topic trigger."""

from workbench.connectors.mqtt.config import MqttConfig
from workbench.connectors.mqtt.connector import Mqtt

__all__ = ["Mqtt", "MqttConfig"]
