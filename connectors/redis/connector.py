"""The redis connector: messages on lists, streams and pub/sub channels."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from connectors.redis.config import RedisConfig
from connectors.redis.data import RedisData
from connectors.redis.records import list_record, stream_fields, stream_record, text
from workbench.errors import ActionArgumentError, ConnectionFailedError
from workbench.sdk import Event, Result, action, redact, require, trigger
from workbench.sdk.payloads import encode, split

Kind = Literal["channel", "list", "stream"]


class Redis(RedisData):
    """Redis: publish to channels, lists and streams; read them back as tables; keys and hashes.

    Example:
        >>> import pandas as pd
        >>> from connectors.redis import Redis, RedisConfig
        >>> with Redis(RedisConfig(host="127.0.0.1"), connection="cache") as cache:
        ...     cache.publish("wb:doctest:jobs", pd.DataFrame({"job": [1, 2]}), kind="list").rows
        ...     cache.peek("wb:doctest:jobs").df["body.job"].tolist()
        ...     cache.get("wb:doctest:jobs").data[0]["body"]
        ...     cache.stats("wb:doctest:jobs").data["length"]
        ...     cache.delete(["wb:doctest:jobs"]).data
        2
        [1, 2]
        {'job': 1}
        1
        1
    """

    name = "redis"
    title = "Redis"
    category = "messaging"
    auth_kinds = ("none", "password")
    config_model = RedisConfig
    config: RedisConfig

    def __init__(self, config: RedisConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._redis: Any = None

    def client(self) -> Any:
        """The redis-py client (``redis.Redis``, answering bytes), connected on first use."""
        if self._redis is None:
            module = require("redis", "redis")
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            c = self.config
            options: dict[str, Any] = {
                "username": c.username,
                "password": c.password.get_secret_value() if c.password else None,
                "socket_timeout": c.timeout,
                "socket_connect_timeout": min(c.timeout, 3.0),
                "retry": Retry(NoBackoff(), 0),
            }
            if c.url:
                client = module.Redis.from_url(c.url, **options)
            else:
                client = module.Redis(host=c.host, port=c.port, db=c.db, ssl=c.tls, **options)
            try:
                client.ping()
            except Exception as exc:
                client.close()
                raise self._failure(exc) from None
            self._redis = client
        return self._redis

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()
            self._redis = None

    def check(self) -> str:
        """Connect and report the server version: ``Redis 7.0.15 at host:port/db``."""
        info = self.client().info("server")
        return f"Redis {info.get('redis_version', '?')} at {self.config.address}"

    def _failure(self, exc: Exception) -> ConnectionFailedError:
        module = require("redis", "redis")
        where = f"{self.connection}: Redis at {self.config.address}"
        message = str(exc)
        if isinstance(exc, module.AuthenticationError) or "WRONGPASS" in message:
            reason = "authentication failed (wrong user name or password)"
        elif isinstance(exc, module.ConnectionError | module.TimeoutError | OSError):
            reason = f"cannot reach the server ({message})"
        else:
            reason = f"{type(exc).__name__}: {message}"
        return ConnectionFailedError(redact(f"{where}: {reason}"))

    @action
    def publish(
        self,
        destination: str,
        payload: Any,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        kind: Kind = "channel",
    ) -> Result:
        """Publish messages to a pub/sub channel, a list (RPUSH) or a stream (XADD).

        A DataFrame publishes one message per row. Only stream entries carry headers, a
        key and the content type; lists and channels hold the bare body.

        Args:
            destination: the channel, list or stream key
            payload: bytes, str, JSON data, or a DataFrame (one message per row)
            headers: extra fields of each stream entry
            key: a message key, stored in each stream entry
            kind: channel (PUBLISH), list (RPUSH) or stream (XADD)
        """
        if kind != "stream" and (headers or key is not None):
            raise ActionArgumentError(
                f"{self.connection}.publish: headers and key need kind='stream'; "
                f"a {kind} holds only the message body"
            )
        client, sent = self.client(), []
        for message in split(payload):
            if kind == "stream":
                entry = text(client.xadd(destination, stream_fields(message, headers, key)))
                sent.append({"destination": destination, "kind": kind, "id": entry})
                continue
            body = encode(message)[0]
            if kind == "list":
                length = client.rpush(destination, body)
                sent.append({"destination": destination, "kind": kind, "length": length})
            else:
                receivers = client.publish(destination, body)
                sent.append({"destination": destination, "kind": kind, "receivers": receivers})
        return Result(sent, raw={"published": len(sent), "destination": destination})

    @action
    def peek(self, key: str, count: int = 10, start: str = "-") -> Result:
        """Read the first messages of a list (LRANGE) or stream (XRANGE) without removing them.

        Args:
            key: the list or stream key
            count: how many messages at most
            start: for a stream, the first entry id to read (``-`` for the oldest)
        """
        client, kind = self.client(), self._kind(key)
        if kind == "list":
            return Result([list_record(key, i) for i in client.lrange(key, 0, count - 1)])
        entries = client.xrange(key, min=start, count=count)
        return Result([stream_record(key, i, f) for i, f in entries])

    @action
    def get(self, key: str, count: int = 1, group: str = "workbench") -> Result:
        """Take messages: pop them from a list (LPOP), or read and acknowledge them from a stream.

        A stream is read through the consumer group ``group`` (created on first use, from
        the first entry), so each entry is got once per group; entries stay in the stream.

        Args:
            key: the list or stream key
            count: how many messages at most
            group: the stream consumer group that records what was got
        """
        client, kind = self.client(), self._kind(key)
        if kind == "list":
            items = client.lpop(key, count) or []
            return Result([list_record(key, i) for i in items])
        module = require("redis", "redis")
        try:
            client.xgroup_create(key, group, id="0")
        except module.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        replies = client.xreadgroup(group, "workbench", {key: ">"}, count=count)
        records = [stream_record(key, i, f) for _, entries in replies for i, f in entries]
        if records:
            client.xack(key, group, *[r["id"] for r in records])
        return Result(records, raw={"group": group})

    @action
    def stats(self, key: str) -> dict[str, Any]:
        """The type, length and time to live of a key; for a stream, its consumer groups.

        Args:
            key: the key
        """
        client = self.client()
        kind = text(client.type(key))
        length = {
            "list": client.llen,
            "stream": client.xlen,
            "hash": client.hlen,
            "set": client.scard,
            "zset": client.zcard,
            "string": client.strlen,
        }.get(kind)
        out: dict[str, Any] = {"key": key, "type": kind}
        out["length"] = length(key) if length else 0
        ttl = client.ttl(key)
        out["ttl"] = ttl if ttl >= 0 else None
        if kind == "stream":
            groups = client.xinfo_groups(key)
            out["groups"] = len(groups)
            out["consumers"] = sum(g["consumers"] for g in groups)
            out["pending"] = sum(g["pending"] for g in groups)
        return out

    @trigger
    def stream(
        self, key: str, after: str = "$", max_events: int = 100, timeout: float = 10.0
    ) -> Iterator[Event]:
        """New entries of a stream, as events whose id is the entry id.

        Args:
            key: the stream key
            after: deliver entries after this id (``$``: only entries added from now on)
            max_events: stop after this many events
            timeout: stop when no entry arrives for this many seconds
        """
        client, source, last = self.client(), f"{self.connection}.stream", after
        if last == "$":
            newest = client.xrevrange(key, count=1)
            last = text(newest[0][0]) if newest else "0-0"
        delivered, deadline = 0, time.monotonic() + timeout
        while delivered < max_events:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            block = max(1, int(min(remaining, 1.0) * 1000))  # below the socket timeout
            replies = client.xread({key: last}, count=max_events - delivered, block=block)
            for _, entries in replies or []:
                for entry_id, fields in entries:
                    record = stream_record(key, entry_id, fields)
                    last = record["id"]
                    delivered += 1
                    yield Event(
                        source=source,
                        id=last,
                        type="redis.stream",
                        time=record["timestamp"] or datetime.now(UTC),
                        data=record["body"],
                        headers=record["headers"],
                    )
                    deadline = time.monotonic() + timeout

    def _kind(self, key: str) -> str:
        kind = text(self.client().type(key))
        if kind not in ("list", "stream", "none"):
            raise ActionArgumentError(
                f"{self.connection}: {key!r} is a {kind}; messages are read from lists and streams"
            )
        return "list" if kind == "none" else kind
