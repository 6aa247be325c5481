"""NATS connector: core and JetStream publish, request/reply, stream reads, a subject trigger."""

from connectors.nats.config import NatsConfig
from connectors.nats.connector import Nats

__all__ = ["Nats", "NatsConfig"]
