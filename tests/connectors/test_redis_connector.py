"""The redis connector against the machine's real Redis (127.0.0.1:6379)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from itertools import islice

import pandas as pd
import pytest
from brokers import assert_idle, events_of, first_events, idle_gap

import workbench as wb
from workbench import registry
from workbench.connectors.redis import Redis, RedisConfig
from workbench.errors import ActionArgumentError, ConnectionFailedError, MissingDependencyError


@pytest.fixture
def cache() -> Iterator[Redis]:
    connector = Redis(RedisConfig(host="127.0.0.1"), connection="cache")
    yield connector
    connector.close()


@pytest.fixture
def key(cache: Redis) -> Iterator[str]:
    name = f"wb:test:{uuid.uuid4().hex}"
    yield name
    cache.client().delete(name)


def test_check_reports_the_server_version(cache: Redis) -> None:
    assert cache.check().startswith("Redis ")
    assert "127.0.0.1:6379/0" in cache.check()


def test_check_against_a_closed_port_fails_fast() -> None:
    started = time.monotonic()
    with (
        Redis(RedisConfig(host="127.0.0.1", port=1), connection="gone") as down,
        pytest.raises(ConnectionFailedError, match="cannot reach") as info,
    ):
        down.check()
    assert info.value.exit_code == 7
    assert time.monotonic() - started < 5


def test_wrong_password_is_an_auth_error_and_never_shown() -> None:
    config = RedisConfig(host="127.0.0.1", username="nobody-here", password="n0t-the-pw-123")
    with Redis(config, connection="bad") as bad, pytest.raises(ConnectionFailedError) as info:
        bad.check()
    assert "authentication failed" in str(info.value)
    assert "n0t-the-pw-123" not in str(info.value)
    assert "n0t-the-pw-123" not in repr(config)


def test_password_in_url_moves_to_the_secret_field() -> None:
    config = RedisConfig(url="redis://:url-secret-99@127.0.0.1:6379/0")
    assert "url-secret-99" not in repr(config)
    assert config.password is not None
    assert config.password.get_secret_value() == "url-secret-99"


def test_list_payload_kinds_round_trip(cache: Redis, key: str) -> None:
    payloads = [b"\xff\xferaw", "plain text", "grüße ☕", {"order": 42}, [1, 2]]
    for payload in payloads:
        assert cache.publish(key, payload, kind="list").data[0]["kind"] == "list"
    bodies = [m["body"] for m in cache.peek(key).data]
    # a list keeps bare values: bytes that are not UTF-8 stay bytes; JSON is decoded
    assert bodies == [b"\xff\xferaw", "plain text", "grüße ☕", {"order": 42}, [1, 2]]


def test_peek_does_not_consume_and_get_does(cache: Redis, key: str) -> None:
    sent = cache.publish(key, pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "ç"]}), kind="list")
    assert sent.rows == 3
    assert sent.raw["published"] == 3
    assert cache.peek(key).df["body.id"].tolist() == [1, 2, 3]
    assert cache.stats(key).data["length"] == 3
    assert cache.get(key, count=2).df["body.name"].tolist() == ["a", "b"]
    assert cache.stats(key).data["length"] == 1
    assert cache.get(key).data[0]["body"] == {"id": 3, "name": "ç"}
    assert cache.get(key).data == []


def test_stream_publish_peek_get_and_stats(cache: Redis, key: str) -> None:
    sent = cache.publish(key, {"n": 1}, headers={"source": "test"}, key="k1", kind="stream")
    cache.publish(key, "two", kind="stream")
    ids = [sent.data[0]["id"]]
    assert "-" in ids[0]
    peeked = cache.peek(key).data
    assert [m["body"] for m in peeked] == [{"n": 1}, "two"]
    assert peeked[0]["headers"] == {"source": "test"}
    assert peeked[0]["message_key"] == "k1"
    assert peeked[0]["content_type"] == "application/json"
    assert peeked[0]["timestamp"] is not None
    assert [m["body"] for m in cache.get(key).data] == [{"n": 1}]
    stats = cache.stats(key).data
    assert (stats["type"], stats["length"], stats["groups"], stats["pending"]) == (
        "stream",
        2,
        1,
        0,
    )
    assert [m["body"] for m in cache.get(key, count=5).data] == ["two"]
    assert cache.get(key).data == []
    assert len(cache.peek(key).data) == 2  # entries stay in the stream


def test_headers_need_a_stream(cache: Redis, key: str) -> None:
    with pytest.raises(ActionArgumentError, match="kind='stream'"):
        cache.publish(key, "x", headers={"a": "b"})


def test_pubsub_publish_reaches_a_subscriber(cache: Redis) -> None:
    channel = f"wb:test:chan:{uuid.uuid4().hex}"
    pubsub = cache.client().pubsub()
    try:
        pubsub.subscribe(channel)
        assert pubsub.get_message(timeout=2)["type"] == "subscribe"
        sent = cache.publish(channel, {"hello": "wörld"})
        assert sent.data[0]["receivers"] == 1
        message = pubsub.get_message(timeout=2)
        assert message["data"] == '{"hello": "wörld"}'.encode()
    finally:
        pubsub.close()


def test_keys_values_ttl_and_hashes(cache: Redis, key: str) -> None:
    other = f"{key}:h"
    try:
        assert cache.set_key(key, {"a": 1}, ttl=60).data["ttl"] == 60
        assert cache.get_key(key).data == {"a": 1}
        assert cache.set_key(other + "x", "text").data["bytes"] == 4
        assert cache.get_key(other + "x").data == "text"
        assert cache.get_key(f"{key}:missing").data is None
        assert cache.hset(other, {"name": "Ada", "tags": ["x"], "n": 3}).data == 3
        assert cache.hget(other, "name").data == "Ada"
        assert cache.hgetall(other).data == {"name": "Ada", "tags": ["x"], "n": 3}
        found = cache.keys(f"{key}*").df.sort_values("key")
        assert found["key"].tolist() == [key, other, other + "x"]
        assert found["type"].tolist() == ["string", "hash", "string"]
        assert 0 < found["ttl"].iloc[0] <= 60
        assert cache.stats(other).data["length"] == 3
        assert cache.delete([other, other + "x"]).data == 2
    finally:
        cache.client().delete(other, other + "x")


def test_xadd_and_xrange(cache: Redis, key: str) -> None:
    first = cache.xadd(key, {"temp": 21.5, "room": "kitchen"}).data
    cache.xadd(key, {"temp": 19, "room": "hall"})
    rows = cache.xrange(key).df
    assert rows["room"].tolist() == ["kitchen", "hall"]
    assert rows["temp"].tolist() == [21.5, 19]
    assert cache.xrange(key, start=first, end=first).data[0]["id"] == first


def test_stream_trigger_yields_events_with_entry_ids(cache: Redis, key: str) -> None:
    ids = [cache.publish(key, {"i": i}, kind="stream").data[0]["id"] for i in range(2)]
    events = events_of(cache.stream(key, start="0", max_events=2, timeout=2))
    assert [e.id for e in events] == ids
    assert [e.data for e in events] == [{"i": 0}, {"i": 1}]
    assert events[0].source == "cache.stream"
    assert events[0].subject == key


@pytest.mark.slow
def test_stream_trigger_waits_for_new_entries_and_ends_on_timeout(cache: Redis, key: str) -> None:
    cache.publish(key, "old", kind="stream")
    timer = threading.Timer(0.3, lambda: cache.publish(key, "new", kind="stream"))
    timer.start()
    try:
        events = events_of(islice(cache.stream(key, max_events=5, timeout=1.5), 10))
    finally:
        timer.join()
    assert [e.data for e in events] == ["new"]


def pending(cache: Redis, key: str, group: str = "workbench") -> dict[str, int]:
    """How many entries each consumer of the group holds unacknowledged."""
    return {c["name"].decode(): c["pending"] for c in cache.client().xinfo_consumers(key, group)}


def test_an_event_is_acknowledged_only_when_the_reader_resumes(cache: Redis, key: str) -> None:
    [sent] = cache.publish(key, {"n": 1}, kind="stream").data
    source = cache.stream(key, start="0", consumer="a", timeout=2)
    [first] = first_events(source)  # type: ignore[arg-type]
    source.close()  # type: ignore[attr-defined]
    assert pending(cache, key) == {"a": 1}
    again = cache.stream(key, consumer="a", timeout=2)  # its own pending entries come first
    [repeat] = first_events(again)  # type: ignore[arg-type]
    assert repeat.id == first.id == sent["id"]
    assert idle_gap(again) < 1.5  # type: ignore[arg-type]  # resumed: XACK
    again.close()  # type: ignore[attr-defined]
    assert pending(cache, key) == {"a": 0}


def test_what_is_waiting_comes_as_one_batch_acknowledged_together(cache: Redis, key: str) -> None:
    cache.publish(key, pd.DataFrame({"n": range(25)}), kind="stream")
    source = cache.stream(key, start="0", consumer="a", timeout=2)
    batch = first_events(source)  # type: ignore[arg-type]
    assert [e.data["n"] for e in batch] == list(range(25))
    assert pending(cache, key) == {"a": 25}
    assert idle_gap(source) < 1.5  # type: ignore[arg-type]
    assert pending(cache, key) == {"a": 0}
    source.close()  # type: ignore[attr-defined]


def test_an_idle_source_yields_none_within_a_second(cache: Redis, key: str) -> None:
    source = cache.stream(key, max_events=None, timeout=None)
    assert_idle(source)  # type: ignore[arg-type]


def test_the_group_starts_where_told(cache: Redis, key: str) -> None:
    cache.publish(key, "before", kind="stream")
    assert events_of(cache.stream(key, group="new-only", timeout=0.3)) == []
    cache.publish(key, "after", kind="stream")
    assert [e.data for e in events_of(cache.stream(key, group="new-only", timeout=0.3))] == [
        "after"
    ]
    every = events_of(cache.stream(key, group="all", start="0", timeout=0.3))
    assert [e.data for e in every] == ["before", "after"]


def test_entries_of_a_dead_consumer_are_claimed_and_it_leaves_the_group(
    cache: Redis, key: str
) -> None:
    cache.publish(key, pd.DataFrame({"n": [1, 2]}), kind="stream")
    dead = cache.stream(key, start="0", consumer="dead", timeout=2)
    taken = first_events(dead)  # type: ignore[arg-type]
    dead.close()  # type: ignore[attr-defined]  # as if its process had died: never acknowledged
    assert pending(cache, key) == {"dead": 2}
    time.sleep(0.3)
    claimed = events_of(cache.stream(key, consumer="alive", claim_idle=0.2, timeout=1.5))
    assert [e.id for e in claimed] == [e.id for e in taken]
    assert pending(cache, key) == {"alive": 0}  # "dead" had nothing left: it was removed


def test_deleted_and_foreign_entries_do_not_block_the_stream(cache: Redis, key: str) -> None:
    first = cache.xadd(key, {"sensor": "t1", "raw": b"\xff"}).data
    second = cache.xadd(key, {"sensor": "t2"}).data
    source = cache.stream(key, start="0", consumer="a", timeout=2)
    taken = first_events(source)  # type: ignore[arg-type]
    source.close()  # type: ignore[attr-defined]
    assert taken[0].data == {
        "sensor": "t1",
        "raw": {"content_type": "application/octet-stream", "base64": "/w=="},
    }
    cache.client().xdel(key, first)  # gone while pending
    again = events_of(cache.stream(key, consumer="a", timeout=0.5))
    assert [e.id for e in again] == [second]
    assert pending(cache, key) == {"a": 0}


def test_connect_by_name_and_missing_driver_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.register(Redis)
    (wb_project := __import__("pathlib").Path("workbench.toml")).write_text(
        '[connections.cache]\nconnector = "redis"\nhost = "127.0.0.1"\n'
    )
    assert wb_project.exists()
    with wb.connect("cache") as cache:
        assert cache.check().startswith("Redis ")
    monkeypatch.setitem(__import__("sys").modules, "redis", None)
    with Redis(connection="nodriver") as bare, pytest.raises(MissingDependencyError) as info:
        bare.check()
    assert "pip install 'workbench[redis]'" in str(info.value)


def test_a_closed_connector_reconnects_on_next_use(cache: Redis) -> None:
    assert cache.check()
    cache.close()
    assert cache.check().startswith("Redis")
