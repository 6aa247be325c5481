"""The redis connector: messages on lists, streams and pub/sub channels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from workbench.connectors.redis.config import RedisConfig
from workbench.connectors.redis.data import RedisData
from workbench.connectors.redis.groups import GroupReader
from workbench.connectors.redis.records import list_record, stream_fields, stream_record, text
from workbench.sdk import Result, action, require, trigger
from workbench.sdk.errors import ActionArgumentError
from workbench.sdk.messaging import follow, published
from workbench.sdk.payloads import encode, split
from workbench.sdk.trigger import Yielded

Kind = Literal["channel", "list", "stream"]


class Redis(RedisData):
    """Redis: publish to channels, lists and streams; read them back as tables; keys and hashes.

    Example:
        >>> import pandas as pd
        >>> from workbench.connectors.redis import Redis, RedisConfig
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
    service = "Redis"
    peer = "server"
    auth_kinds = ("none", "password")
    config_model = RedisConfig
    config: RedisConfig

    def client(self) -> Any:
        """The redis-py client (``redis.Redis``, answering bytes), connected on first use."""
        if self._driver is None:
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
                raise self.failure(exc) from None
            self._driver = client
        return self._driver

    def release(self, driver: Any) -> None:
        driver.close()

    def check(self) -> str:
        """Connect and report the server version: ``Redis 7.0.15 at host:port/db``."""
        info = self.client().info("server")
        return f"Redis {info.get('redis_version', '?')} at {self.config.address}"

    def is_auth_failure(self, exc: BaseException) -> bool:
        module = require("redis", "redis")
        return isinstance(exc, module.AuthenticationError) or "WRONGPASS" in str(exc)

    def is_unreachable(self, exc: BaseException) -> bool:
        module = require("redis", "redis")
        return isinstance(exc, module.ConnectionError | module.TimeoutError | OSError)

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
        return published(sent, destination=destination)

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
        self,
        key: str,
        max_events: int | None = 100,
        timeout: float | None = 10.0,
        group: str = "workbench",
        start: str = "$",
        consumer: str | None = None,
        claim_idle: float = 60.0,
    ) -> Iterator[Yielded]:
        """Entries of a stream, read through a consumer group, as events whose id is the entry id.

        An entry is acknowledged (XACK) once its event is stored. One that was not stays
        pending: this consumer reads it first when it opens again, and another consumer
        claims it once it has been idle for ``claim_idle`` seconds (its consumer died).

        Args:
            key: the stream key
            max_events: stop after this many events (None: no limit)
            timeout: stop when no entry arrives for this many seconds (None: never)
            group: the consumer group (created when missing, with the stream)
            start: where a new group begins: ``$`` (new entries), ``0`` (all), or an entry id
            consumer: this reader's name in the group (default: host and process id)
            claim_idle: seconds before an entry another consumer left unacknowledged is taken
        """
        yield from follow(
            GroupReader(
                self, key, group=group, start=start, consumer=consumer, claim_idle=claim_idle
            ),
            max_events=max_events,
            timeout=timeout,
        )

    def _kind(self, key: str) -> str:
        kind = text(self.client().type(key))
        if kind not in ("list", "stream", "none"):
            raise ActionArgumentError(
                f"{self.connection}: {key!r} is a {kind}; messages are read from lists and streams"
            )
        return "list" if kind == "none" else kind
