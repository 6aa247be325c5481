"""Redis connector: lists, streams and pub/sub as messages; keys, values and hashes."""

from workbench.connectors.redis.config import RedisConfig
from workbench.connectors.redis.connector import Redis

__all__ = ["Redis", "RedisConfig"]
