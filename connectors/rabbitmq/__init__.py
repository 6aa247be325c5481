"""RabbitMQ connector: publish with confirms, peek, get and stats of queues; a message trigger."""

from workbench.connectors.rabbitmq.config import RabbitmqConfig
from workbench.connectors.rabbitmq.connector import Rabbitmq

__all__ = ["Rabbitmq", "RabbitmqConfig"]
