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

import workbench as wb
from connectors.mqtt import Mqtt, MqttConfig
from workbench import registry
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
        lambda: list(broker.messages(f"{topic}/#", max_events=2, timeout=3))
    )
    sent = broker.publish(f"{topic}/x", pd.DataFrame({"i": [1, 2]})).data
    thread.join()
    events = out[0]
    assert [e.id for e in events] == [s["id"] for s in sent]
    assert [e.data for e in events] == [{"i": 1}, {"i": 2}]
    assert events[0].headers["topic"] == f"{topic}/x"
    assert events[0].source == "broker.messages"


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
