"""NATS connector: core and JetStream publish, request/reply, stream reads, a subject trigger."""

from workbench.connectors.nats.config import NatsConfig
from workbench.connectors.nats.connector import Nats

__all__ = ["Nats", "NatsConfig"]
