"""Redis connector: lists, streams and pub/sub as messages; keys, values and hashes."""

from connectors.redis.config import RedisConfig
from connectors.redis.connector import Redis

__all__ = ["Redis", "RedisConfig"]
