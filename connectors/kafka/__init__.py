"""Kafka connector (aiokafka): publish with acks, peek, get with a group, partition stats."""

from connectors.kafka.config import KafkaConfig
from connectors.kafka.connector import Kafka

__all__ = ["Kafka", "KafkaConfig"]
