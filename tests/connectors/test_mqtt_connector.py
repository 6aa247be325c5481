"""The mqtt connector against the machine's real Mosquitto broker (127.0.0.1:1883)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from brokers import assert_idle, events_of, first_events, idle_gap

import workbench as wb
from workbench import registry
from workbench.connectors.mqtt import Mqtt, MqttConfig
from workbench.errors import ActionArgumentError, ConnectionFailedError, MissingDependencyError


@pytest.fixture(scope="module")
def broker() -> Iterator[Mqtt]:
    connector = Mqtt(MqttConfig(host="127.0.0.1"), connection="broker")
    yield connector
    connector.close()


@pytest.fixture
def topic(broker: Mqtt) -> Iterator[str]:
    name = f"wbtest/{uuid.uuid4().hex}"
    yield name
    broker.publish(name, b"", retain=True)  # clear any retained message
    for listened in (name, f"{name}/#"):
        broker.end_session(listened)  # the trigger's persistent sessions


def in_background(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``work`` in a thread (a subscriber), give it time to subscribe, return its output."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    time.sleep(0.3)
    return thread, out


def test_check_reports_the_broker_version(broker: Mqtt) -> None:
    reply = broker.check()
    assert reply.startswith("MQTT mosquitto version ")
    assert reply.endswith(" at 127.0.0.1:1883")


def test_check_against_a_closed_port_fails_fast() -> None:
    started = time.monotonic()
    with (
        Mqtt(MqttConfig(host="127.0.0.1", port=1), connection="gone") as down,
        pytest.raises(ConnectionFailedError, match="cannot reach the broker") as info,
    ):
        down.check()
    assert info.value.exit_code == 7
    assert time.monotonic() - started < 5


def test_password_stays_secret() -> None:
    config = MqttConfig(url="mqtt://app:Mqtt-S3cret-1@127.0.0.1:1")
    with Mqtt(config, connection="gone") as down, pytest.raises(ConnectionFailedError) as info:
        down.check()
    for text in (str(info.value), repr(config), repr(down), str(config.public_fields())):
        assert "Mqtt-S3cret-1" not in text


def test_publish_is_acknowledged_and_payload_kinds_round_trip(broker: Mqtt, topic: str) -> None:
    payloads = [b"\xff\xferaw", "plain", "grüße ☕ 日本", {"a": 1}, [1, "two"]]
    thread, out = in_background(lambda: broker.get(topic, count=5, timeout=5).data)
    acks = [broker.publish(topic, p, headers={"src": "t"}).data[0] for p in payloads]
    thread.join()
    assert all(a["acked"] for a in acks)
    got = out[0]
    assert [m["body"] for m in got] == payloads
    assert [m["id"] for m in got] == [a["id"] for a in acks]
    assert got[0]["headers"] == {"src": "t"}
    assert got[3]["content_type"] == "application/json"
    assert got[0]["qos"] == 1


def test_dataframe_publishes_one_message_per_row(broker: Mqtt, topic: str) -> None:
    thread, out = in_background(lambda: broker.get(topic, count=3, timeout=5).df)
    sent = broker.publish(topic, pd.DataFrame({"n": [1, 2, 3], "s": ["a", "b", "ü"]}), key="r")
    thread.join()
    assert sent.rows == 3
    assert sent.raw["published"] == 3
    assert sent.df["id"].tolist() == ["r-0", "r-1", "r-2"]
    assert out[0]["body.s"].tolist() == ["a", "b", "ü"]


def test_peek_reads_the_retained_message_without_consuming_it(broker: Mqtt, topic: str) -> None:
    assert broker.peek(topic).data == []
    broker.publish(topic, {"v": 1}, retain=True)
    broker.publish(topic, {"v": 2}, retain=True)
    assert broker.peek(topic).data[0]["body"] == {"v": 2}
    assert broker.peek(topic).data[0]["retained"] is True  # still there
    assert broker.peek(f"{topic}/+", timeout=0.3).data == []  # no retained message below it
    assert broker.get(topic, timeout=1).data[0]["body"] == {"v": 2}
    assert broker.get(topic, timeout=0.3, retained=False).data == []
    broker.publish(topic, b"", retain=True)
    assert broker.peek(topic, timeout=0.3).data == []


def test_peek_with_a_wildcard_reads_each_retained_topic(broker: Mqtt, topic: str) -> None:
    try:
        broker.publish(f"{topic}/a", "A", retain=True)
        broker.publish(f"{topic}/b", "B", retain=True)
        found = broker.peek(f"{topic}/+", timeout=0.5).df.sort_values("topic")
        assert found["body"].tolist() == ["A", "B"]
    finally:
        broker.publish(f"{topic}/a", b"", retain=True)
        broker.publish(f"{topic}/b", b"", retain=True)


def test_get_times_out_with_nothing(broker: Mqtt, topic: str) -> None:
    started = time.monotonic()
    assert broker.get(topic, timeout=0.3).data == []
    assert time.monotonic() - started < 2


def test_trigger_delivers_events_with_message_ids(broker: Mqtt, topic: str) -> None:
    broker.publish(topic, "old", retain=True)  # a retained value is not a new event
    thread, out = in_background(
        lambda: events_of(broker.messages(f"{topic}/#", max_events=2, timeout=3))
    )
    sent = broker.publish(f"{topic}/x", pd.DataFrame({"i": [1, 2]})).data
    thread.join()
    events = out[0]
    assert [e.id for e in events] == [s["id"] for s in sent]
    assert [e.data for e in events] == [{"i": 1}, {"i": 2}]
    assert events[0].headers["topic"] == events[0].subject == f"{topic}/x"
    assert events[0].source == "broker.messages"


def subscribed(broker: Mqtt, topic: str, **inputs: Any) -> None:
    """Open the trigger once, so its persistent session holds the subscription."""
    source = broker.messages(topic, **inputs)
    assert next(source) is None  # type: ignore[call-overload]  # subscribed, nothing yet
    source.close()  # type: ignore[attr-defined]


def test_messages_published_while_away_are_delivered_when_back(broker: Mqtt, topic: str) -> None:
    subscribed(broker, topic)
    sent = broker.publish(topic, pd.DataFrame({"n": [1, 2, 3]}), key="away").data
    events = events_of(broker.messages(topic, max_events=3, timeout=3))
    assert [e.id for e in events] == [s["id"] for s in sent] == ["away-0", "away-1", "away-2"]
    assert events_of(broker.messages(topic, timeout=0.5)) == []  # all were acknowledged


def test_an_event_is_acknowledged_only_when_the_reader_resumes(broker: Mqtt, topic: str) -> None:
    subscribed(broker, topic)
    broker.publish(topic, {"n": 1}, key="once")
    source = broker.messages(topic, timeout=3)
    [first] = first_events(source)  # type: ignore[arg-type]
    source.close()  # type: ignore[attr-defined]  # never resumed: no PUBACK
    again = broker.messages(topic, timeout=3)
    [repeat] = first_events(again)  # type: ignore[arg-type]
    assert (repeat.id, repeat.data) == (first.id, {"n": 1}) == ("once", {"n": 1})
    assert idle_gap(again) < 1.5  # type: ignore[arg-type]  # resumed: acknowledged
    again.close()  # type: ignore[attr-defined]
    assert events_of(broker.messages(topic, timeout=0.5)) == []


def test_what_is_waiting_comes_as_one_batch_acknowledged_together(broker: Mqtt, topic: str) -> None:
    subscribed(broker, topic)
    broker.publish(topic, pd.DataFrame({"n": range(5)}), key="b")
    source = broker.messages(topic, timeout=3)
    batches = [first_events(source)]  # type: ignore[arg-type]
    while sum(len(b) for b in batches) < 5:
        batches.append(first_events(source))  # type: ignore[arg-type]
    assert [e.data["n"] for b in batches for e in b] == [0, 1, 2, 3, 4]
    assert max(len(b) for b in batches) > 1  # what was there came together
    source.close()  # type: ignore[attr-defined]  # the last batch is not acknowledged
    again = events_of(broker.messages(topic, timeout=0.5))
    assert [e.id for e in again] == [e.id for e in batches[-1]]


def test_an_idle_source_yields_none_within_a_second(broker: Mqtt, topic: str) -> None:
    source = broker.messages(topic, max_events=None, timeout=None)
    assert_idle(source)  # type: ignore[arg-type]


def test_a_message_without_an_id_gets_one_derived_from_it(broker: Mqtt, topic: str) -> None:
    import paho.mqtt.client as mqtt
    import paho.mqtt.publish

    subscribed(broker, topic, client_id=f"wb-test-{uuid.uuid4().hex}")
    client_id = f"wb-test-{uuid.uuid4().hex}"
    subscribed(broker, topic, client_id=client_id)
    paho.mqtt.publish.single(topic, b"\xff\xfe", qos=1, hostname="127.0.0.1", protocol=mqtt.MQTTv5)
    source = broker.messages(topic, timeout=3, client_id=client_id)
    [first] = first_events(source)  # type: ignore[arg-type]
    source.close()  # type: ignore[attr-defined]
    [again] = events_of(broker.messages(topic, max_events=1, timeout=3, client_id=client_id))
    broker.end_session(topic, client_id=client_id)
    assert len(first.id) == 64
    assert again.id == first.id
    assert first.data == {"content_type": "application/octet-stream", "base64": "//4="}


def test_a_consumer_whose_session_is_taken_over_stops_clearly(broker: Mqtt, topic: str) -> None:
    first = broker.messages(topic, max_events=None, timeout=None)
    assert next(first) is None  # type: ignore[call-overload]
    second = broker.messages(topic, max_events=None, timeout=None)  # the same client id
    assert next(second) is None  # type: ignore[call-overload]
    with pytest.raises(ConnectionFailedError, match="give each consumer its own client_id"):
        events_of(first)  # type: ignore[arg-type]  # it would idle forever, were it not ended
    second.close()  # type: ignore[attr-defined]


def test_end_session_forgets_the_subscription(broker: Mqtt, topic: str) -> None:
    subscribed(broker, topic)
    assert broker.end_session(topic).data["ended"] is True
    broker.publish(topic, "nobody was subscribed")
    assert events_of(broker.messages(topic, timeout=0.5)) == []


def test_wildcards_and_bad_qos_are_refused_for_publish(broker: Mqtt) -> None:
    with pytest.raises(ActionArgumentError, match="without wildcards"):
        broker.publish("a/#", "x")
    with pytest.raises(ActionArgumentError):
        broker.publish("a/b", "x", qos=3)


def test_there_is_no_stats_action() -> None:
    assert "stats" not in Mqtt.action_specs


def test_connect_by_name_and_missing_driver_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.register(Mqtt)
    Path("workbench.toml").write_text(
        '[connections.broker]\nconnector = "mqtt"\nhost = "127.0.0.1"\n'
    )
    with wb.connect("broker") as broker:
        assert broker.check().startswith("MQTT")
    monkeypatch.setitem(__import__("sys").modules, "paho.mqtt.client", None)
    with Mqtt(connection="nodriver") as bare, pytest.raises(MissingDependencyError) as info:
        bare.check()
    assert "pip install 'workbench[mqtt]'" in str(info.value)
