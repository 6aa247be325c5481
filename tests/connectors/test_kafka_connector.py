"""The kafka connector, tested only where that is honest: there is no Kafka broker here.

Settings, record encoding, the missing-driver hint, and a clear failure of ``check()``
against a closed port. Publishing and reading need a broker and are not tested.
"""

from __future__ import annotations

import socket
import sys
import time

import pandas as pd
import pytest
from pydantic import ValidationError

from connectors.kafka import Kafka, KafkaConfig
from connectors.kafka.records import outgoing
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
