"""Folder and S3 sources read into the inbox by a process that is killed and restarted.

Files (and objects) arrive while the reading process is SIGKILLed or stopped at random
moments and started again; at the end the inbox holds each of them exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from s3_server import moto
from workers import wait_for

from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import source_key

READER = """
import json, signal, sys, threading

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())

import workbench as wb
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source

name, trigger, database, args = sys.argv[1:]
inbox = Inbox.open(database)
print("reading", flush=True)
read_source(wb.connect(name), trigger, json.loads(args), inbox, stop=stop)
inbox.close()
"""


class Reader:
    """The reading process: started, SIGKILLed or stopped, and started again."""

    def __init__(self, folder: Path, connection: str, trigger: str, args: dict[str, object]):
        self.script = folder / "reader.py"
        self.script.write_text(READER, encoding="utf-8")
        self.command = [
            sys.executable,
            str(self.script),
            connection,
            trigger,
            str(folder / "events.db"),
            json.dumps(args),
        ]
        self.logs = folder / "logs"
        self.logs.mkdir()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        log = (self.logs / f"reader-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        """Ask the reader to stop once it has started reading; its exit status."""
        assert self.process is not None
        wait_for(self.reading, timeout=30)
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)

    def reading(self) -> bool:
        log = self.logs / f"reader-{self.starts - 1}.log"
        return "reading" in log.read_text(errors="replace")

    def interrupt(self, rng: random.Random) -> None:
        """SIGKILL (most often) or stop the running reader, then start it again."""
        if rng.random() < 0.7 or not self.reading():
            self.kill()
        else:
            assert self.stop() == 0, self.output()
        self.start()

    def output(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def reader_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reading"
    folder.mkdir()
    return folder


def arrive_while_interrupted(
    reader: Reader, arrivals: list[Callable[[], None]], rng: random.Random, seconds: float
) -> int:
    """Run ``arrivals`` spread over ``seconds``, interrupting the reader at random moments."""
    pause = seconds / len(arrivals)
    next_interrupt = time.monotonic() + rng.uniform(0.5, 2.0)
    interrupts = 0
    for arrive in arrivals:
        arrive()
        time.sleep(pause)
        if time.monotonic() >= next_interrupt:
            reader.interrupt(rng)
            interrupts += 1
            next_interrupt = time.monotonic() + rng.uniform(0.5, 2.5)
    return interrupts


def settle_inbox(reader: Reader, database: Path, source: str, expected: int) -> tuple[Inbox, float]:
    """Wait until the inbox holds ``expected`` events of ``source``; stop the reader."""
    inbox = Inbox.open(database)
    started = time.monotonic()
    wait_for(lambda: inbox.count(source) >= expected, timeout=45, step=0.2)
    waited = time.monotonic() - started
    assert reader.stop() == 0, reader.output()
    return inbox, waited


@pytest.mark.slow
def test_each_dropped_file_is_stored_once_across_kills(project: Path, reader_folder: Path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    drop = project / "drop"
    drop.mkdir()
    (project / "workbench.toml").write_text(
        '[connections.drop]\nconnector = "files"\nfolder = "drop"\n', encoding="utf-8"
    )
    args = {"pattern": "**/*.csv", "settle": 0.3}
    reader = Reader(reader_folder, "drop", "new_files", args)
    names = [f"wave{i // 50:02}/{i:04}.csv" for i in range(1000)]

    def wave(batch: list[str]) -> Callable[[], None]:
        def arrive() -> None:
            for name in batch:
                path = drop / name
                path.parent.mkdir(exist_ok=True)
                with path.open("w", encoding="utf-8") as handle:  # written in two steps
                    handle.write("id,total\n")
                    handle.flush()
                    handle.write(f"{name},{len(name)}\n")

        return arrive

    try:
        reader.start()
        waves = [wave(names[i : i + 25]) for i in range(0, len(names), 25)]
        started = time.monotonic()
        interrupts = arrive_while_interrupted(reader, waves, rng, seconds=12)
        inbox, waited = settle_inbox(
            reader, reader_folder / "events.db", source_key("drop", "new_files", args), 1000
        )
        elapsed = time.monotonic() - started
        stored = [s.event for s in inbox.events()]
        inbox.close()
    finally:
        reader.close()

    counts = Counter(e.subject for e in stored)
    assert sorted(counts) == names, f"seed {seed}\n{reader.output()}"
    assert set(counts.values()) == {1}, f"seed {seed}: {counts.most_common(3)}"
    assert {e.type for e in stored} == {"file.created"}
    assert all(e.data["size"] == len(f"id,total\n{e.subject},{len(e.subject)}\n") for e in stored)
    assert interrupts >= 3
    print(f"1000 files, {interrupts} interrupts: {elapsed:.1f} s; last stored {waited:.1f} s after")


@pytest.fixture
def moto_url(tmp_path: Path) -> Iterator[str]:
    with moto(tmp_path / "moto.log") as url:
        yield url


@pytest.mark.slow
def test_each_put_object_is_stored_once_across_kills(
    project: Path, reader_folder: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch
):
    import boto3

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    monkeypatch.setenv("LAKE_SECRET", "testing-secret")
    (project / "workbench.toml").write_text(
        "[connections.lake]\n"
        'connector = "s3"\n'
        f'endpoint_url = "{moto_url}"\n'
        'region = "us-east-1"\n'
        'access_key_id = "testing-key"\n'
        'secret_access_key = "${LAKE_SECRET}"\n'
        'bucket = "landing"\n',
        encoding="utf-8",
    )
    client = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing-key",
        aws_secret_access_key=os.environ["LAKE_SECRET"],
    )
    client.create_bucket(Bucket="landing")
    args = {"prefix": "in/", "interval": 0.3}
    reader = Reader(reader_folder, "lake", "new_objects", args)
    keys = [f"in/{i:04}.json" for i in range(500)]

    def wave(batch: list[str]) -> Callable[[], None]:
        def arrive() -> None:
            for key in batch:
                client.put_object(Bucket="landing", Key=key, Body=json.dumps({"key": key}))

        return arrive

    try:
        reader.start()
        waves = [wave(keys[i : i + 20]) for i in range(0, len(keys), 20)]
        client.put_object(Bucket="landing", Key="out/ignored.json", Body=b"{}")
        started = time.monotonic()
        interrupts = arrive_while_interrupted(reader, waves, rng, seconds=5)
        inbox, waited = settle_inbox(
            reader, reader_folder / "events.db", source_key("lake", "new_objects", args), 500
        )
        elapsed = time.monotonic() - started
        stored = [s.event for s in inbox.events()]
        marker = inbox.load_state(source_key("lake", "new_objects", args))
        inbox.close()
    finally:
        reader.close()
        client.close()

    counts = Counter(e.subject for e in stored)
    assert sorted(counts) == keys, f"seed {seed}\n{reader.output()}"
    assert set(counts.values()) == {1}, f"seed {seed}: {counts.most_common(3)}"
    assert {e.type for e in stored} == {"object.created"}
    assert sorted(marker["seen"]) == keys
    assert interrupts >= 3
    print(
        f"500 objects, {interrupts} interrupts: {elapsed:.1f} s; last stored {waited:.1f} s after"
    )
