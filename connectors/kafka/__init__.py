"""Kafka connector (aiokafka): publish with acks, peek, get with a group, partition stats."""

from workbench.connectors.kafka.config import KafkaConfig
from workbench.connectors.kafka.connector import Kafka

__all__ = ["Kafka", "KafkaConfig"]
