"""The kafka connector, tested only where that is honest: there is no Kafka broker here.

Settings, record encoding, the missing-driver hint, a clear failure of ``check()`` and of
the trigger against a closed port, and the trigger's pieces that need no broker: its
arguments, its consumer options, its events and the offsets it commits. Publishing and
reading need a broker and are not tested.
"""

from __future__ import annotations

import socket
import sys
import time

import pandas as pd
import pytest
from pydantic import ValidationError

from workbench.connectors.kafka import Kafka, KafkaConfig
from workbench.connectors.kafka.consumer import group_options, offsets_to_commit, record_event
from workbench.connectors.kafka.records import outgoing
from workbench.errors import ActionArgumentError, ConnectionFailedError, MissingDependencyError


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_config_validates_servers_and_sasl() -> None:
    assert KafkaConfig(bootstrap_servers="a:1, b:2").servers == ["a:1", "b:2"]
    with pytest.raises(ValidationError, match="expected host:port"):
        KafkaConfig(bootstrap_servers="just-a-host")
    with pytest.raises(ValidationError, match="needs username and password"):
        KafkaConfig(security_protocol="SASL_PLAINTEXT", username="app")
    config = KafkaConfig(security_protocol="SASL_PLAINTEXT", username="app", password="Kafka-Pw-42")
    assert "Kafka-Pw-42" not in repr(config)
    assert config.options()["sasl_plain_password"] == "Kafka-Pw-42"


def test_records_carry_content_type_key_and_headers() -> None:
    [text] = outgoing("grüße", {"n": "1"}, None)
    assert text.value == "grüße".encode()
    assert text.key is None
    assert text.headers == [("content-type", b"text/plain; charset=utf-8"), ("n", b"1")]
    [raw] = outgoing(b"\x00\xff", None, "k")
    assert (raw.value, raw.key, raw.headers[0][1]) == (
        b"\x00\xff",
        b"k",
        b"application/octet-stream",
    )
    [data] = outgoing([1, {"a": None}], None, None)
    assert data.value == b'[1, {"a": null}]'


def test_a_dataframe_is_one_record_per_row() -> None:
    frame = pd.DataFrame({"id": [1, 2], "at": pd.to_datetime(["2025-01-01", "2025-01-02"])})
    records = outgoing(frame, None, "batch")
    assert [r.value for r in records] == [
        b'{"id": 1, "at": "2025-01-01T00:00:00.000"}',
        b'{"id": 2, "at": "2025-01-02T00:00:00.000"}',
    ]
    assert {r.key for r in records} == {b"batch"}


def test_unserialisable_payload_is_an_argument_error() -> None:
    with pytest.raises(ActionArgumentError, match="JSON"):
        outgoing({"when": object()}, None, None)


def test_check_against_a_closed_port_fails_fast_and_clearly() -> None:
    config = KafkaConfig(bootstrap_servers=f"127.0.0.1:{closed_port()}", timeout=2)
    started = time.monotonic()
    with Kafka(config, connection="events") as events:
        with pytest.raises(ConnectionFailedError, match="cannot reach the brokers") as info:
            events.check()
        with pytest.raises(ConnectionFailedError):
            events.publish("orders", {"order": 1})
    assert info.value.exit_code == 7
    assert "events: Kafka at 127.0.0.1:" in str(info.value)
    assert time.monotonic() - started < 5


def test_missing_driver_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiokafka", None)
    with Kafka(connection="nodriver") as bare, pytest.raises(MissingDependencyError) as info:
        bare.check()
    assert "pip install 'workbench[kafka]'" in str(info.value)
    assert info.value.exit_code == 9


def consumer_record(partition: int, offset: int, value: bytes, content_type: bytes) -> object:
    from aiokafka.structs import ConsumerRecord

    headers = [("content-type", content_type), ("trace", b"t-1")]
    return ConsumerRecord(
        "orders", partition, offset, 1_700_000_000_000, 0, b"c-7", value, None, 3, 1, headers
    )


def test_trigger_events_have_offset_ids_and_json_ready_data() -> None:
    event = record_event("events.messages", consumer_record(2, 17, b"\x00\xff", b"image/png"))
    assert event.id == "orders:2:17"
    assert event.subject == "orders"
    assert event.type == "kafka.record"
    assert event.data == {"content_type": "image/png", "base64": "AP8="}
    assert event.headers == {"trace": "t-1", "key": "c-7"}
    assert event.time.year == 2023
    again = record_event("events.messages", consumer_record(2, 17, b"\x00\xff", b"image/png"))
    assert again.id == event.id  # a record read again is the same event


def test_commits_cover_each_partition_up_to_its_last_record() -> None:
    records = [
        consumer_record(p, o, b"{}", b"application/json") for p, o in [(0, 3), (1, 8), (0, 4)]
    ]
    offsets = offsets_to_commit(records)  # type: ignore[arg-type]
    assert {(tp.topic, tp.partition): o for tp, o in offsets.items()} == {
        ("orders", 0): 5,
        ("orders", 1): 9,
    }


def test_the_trigger_joins_a_group_with_auto_commit_off() -> None:
    assert group_options("billing", "new") == {
        "group_id": "billing",
        "enable_auto_commit": False,
        "auto_offset_reset": "latest",
    }
    assert group_options("billing", "all")["auto_offset_reset"] == "earliest"
    spec = Kafka.trigger_specs["messages"]
    assert spec.follows
    assert spec.input_names == ["topic", "max_events", "timeout", "group", "start"]


def test_trigger_arguments_are_checked() -> None:
    with Kafka(connection="events") as events:
        with pytest.raises(ActionArgumentError, match="start"):
            events.messages("orders", start="middle")
        with pytest.raises(ActionArgumentError, match="max_events must be 1 or more"):
            next(iter(events.messages("orders", max_events=0)))
        with pytest.raises(ActionArgumentError, match="timeout must be more than 0"):
            next(iter(events.messages("orders", timeout=0)))


def test_trigger_against_a_closed_port_fails_fast_and_clearly() -> None:
    config = KafkaConfig(bootstrap_servers=f"127.0.0.1:{closed_port()}", timeout=2)
    started = time.monotonic()
    with (
        Kafka(config, connection="events") as events,
        pytest.raises(ConnectionFailedError, match="cannot reach the brokers"),
    ):
        next(iter(events.messages("orders", timeout=1)))
    assert time.monotonic() - started < 5
