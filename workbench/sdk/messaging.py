"""What a message broker connector is built from (see :mod:`workbench.messaging`): the base
class, the reading loop of its triggers, and the pieces of a message.

Example:
    >>> from workbench.sdk.messaging import BrokerConnector, derived_id, keyed
    >>> len(derived_id("orders", b"body"))
    64
    >>> import pandas as pd
    >>> keyed(pd.DataFrame({"n": [1, 2]}), "order-7")
    [({'n': 1}, 'order-7-0'), ({'n': 2}, 'order-7-1')]
"""

from workbench.messaging import (
    BrokerConnector,
    Subscription,
    body_data,
    connection_failed,
    derived_id,
    failure_reason,
    follow,
    keyed,
    published,
    take,
    take_async,
)
from workbench.messaging.failures import looks_like_auth
from workbench.messaging.follow import check_limits

__all__ = [
    "BrokerConnector",
    "Subscription",
    "body_data",
    "check_limits",
    "connection_failed",
    "derived_id",
    "failure_reason",
    "follow",
    "keyed",
    "looks_like_auth",
    "published",
    "take",
    "take_async",
]
