"""What the broker connectors and broker trigger sources share.

:class:`BrokerConnector` (the driver client, a private loop for asyncio drivers, connection
failures as one clear error), :func:`follow` (the reading loop of a trigger: batches,
idle ``None``, acknowledgment on resume, ``max_events`` and ``timeout``), and the pieces
of a message (:func:`derived_id`, :func:`body_data`, :func:`keyed`, :func:`published`).

Example:
    >>> from workbench.messaging import BrokerConnector, derived_id
    >>> from workbench.connectors.redis import Redis
    >>> issubclass(Redis, BrokerConnector), Redis.category
    (True, 'messaging')
    >>> len(derived_id("orders", b"body"))
    64
"""

from workbench.messaging.connector import BrokerConnector
from workbench.messaging.failures import connection_failed, failure_reason
from workbench.messaging.follow import Subscription, follow, take, take_async
from workbench.messaging.messages import body_data, derived_id, keyed, published

__all__ = [
    "BrokerConnector",
    "Subscription",
    "body_data",
    "connection_failed",
    "derived_id",
    "failure_reason",
    "follow",
    "keyed",
    "published",
    "take",
    "take_async",
]
