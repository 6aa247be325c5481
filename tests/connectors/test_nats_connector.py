"""The nats connector against the machine's real NATS server with JetStream (127.0.0.1:4222)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from brokers import assert_idle, events_of, first_events, idle_gap

import workbench as wb
from workbench import registry
from workbench.connectors.nats import Nats, NatsConfig
from workbench.connectors.nats.consumers import durable_name
from workbench.errors import ActionError, ConnectionFailedError, MissingDependencyError


@pytest.fixture(scope="module")
def bus() -> Iterator[Nats]:
    connector = Nats(NatsConfig(host="127.0.0.1"), connection="bus")
    yield connector
    connector.close()


@pytest.fixture
def stream(bus: Nats) -> Iterator[tuple[str, str]]:
    """A fresh stream and the subject prefix it stores."""
    token = uuid.uuid4().hex
    name, prefix = f"WB_TEST_{token}", f"wbtest.{token}"
    bus.add_stream(name, [f"{prefix}.>"])
    yield name, prefix
    bus.delete_stream(name)


def test_check_reports_version_and_jetstream(bus: Nats) -> None:
    reply = bus.check()
    assert reply.startswith("NATS ")
    assert reply.endswith("nats://127.0.0.1:4222 (JetStream)")


def test_check_against_a_closed_port_fails_fast() -> None:
    started = time.monotonic()
    with (
        Nats(NatsConfig(host="127.0.0.1", port=1), connection="gone") as down,
        pytest.raises(ConnectionFailedError, match="cannot reach the server") as info,
    ):
        down.check()
    assert info.value.exit_code == 7
    assert time.monotonic() - started < 5


def test_secrets_stay_out_of_reprs_and_errors() -> None:
    config = NatsConfig(url="nats://app:Nats-S3cret-9@127.0.0.1:1", token="T0ken-Value-77")
    with Nats(config, connection="gone") as down, pytest.raises(ConnectionFailedError) as info:
        down.check()
    for text in (str(info.value), repr(config), repr(down)):
        assert "Nats-S3cret-9" not in text
        assert "T0ken-Value-77" not in text


def test_publish_to_a_stream_is_acked_with_sequences(bus: Nats, stream: tuple[str, str]) -> None:
    name, prefix = stream
    payloads = [b"\xff\xferaw", "plain", "grüße ☕", {"a": 1}, [1, 2]]
    acks = [bus.publish(f"{prefix}.kinds", p, headers={"src": "t"}).data[0] for p in payloads]
    assert [a["seq"] for a in acks] == [1, 2, 3, 4, 5]
    assert all(a["acked"] and a["stream"] == name for a in acks)
    peeked = bus.peek(name).data
    assert [m["body"] for m in peeked] == payloads
    assert peeked[0]["headers"] == {"src": "t"}
    assert peeked[3]["content_type"] == "application/json"
    assert peeked[0]["id"] == acks[0]["id"]
    assert peeked[0]["timestamp"] is not None


def test_dataframe_rows_and_key_deduplication(bus: Nats, stream: tuple[str, str]) -> None:
    name, prefix = stream
    sent = bus.publish(f"{prefix}.rows", pd.DataFrame({"id": [1, 2, 3]}), key="batch-1")
    assert sent.rows == 3
    assert sent.df["seq"].tolist() == [1, 2, 3]
    assert sent.df["id"].tolist() == ["batch-1-0", "batch-1-1", "batch-1-2"]
    again = bus.publish(f"{prefix}.one", "x", key="same").data[0]
    repeat = bus.publish(f"{prefix}.one", "x", key="same").data[0]
    assert repeat["duplicate"] is True
    assert repeat["seq"] == again["seq"]
    assert bus.stats(name).data["messages"] == 4


def test_peek_by_sequence_and_last_of_subject(bus: Nats, stream: tuple[str, str]) -> None:
    name, prefix = stream
    for i in range(4):
        bus.publish(f"{prefix}.{'a' if i % 2 else 'b'}", {"i": i})
    assert [m["seq"] for m in bus.peek(name, seq=2, count=2).data] == [2, 3]
    assert bus.peek(name, last=f"{prefix}.b").data[0]["body"] == {"i": 2}
    assert bus.peek(name, seq=99).data == []


def test_peek_does_not_consume_and_get_does(bus: Nats, stream: tuple[str, str]) -> None:
    name, prefix = stream
    bus.publish(f"{prefix}.q", pd.DataFrame({"n": [1, 2, 3]}))
    assert len(bus.peek(name).data) == 3
    assert len(bus.peek(name).data) == 3
    first = bus.get(name, count=2).df
    assert first["body.n"].tolist() == [1, 2]
    assert first["seq"].tolist() == [1, 2]
    assert bus.get(name, count=5).data[0]["body"] == {"n": 3}
    assert bus.get(name, timeout=0.2).data == []
    assert bus.stats(name).data["consumers"] == 1


def test_stats_reflect_the_stream(bus: Nats, stream: tuple[str, str]) -> None:
    name, prefix = stream
    bus.publish(f"{prefix}.s", ["x", "y"])
    bus.publish(f"{prefix}.s", "z")
    stats = bus.stats(name).data
    assert stats["subjects"] == [f"{prefix}.>"]
    assert (stats["messages"], stats["first_seq"], stats["last_seq"]) == (2, 1, 2)
    assert stats["bytes"] > 0


def test_plain_publish_outside_any_stream_reaches_a_subscriber(bus: Nats) -> None:
    subject = f"wbtest.core.{uuid.uuid4().hex}"
    received: list[object] = []

    def listen() -> None:
        received.extend(e.data for e in events_of(bus.messages(subject, max_events=2, timeout=3)))

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.3)
    sent = bus.publish(subject, pd.DataFrame({"k": ["ü", "v"]}))
    listener.join()
    assert sent.df["acked"].tolist() == [False, False]
    assert sent.df["stream"].isna().all()
    assert received == [{"k": "ü"}, {"k": "v"}]


def test_trigger_events_have_stable_ids(bus: Nats, stream: tuple[str, str]) -> None:
    name, prefix = stream
    subject = f"{prefix}.events"
    events: list[object] = []
    listener = threading.Thread(
        target=lambda: events.extend(
            events_of(bus.messages(f"{prefix}.>", max_events=2, timeout=3))
        )
    )
    listener.start()
    time.sleep(0.3)
    bus.publish(subject, {"a": 1}, key="evt-1")
    bus.publish(subject, {"a": 2})
    listener.join()
    assert [e.id for e in events] == [f"{name}:1", f"{name}:2"]  # type: ignore[attr-defined]
    assert events[0].source == "bus.messages"  # type: ignore[attr-defined]
    assert events[0].headers["subject"] == subject  # type: ignore[attr-defined]
    assert events[0].subject == subject  # type: ignore[attr-defined]


def consumers(bus: Nats, stream: str) -> dict[str, tuple[int, int]]:
    """Each durable consumer of a stream: (messages not yet delivered, delivered not acked)."""

    async def info() -> dict[str, tuple[int, int]]:
        found = await (await bus._client()).jsm().consumers_info(stream)
        return {c.name: (c.num_pending, c.num_ack_pending) for c in found}

    return bus._run(info())


def test_a_durable_consumer_is_made_once_and_remembers(bus: Nats, stream: tuple[str, str]) -> None:
    name, prefix = stream
    source = bus.messages(f"{prefix}.>", max_events=None, timeout=None)
    assert next(source) is None  # type: ignore[call-overload]  # subscribed: the durable exists
    source.close()  # type: ignore[attr-defined]
    durable = durable_name("bus", f"{prefix}.>")
    assert consumers(bus, name) == {durable: (0, 0)}
    bus.publish(f"{prefix}.a", pd.DataFrame({"n": [1, 2]}))  # while nobody reads
    assert [e.data for e in events_of(bus.messages(f"{prefix}.>", timeout=1))] == [
        {"n": 1},
        {"n": 2},
    ]
    assert consumers(bus, name) == {durable: (0, 0)}  # all acknowledged
    every = events_of(bus.messages(f"{prefix}.>", durable="from-start", start="all", timeout=1))
    assert [e.id for e in every] == [f"{name}:1", f"{name}:2"]


def test_an_event_is_acknowledged_only_when_the_reader_resumes(
    bus: Nats, stream: tuple[str, str]
) -> None:
    name, prefix = stream
    bus.publish(f"{prefix}.a", "one")
    source = bus.messages(f"{prefix}.>", start="all", timeout=2)
    [first] = first_events(source)  # type: ignore[arg-type]
    source.close()  # type: ignore[attr-defined]  # not resumed: handed back at once
    again = bus.messages(f"{prefix}.>", timeout=2)
    [repeat] = first_events(again)  # type: ignore[arg-type]
    assert repeat.id == first.id == f"{name}:1"
    assert idle_gap(again) < 1.5  # type: ignore[arg-type]  # resumed: acknowledged
    again.close()  # type: ignore[attr-defined]
    assert list(consumers(bus, name).values()) == [(0, 0)]


def test_what_is_waiting_comes_as_one_batch_acknowledged_together(
    bus: Nats, stream: tuple[str, str]
) -> None:
    name, prefix = stream
    bus.publish(f"{prefix}.a", pd.DataFrame({"n": range(25)}))
    source = bus.messages(f"{prefix}.>", start="all", timeout=2)
    batch = first_events(source)  # type: ignore[arg-type]
    assert [e.data["n"] for e in batch] == list(range(25))
    assert list(consumers(bus, name).values()) == [(0, 25)]  # delivered, not yet acknowledged
    assert idle_gap(source) < 1.5  # type: ignore[arg-type]
    assert list(consumers(bus, name).values()) == [(0, 0)]
    source.close()  # type: ignore[attr-defined]


def test_an_idle_source_yields_none_within_a_second(bus: Nats, stream: tuple[str, str]) -> None:
    _, prefix = stream
    for subject in (f"{prefix}.>", f"wbtest.live.{uuid.uuid4().hex}"):  # durable, then live
        assert_idle(bus.messages(subject, max_events=None, timeout=None))  # type: ignore[arg-type]


def test_live_messages_without_an_id_get_one_derived_from_the_message(bus: Nats) -> None:
    import nats

    subject = f"wbtest.core.{uuid.uuid4().hex}"
    source = bus.messages(subject, timeout=2)
    assert next(source) is None  # type: ignore[call-overload]

    async def foreign() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        await nc.publish(subject, b"\xff")
        await nc.publish(subject, b"\xff")  # the same message again: the same event
        await nc.close()

    asyncio.run(foreign())
    events = events_of(source)
    assert len(events) == 2
    assert events[0].id == events[1].id
    assert len(events[0].id) == 64
    assert events[0].data == {"content_type": "application/octet-stream", "base64": "/w=="}


def test_trigger_ends_on_timeout(bus: Nats) -> None:
    started = time.monotonic()
    assert list(bus.messages(f"wbtest.silent.{uuid.uuid4().hex}", timeout=0.3)) == []
    assert time.monotonic() - started < 2


def test_request_reply_with_a_responder(bus: Nats) -> None:
    import nats

    subject = f"wbtest.rpc.{uuid.uuid4().hex}"
    ready, done = threading.Event(), threading.Event()

    async def responder() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")

        async def answer(msg: nats.aio.msg.Msg) -> None:
            await msg.respond(b'{"echo": ' + msg.data + b', "by": "responder"}')

        await nc.subscribe(subject, cb=answer)
        await nc.flush()
        ready.set()
        while not done.is_set():
            await asyncio.sleep(0.02)
        await nc.close()

    thread = threading.Thread(target=asyncio.run, args=(responder(),))
    thread.start()
    try:
        assert ready.wait(5)
        reply = bus.request(subject, {"q": "ping ☕"}, timeout=2)
        assert reply.data["body"] == {"echo": {"q": "ping ☕"}, "by": "responder"}
    finally:
        done.set()
        thread.join()


def test_request_without_responder_fails_clearly(bus: Nats) -> None:
    with pytest.raises(ActionError, match="no responder"):
        bus.request(f"wbtest.nobody.{uuid.uuid4().hex}", "hi", timeout=0.5)


def test_missing_stream_fails_clearly(bus: Nats) -> None:
    for call in (bus.stats, bus.peek, bus.get, bus.delete_stream):
        with pytest.raises(ActionError, match="no JetStream stream named"):
            call("WB_NO_SUCH_STREAM")


def test_connect_by_name_and_missing_driver_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.register(Nats)
    Path("workbench.toml").write_text('[connections.bus]\nconnector = "nats"\nhost = "127.0.0.1"\n')
    with wb.connect("bus") as bus:
        assert bus.check().startswith("NATS")
    monkeypatch.setitem(__import__("sys").modules, "nats", None)
    with Nats(connection="nodriver") as bare, pytest.raises(MissingDependencyError) as info:
        bare.check()
    assert "pip install 'workbench[nats]'" in str(info.value)


def test_driver_logs_never_show_the_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    config = NatsConfig(url="nats://app:Log-S3cret-66@127.0.0.1:1")
    with Nats(config, connection="bad") as bad, pytest.raises(ConnectionFailedError):
        bad.check()
    assert "Log-S3cret-66" not in caplog.text


def test_a_closed_connector_starts_again_on_next_use() -> None:
    bus = Nats(NatsConfig(host="127.0.0.1"), connection="again")
    try:
        assert bus.check().startswith("NATS")
        bus.close()
        assert bus.check().startswith("NATS")
    finally:
        bus.close()
