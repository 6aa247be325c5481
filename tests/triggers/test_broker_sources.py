"""Broker trigger sources survive crashes: every message is stored once and handled once.

For each broker with a server on this machine (RabbitMQ, NATS JetStream, Redis streams,
MQTT), 10,000 messages and one poison message are published while a script with a
``@wb.on`` handler reads the trigger (``wb.handle_events``); the process is killed with
SIGKILL three times at random moments while messages flow, and started again each time.
At the end the inbox holds each id once, each has one delivery, every message but the
poison one was handled (a handler call that a kill cut short before its success was
recorded is made again: at most one group of calls per kill), and the poison message,
whose handler keeps failing, is a dead letter; once the handler is mended,
``wb events replay --dead`` has it handled. MQTT runs against a private Mosquitto started
here, whose queue limit for an absent client is raised (Mosquitto keeps 1000 by default and
drops the rest). Kafka has no broker here; its trigger is tested in tests/connectors.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from workbench.cli import cli
from workbench.connectors.mqtt import Mqtt, MqttConfig
from workbench.connectors.nats import Nats, NatsConfig
from workbench.connectors.rabbitmq import Rabbitmq, RabbitmqConfig
from workbench.connectors.redis import Redis, RedisConfig
from workbench.jobs.run.store import RunStore, default_store
from workbench.triggers.dispatch import GROUP, DeliveryState, deliveries
from workbench.triggers.inbox import Inbox
from workbench.triggers.tables import DELIVERIES

COUNT = 10_000
KILLS = 3
CHUNK = 500

CONSUMER = """
import json, sqlite3, sys
from pathlib import Path
import workbench as wb

trigger, inputs, calls_path, mended = sys.argv[1:]
calls = sqlite3.connect(calls_path, isolation_level=None, check_same_thread=False)
calls.execute("create table if not exists calls (id text)")

@wb.on("src", trigger, name="count", retries=1, backoff=0.2, **json.loads(inputs))
def count(event):
    if "poison" in json.dumps(event.data) and not Path(mended).exists():
        raise ValueError("this message cannot be handled")
    calls.execute("insert into calls values (?)", (event.id,))

wb.handle_events()
"""


class Consumer:
    """The consumer process: started, killed with SIGKILL, started again."""

    def __init__(self, folder: Path, trigger: str, inputs: dict[str, Any]) -> None:
        script = folder / "consumer.py"
        script.write_text(CONSUMER)
        self.calls = folder / "calls.db"
        self.mended = folder / "mended"
        args = [trigger, json.dumps(inputs), str(self.calls), str(self.mended)]
        self.command = [sys.executable, str(script), *args]
        self.log = folder / "consumer.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.killed = 0

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=log)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.killed += 1
        self.process = None

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the consumer exited:\n{self.log.read_text()[-3000:]}")


def crash_run(
    label: str,
    folder: Path,
    trigger: str,
    inputs: dict[str, Any],
    publish: Callable[[], list[str]],
    poison: Callable[[], str],
    *,
    ready: Callable[[], None] = lambda: None,
    within: float = 120.0,
) -> None:
    """Publish while a handler of the connection ``src``'s ``trigger`` (with ``inputs``)
    runs, kill it ``KILLS`` times, and check the inbox, the deliveries and the calls."""
    consumer = Consumer(folder, trigger, inputs)
    store = default_store()
    inbox = Inbox(store)
    sent: list[str] = []
    rng = random.Random()
    marks = sorted(rng.sample(range(COUNT // 20, COUNT * 9 // 10), KILLS))
    publisher = threading.Thread(target=lambda: sent.extend(publish()))
    started = time.monotonic()
    deadline = started + within
    try:
        ready()
        bad = poison()
        consumer.start()
        publisher.start()
        for mark in marks:
            wait_until(lambda m=mark: handled(store) >= m, deadline, consumer)  # type: ignore[misc]
            time.sleep(rng.uniform(0, 0.2))  # somewhere inside the flow, mid-batch or not
            consumer.kill()
            consumer.start()
        wait_until(lambda: handled(store) >= COUNT + 1, deadline, consumer)
        elapsed = time.monotonic() - started
    finally:
        consumer.kill()
        publisher.join(30)
    ids = [stored.event.id for stored in inbox.events()]
    assert consumer.killed == KILLS + 1
    assert len(sent) == COUNT
    assert len(ids) == COUNT + 1 and set(ids) == {*sent, bad}  # each stored once
    states = Counter(d.state for d in deliveries(store, limit=COUNT * 2))
    assert states == {DeliveryState.SUCCEEDED: COUNT, DeliveryState.DEAD: 1}
    calls = Counter(calls_of(consumer.calls))
    assert set(calls) == set(sent)  # every message handled, the poison one not
    repeated = sum(n - 1 for n in calls.values())
    assert repeated <= KILLS * GROUP
    assert CliRunner().invoke(cli, ["events", "replay", "--dead"]).exit_code == 0
    consumer.mended.touch()
    consumer.start()
    try:
        wait_until(lambda: bad in calls_of(consumer.calls), time.monotonic() + 30, consumer)
    finally:
        consumer.kill()
    print(
        f"\n{label}: {COUNT} messages stored and handled once through {KILLS} SIGKILLs "
        f"in {elapsed:.1f} s ({COUNT / elapsed:.0f} messages/s); {repeated} handler calls "
        "made again after a kill; the poison message dead, then replayed"
    )


def handled(store: RunStore) -> int:
    """Deliveries that reached an end (succeeded or dead)."""
    ended = sa.select(sa.func.count()).where(DELIVERIES.c.state.in_(["succeeded", "dead"]))
    with store.engine.connect() as connection:
        return int(connection.execute(ended).scalar_one())


def calls_of(path: Path) -> list[str]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        try:
            return [row[0] for row in db.execute("select id from calls")]
        except sqlite3.OperationalError:  # the table is not made yet
            return []


def wait_until(condition: Callable[[], bool], deadline: float, consumer: Consumer) -> None:
    while not condition():
        consumer.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out:\n{consumer.log.read_text()[-3000:]}")
        time.sleep(0.02)


def chunks() -> Iterator[pd.DataFrame]:
    for start in range(0, COUNT, CHUNK):
        yield pd.DataFrame({"n": range(start, start + CHUNK)})


def connection_file(connector: str, **fields: Any) -> None:
    """A workbench.toml in the project folder defining the connection ``src``."""
    lines = ["[connections.src]", *(f"{k} = {json.dumps(v)}" for k, v in fields.items())]
    lines.insert(1, f"connector = {json.dumps(connector)}")
    Path("workbench.toml").write_text("\n".join(lines) + "\n")


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_rabbitmq_queue_through_crashes(tmp_path: Path, store: RunStore) -> None:
    connection_file("rabbitmq", host="127.0.0.1")
    queue = f"wb-crash-{uuid.uuid4().hex}"
    with Rabbitmq(RabbitmqConfig(host="127.0.0.1"), connection="publisher") as mq:
        mq.declare_queue(queue, durable=True)
        try:

            def publish() -> list[str]:
                return [m["id"] for frame in chunks() for m in mq.publish(queue, frame).data]

            def poison() -> str:
                return str(mq.publish(queue, {"poison": True}).data[0]["id"])

            inputs = {"queue": queue, "prefetch": 250}
            crash_run("rabbitmq", tmp_path, "messages", inputs, publish, poison)
        finally:
            mq.delete_queue(queue)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_nats_jetstream_through_crashes(tmp_path: Path, store: RunStore) -> None:
    connection_file("nats", host="127.0.0.1")
    token = uuid.uuid4().hex
    stream, subject = f"WB_CRASH_{token}", f"wbcrash.{token}"
    with Nats(NatsConfig(host="127.0.0.1"), connection="publisher") as bus:
        bus.add_stream(stream, [f"{subject}.>"])
        try:

            def publish() -> list[str]:
                sent = [m for frame in chunks() for m in bus.publish(f"{subject}.o", frame).data]
                return [f"{stream}:{m['seq']}" for m in sent]

            def poison() -> str:
                return f"{stream}:{bus.publish(f'{subject}.o', {'poison': True}).data[0]['seq']}"

            inputs = {"subject": f"{subject}.>", "start": "all", "ack_wait": 2}
            crash_run("nats jetstream", tmp_path, "messages", inputs, publish, poison)
        finally:
            bus.delete_stream(stream)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_redis_stream_through_crashes(tmp_path: Path, store: RunStore) -> None:
    connection_file("redis", host="127.0.0.1")
    key = f"wb:crash:{uuid.uuid4().hex}"
    with Redis(RedisConfig(host="127.0.0.1"), connection="publisher") as cache:
        try:

            def publish() -> list[str]:
                return [
                    m["id"]
                    for frame in chunks()
                    for m in cache.publish(key, frame, kind="stream").data
                ]

            def poison() -> str:
                return str(cache.publish(key, {"poison": True}, kind="stream").data[0]["id"])

            inputs = {"key": key, "start": "0", "claim_idle": 2}
            crash_run("redis streams", tmp_path, "stream", inputs, publish, poison)
        finally:
            cache.client().delete(key)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[int]:
    """A private Mosquitto that keeps up to 20,000 messages for an absent client."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 20000\nmax_inflight_messages 100\n"
        f"log_dest file {tmp_path / 'mosquitto.log'}\n"
        + ("user root\n" if os.geteuid() == 0 else "")
    )
    with (tmp_path / "mosquitto.out").open("wb") as out:
        server = subprocess.Popen([binary, "-c", str(conf)], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("the private mosquitto did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_mqtt_persistent_session_through_crashes(
    tmp_path: Path, store: RunStore, mosquitto: int
) -> None:
    connection_file("mqtt", host="127.0.0.1", port=mosquitto)
    topic = f"wbcrash/{uuid.uuid4().hex}"
    with (
        Mqtt(MqttConfig(host="127.0.0.1", port=mosquitto), connection="publisher") as broker,
        Mqtt(MqttConfig(host="127.0.0.1", port=mosquitto), connection="src") as session,
    ):

        def subscribe() -> None:
            """Make the consumer's persistent session (its client id) hold the subscription."""
            source = session.messages(topic)
            next(iter(source))
            source.close()  # type: ignore[attr-defined]

        def publish() -> list[str]:
            return [
                m["id"]
                for i, frame in enumerate(chunks())
                for m in broker.publish(topic, frame, key=f"c{i}").data
            ]

        def poison() -> str:
            return str(broker.publish(topic, {"poison": True}, key="poison").data[0]["id"])

        try:
            inputs = {"topic": topic}
            crash_run("mqtt", tmp_path, "messages", inputs, publish, poison, ready=subscribe)
        finally:
            session.end_session(topic)
