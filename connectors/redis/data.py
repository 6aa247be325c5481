"""Redis keys, values, hashes and raw stream entries: the data-structure actions."""

from __future__ import annotations

from typing import Any

from workbench.connectors.redis.records import text
from workbench.sdk import action
from workbench.sdk.messaging import BrokerConnector
from workbench.sdk.payloads import decode, encode


class RedisData(BrokerConnector):
    """Actions on keys, strings, hashes and streams, mixed into the Redis connector."""

    def client(self) -> Any:
        """The redis-py client (the Redis connector provides it).

        Typed ``Any``: redis-py's reply types depend on ``decode_responses``; this one
        always answers bytes.
        """
        raise NotImplementedError

    @action
    def keys(self, pattern: str = "*", max_items: int = 1000) -> list[dict[str, Any]]:
        """List keys matching a glob pattern (SCAN, never KEYS), with their type and TTL.

        Args:
            pattern: a glob such as ``orders:*``
            max_items: stop after this many keys
        """
        client, names = self.client(), []
        for name in client.scan_iter(match=pattern, count=500):
            names.append(name)
            if len(names) >= max_items:
                break
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.type(name)
            pipe.ttl(name)
        answers = pipe.execute()
        return [
            {"key": text(n), "type": text(answers[2 * i]), "ttl": _ttl(answers[2 * i + 1])}
            for i, n in enumerate(names)
        ]

    @action
    def get_key(self, key: str) -> Any:
        """The value of a string key (JSON when it parses, else text); None when missing.

        Args:
            key: the key
        """
        value = self.client().get(key)
        return None if value is None else decode(value, None)

    @action
    def set_key(self, key: str, value: Any, ttl: float | None = None) -> dict[str, Any]:
        """Set a string key to text, bytes or JSON data, optionally expiring after ``ttl`` s.

        Args:
            key: the key
            value: bytes, str or JSON data
            ttl: seconds until the key expires (kept forever when None)
        """
        body = encode(value)[0]
        millis = None if ttl is None else max(1, int(ttl * 1000))
        self.client().set(key, body, px=millis)
        return {"key": key, "bytes": len(body), "ttl": ttl}

    @action
    def delete(self, keys: list[str]) -> int:
        """Delete keys; return how many existed.

        Args:
            keys: the keys to delete
        """
        return int(self.client().delete(*keys)) if keys else 0

    @action
    def hset(self, key: str, fields: dict[str, Any]) -> int:
        """Set fields of a hash (values as text, bytes or JSON); return how many were new.

        Args:
            key: the hash key
            fields: field names and values
        """
        mapping = {name: encode(value)[0] for name, value in fields.items()}
        return int(self.client().hset(key, mapping=mapping))

    @action
    def hget(self, key: str, field: str) -> Any:
        """One field of a hash (JSON when it parses, else text); None when missing.

        Args:
            key: the hash key
            field: the field name
        """
        value = self.client().hget(key, field)
        return None if value is None else decode(value, None)

    @action
    def hgetall(self, key: str) -> dict[str, Any]:
        """Every field of a hash, decoded (JSON when it parses, else text).

        Args:
            key: the hash key
        """
        return {text(k): decode(v, None) for k, v in self.client().hgetall(key).items()}

    @action
    def xadd(self, key: str, fields: dict[str, Any], maxlen: int | None = None) -> str:
        """Append one entry with the given fields to a stream; return its id.

        Args:
            key: the stream key
            fields: field names and values (text, bytes or JSON data)
            maxlen: trim the stream to about this many entries
        """
        mapping = {name: encode(value)[0] for name, value in fields.items()}
        return text(self.client().xadd(key, mapping, maxlen=maxlen, approximate=True))

    @action
    def xrange(
        self, key: str, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[dict[str, Any]]:
        """Stream entries between two ids, one record per entry with its decoded fields.

        Args:
            key: the stream key
            start: the first id (``-`` for the oldest)
            end: the last id (``+`` for the newest)
            count: how many entries at most
        """
        entries = self.client().xrange(key, min=start, max=end, count=count)
        return [
            {"id": text(i), **{text(k): decode(v, None) for k, v in f.items()}} for i, f in entries
        ]


def _ttl(value: int) -> int | None:
    return value if value >= 0 else None
