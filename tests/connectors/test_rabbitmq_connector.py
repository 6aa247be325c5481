"""The rabbitmq connector against the machine's real RabbitMQ (127.0.0.1:5672, guest/guest)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from brokers import assert_idle, events_of, first_events

import workbench as wb
from workbench import registry
from workbench.connectors.rabbitmq import Rabbitmq, RabbitmqConfig
from workbench.errors import (
    ActionArgumentError,
    ActionError,
    ConnectionFailedError,
    MissingDependencyError,
)


@pytest.fixture(scope="module")
def mq() -> Iterator[Rabbitmq]:
    connector = Rabbitmq(RabbitmqConfig(host="127.0.0.1"), connection="mq")
    yield connector
    connector.close()


@pytest.fixture
def queue(mq: Rabbitmq) -> Iterator[str]:
    name = f"wb-test-{uuid.uuid4().hex}"
    mq.declare_queue(name, durable=False)
    yield name
    mq.delete_queue(name)


def test_check_reports_the_broker_version(mq: Rabbitmq) -> None:
    assert mq.check().startswith("RabbitMQ 3.")


def test_check_against_a_closed_port_fails_fast() -> None:
    started = time.monotonic()
    with (
        Rabbitmq(RabbitmqConfig(host="127.0.0.1", port=1), connection="gone") as down,
        pytest.raises(ConnectionFailedError, match="cannot reach the broker") as info,
    ):
        down.check()
    assert info.value.exit_code == 7
    assert time.monotonic() - started < 5


def test_wrong_credentials_give_a_clear_auth_error_without_the_secret() -> None:
    config = RabbitmqConfig(host="127.0.0.1", username="guest", password="Wr0ng-Passw0rd!")
    with Rabbitmq(config, connection="bad") as bad:
        with pytest.raises(ConnectionFailedError, match="authentication failed") as info:
            bad.check()
        with pytest.raises(ConnectionFailedError):
            bad.publish("anything", "x")
    for text in (str(info.value), repr(config), repr(bad), str(config.public_fields())):
        assert "Wr0ng-Passw0rd!" not in text


def test_password_in_url_is_kept_secret() -> None:
    config = RabbitmqConfig(url="amqp://guest:guest@127.0.0.1:5672/")
    assert "guest@" in config.url and ":guest@" not in config.url  # type: ignore[operator]
    with Rabbitmq(config, connection="by-url") as mq:
        assert mq.check().startswith("RabbitMQ")


def test_publish_is_confirmed_and_payload_kinds_round_trip(mq: Rabbitmq, queue: str) -> None:
    payloads = [b"\xff\xfe bytes", "plain", "grüße ☕ 日本", {"order": 42, "ok": True}, [1, "two"]]
    for payload in payloads:
        sent = mq.publish(queue, payload, headers={"source": "test"})
        assert sent.data[0]["confirmed"] is True
        assert len(sent.data[0]["id"]) == 32
    got = mq.get(queue, count=10).data
    assert [m["body"] for m in got] == payloads
    assert [m["content_type"] for m in got] == [
        "application/octet-stream",
        "text/plain; charset=utf-8",
        "text/plain; charset=utf-8",
        "application/json",
        "application/json",
    ]
    assert got[0]["headers"] == {"source": "test"}
    assert got[0]["routing_key"] == queue
    assert got[0]["timestamp"] is not None


def test_dataframe_publishes_one_message_per_row(mq: Rabbitmq, queue: str) -> None:
    frame = pd.DataFrame(
        {"id": [1, 2, 3], "name": ["a", "b", "ç"], "at": pd.to_datetime(["2025-01-01"] * 3)}
    )
    sent = mq.publish(queue, frame)
    assert sent.rows == 3
    assert sent.raw["published"] == 3
    assert sent.df["confirmed"].all()
    assert len(set(sent.df["id"])) == 3
    table = mq.get(queue, count=5).df
    assert table["body.id"].tolist() == [1, 2, 3]
    assert table["body.name"].tolist() == ["a", "b", "ç"]
    assert table["body.at"].iloc[0].startswith("2025-01-01T00:00:00")


def test_peek_does_not_consume_and_get_does(mq: Rabbitmq, queue: str) -> None:
    mq.publish(queue, pd.DataFrame({"n": [1, 2]}))
    assert mq.stats(queue).data == {"queue": queue, "messages": 2, "consumers": 0}
    peeked = mq.peek(queue, count=5).data
    assert [m["body"] for m in peeked] == [{"n": 1}, {"n": 2}]
    assert mq.stats(queue).data["messages"] == 2
    again = mq.peek(queue).data
    assert [m["body"] for m in again] == [{"n": 1}, {"n": 2}]
    assert again[0]["redelivered"] is True
    assert [m["body"] for m in mq.get(queue).data] == [{"n": 1}]
    assert mq.stats(queue).data["messages"] == 1
    mq.get(queue)
    assert mq.stats(queue).data["messages"] == 0
    assert mq.get(queue).data == []


def test_publish_to_an_exchange_with_a_routing_key(mq: Rabbitmq) -> None:
    name = f"wb-test-{uuid.uuid4().hex}"
    mq.declare_queue(name, durable=False, exchange="amq.topic", key=f"{name}.*")
    try:
        sent = mq.publish("amq.topic", {"x": 1}, key=f"{name}.created")
        assert sent.data[0]["exchange"] == "amq.topic"
        assert mq.get(name).data[0]["routing_key"] == f"{name}.created"
    finally:
        assert mq.delete_queue(name).data == 0


def test_unroutable_and_missing_destinations_fail_clearly(mq: Rabbitmq) -> None:
    missing = f"wb-test-missing-{uuid.uuid4().hex}"
    with pytest.raises(ActionError, match="no queue receives routing key"):
        mq.publish(missing, "lost")
    with pytest.raises(ActionError, match="no exchange"):
        mq.publish(missing, "lost", key="k")
    with pytest.raises(ActionError, match="no queue"):
        mq.stats(missing)
    with pytest.raises(ActionError, match="no queue"):
        mq.peek(missing)


def test_stats_count_consumers_while_the_trigger_runs(mq: Rabbitmq, queue: str) -> None:
    mq.publish(queue, ["first"])
    events = mq.messages(queue, max_events=5, timeout=0.5)
    first = next(iter(events))  # type: ignore[call-overload]
    assert first.data == ["first"]
    assert mq.stats(queue).data["consumers"] == 1
    assert list(events) == []  # acknowledged, then no more messages within the timeout
    assert mq.stats(queue).data == {"queue": queue, "messages": 0, "consumers": 0}


def test_trigger_yields_events_with_message_ids(mq: Rabbitmq, queue: str) -> None:
    sent = mq.publish(queue, pd.DataFrame({"i": [0, 1, 2]})).data
    events = events_of(mq.messages(queue, max_events=3, timeout=2))
    assert [e.id for e in events] == [m["id"] for m in sent]
    assert [e.data for e in events] == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert events[0].source == "mq.messages"
    assert mq.stats(queue).data["messages"] == 0


def test_an_event_not_handled_goes_back_to_the_queue(mq: Rabbitmq, queue: str) -> None:
    mq.publish(queue, "again")
    stream = mq.messages(queue, max_events=1, timeout=2)
    first = next(iter(stream))  # type: ignore[call-overload]
    stream.close()  # type: ignore[attr-defined]  # stopped before asking for the next
    again = mq.get(queue).data
    assert again[0]["id"] == first.id
    assert again[0]["redelivered"] is True


def test_an_event_is_acknowledged_only_when_the_reader_resumes(mq: Rabbitmq, queue: str) -> None:
    mq.publish(queue, {"n": 1})
    source = mq.messages(queue, timeout=2)
    [first] = first_events(source)  # type: ignore[arg-type]
    source.close()  # type: ignore[attr-defined]  # stored, perhaps, but never resumed
    again = mq.messages(queue, timeout=2)
    [repeat] = first_events(again)  # type: ignore[arg-type]
    assert (repeat.id, repeat.data) == (first.id, {"n": 1})
    assert repeat.subject == queue
    next(again)  # type: ignore[call-overload]  # resumed: acknowledged
    again.close()  # type: ignore[attr-defined]
    assert mq.stats(queue).data["messages"] == 0


def test_what_is_waiting_comes_as_one_batch_acknowledged_together(mq: Rabbitmq, queue: str) -> None:
    mq.publish(queue, pd.DataFrame({"n": range(25)}))
    source = mq.messages(queue, timeout=2, prefetch=10)
    try:
        batches = [first_events(source)]  # type: ignore[arg-type]
        while sum(len(b) for b in batches) < 25:
            batches.append(first_events(source))  # type: ignore[arg-type]
        assert [e.data["n"] for b in batches for e in b] == list(range(25))
        assert max(len(b) for b in batches) > 1  # what was there came together
        assert all(len(b) <= 10 for b in batches)  # prefetch bounds a batch
        assert mq.stats(queue).data["messages"] == 0  # all delivered, the last not acked
    finally:
        source.close()  # type: ignore[attr-defined]  # the last batch goes back
    again = events_of(mq.messages(queue, timeout=0.5))
    assert [e.id for e in again] == [e.id for e in batches[-1]]


def test_an_idle_source_yields_none_within_a_second(mq: Rabbitmq, queue: str) -> None:
    source = mq.messages(queue, max_events=None, timeout=None)
    assert_idle(source)  # type: ignore[arg-type]
    assert mq.stats(queue).data["consumers"] == 0


def test_messages_without_an_id_get_one_derived_from_the_message(mq: Rabbitmq, queue: str) -> None:
    import amqp  # py-amqp (Celery's client) sets no message id of its own

    with amqp.Connection("127.0.0.1:5672") as other:
        channel = other.channel()
        channel.basic_publish(amqp.Message(b"\x89PNG\xff", content_type="image/png"), "", queue)
        channel.close()
    source = mq.messages(queue, timeout=2)
    [first] = first_events(source)  # type: ignore[arg-type]
    source.close()  # type: ignore[attr-defined]
    [again] = events_of(mq.messages(queue, max_events=1, timeout=2))
    assert len(first.id) == 64
    assert again.id == first.id  # redelivered (another delivery tag), the same id
    assert first.data == {"content_type": "image/png", "base64": "iVBOR/8="}


def test_a_missing_queue_and_bad_limits_fail_clearly(mq: Rabbitmq) -> None:
    missing = f"wb-test-missing-{uuid.uuid4().hex}"
    with pytest.raises(ActionError, match="no queue"):
        next(iter(mq.messages(missing)))
    with pytest.raises(ActionArgumentError, match="max_events must be 1 or more"):
        next(iter(mq.messages(missing, max_events=0)))


def test_connect_by_name_and_missing_driver_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.register(Rabbitmq)
    Path("workbench.toml").write_text(
        '[connections.mq]\nconnector = "rabbitmq"\nhost = "127.0.0.1"\n'
    )
    with wb.connect("mq") as mq:
        assert mq.check().startswith("RabbitMQ")
    monkeypatch.setitem(__import__("sys").modules, "aio_pika", None)
    with Rabbitmq(connection="nodriver") as bare, pytest.raises(MissingDependencyError) as info:
        bare.check()
    assert "pip install 'workbench[rabbitmq]'" in str(info.value)


def test_actions_work_where_an_event_loop_is_already_running(mq: Rabbitmq, queue: str) -> None:
    """As in Jupyter: the caller's thread runs a loop; the connector uses its own."""
    import asyncio

    async def notebook_cell() -> int:
        mq.publish(queue, "from a running loop")
        return int(mq.stats(queue).data["messages"])

    assert asyncio.run(notebook_cell()) == 1


def test_driver_logs_never_show_the_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    config = RabbitmqConfig(url="amqp://guest:Log-S3cret-55@127.0.0.1:5672/")
    with Rabbitmq(config, connection="bad") as bad, pytest.raises(ConnectionFailedError):
        bad.check()
    assert caplog.records
    assert "Log-S3cret-55" not in caplog.text
