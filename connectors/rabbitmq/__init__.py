"""RabbitMQ connector: publish with confirms, peek, get and stats of queues; a message trigger."""

from connectors.rabbitmq.config import RabbitmqConfig
from connectors.rabbitmq.connector import Rabbitmq

__all__ = ["Rabbitmq", "RabbitmqConfig"]
