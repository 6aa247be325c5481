"""The database change triggers under crashes: every change reaches the inbox exactly once.

Writers make 5,000 inserts and updates on a tracked table while reader processes
(``read_source`` into an inbox file) are killed with SIGKILL at random moments, one or two
running at a time, and restarted. One transaction writes a row before all of that and
commits 20 s after a later transaction was committed and read. At the end the inbox holds
each change once: nothing lost, nothing twice. A backlog written while no reader runs then
gives the rate at which a reader stores changes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest

import workbench as wb
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import source_key

ARGS = {"table": "items", "batch": 200, "poll": 0.2}
IDS = 2_500  # each inserted, then updated once: 5,000 changes
LATE_ID = 1_000_000
BACKLOG = range(2_000_000, 2_002_000)
LATE_WAIT = 20.0

READER = """
import signal, sys, threading

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())

import workbench as wb
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source

inbox = Inbox.open(sys.argv[1])
connection = wb.connect(sys.argv[2])
read_source(connection, "row_changed", {args!r}, inbox, stop=stop)
connection.close()
inbox.close()
"""


@dataclass
class Server:
    """A database server: how to make a scratch database and a client of it."""

    connector: str
    fields: dict[str, Any]
    client: Callable[[str], Any]
    create: Callable[[str], None]
    drop: Callable[[str], None]


def _pg_admin(sql: str) -> None:
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as db:
        db.execute(sql)


def _my_admin(sql: str) -> None:
    with pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True) as db:
        db.cursor().execute(sql)


SERVERS = {
    "postgresql": Server(
        "postgresql",
        {"host": "127.0.0.1", "user": "postgres"},
        lambda name: psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}"),
        lambda name: _pg_admin(f'create database "{name}"'),
        lambda name: _pg_admin(f'drop database if exists "{name}" with (force)'),
    ),
    "mariadb": Server(
        "mysql",
        {"host": "127.0.0.1", "user": "root"},
        lambda name: pymysql.connect(host="127.0.0.1", user="root", password="", database=name),
        lambda name: _my_admin(f"create database `{name}`"),
        lambda name: _my_admin(f"drop database if exists `{name}`"),
    ),
}


class Readers:
    """Reader processes, started, killed and stopped at will."""

    def __init__(self, script: Path, inbox: Path, project: Path, logs: Path) -> None:
        self.command = [sys.executable, str(script), str(inbox), "orders_db"]
        self.project, self.logs = project, logs
        self.running: list[subprocess.Popen[bytes]] = []
        self.started = self.killed = 0

    def start(self) -> None:
        log = (self.logs / f"reader-{self.started}.log").open("wb")
        self.running.append(
            subprocess.Popen(self.command, cwd=self.project, stdout=log, stderr=log)
        )
        log.close()
        self.started += 1

    def kill_one(self, rng: random.Random) -> None:
        process = self.running.pop(rng.randrange(len(self.running)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.killed += 1

    def stop(self) -> None:
        for process in self.running:
            process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        ended = (0, -signal.SIGTERM)  # stopped, or stopped while it was still starting
        failed = [p.returncode for p in self.running if p.returncode not in ended]
        self.running = []
        assert not failed, f"a reader failed: {failed}; see {self.logs}"


def chaos(readers: Readers, done: threading.Event, seed: int) -> None:
    """Keep one or two readers running, killing one at a random moment every so often."""
    rng = random.Random(seed)
    while not done.wait(rng.uniform(0.3, 2.5)):
        if readers.running and (len(readers.running) == 2 or rng.random() < 0.6):
            readers.kill_one(rng)
        if len(readers.running) < 2 and (not readers.running or rng.random() < 0.5):
            readers.start()
    while not readers.running:
        readers.start()


def write_changes(client: Any, seed: int) -> list[tuple[int, int, str]]:
    """5,000 inserts and updates in transactions of 1 to 40 rows; what was done, in order."""
    rng = random.Random(seed)
    done: list[tuple[int, int, str]] = []
    inserted: list[int] = []
    next_id = 1
    with client.cursor() as cursor:
        while len(done) < 2 * IDS:
            for _ in range(rng.randint(1, 40)):
                if next_id <= IDS and (not inserted or rng.random() < 0.5):
                    cursor.execute(
                        "insert into items (id, version, note) values (%s, 0, %s)",
                        (next_id, f"n{next_id}"),
                    )
                    done.append((next_id, 0, "insert"))
                    inserted.append(next_id)
                    next_id += 1
                elif inserted:
                    item = inserted.pop(rng.randrange(len(inserted)))
                    cursor.execute("update items set version = 1 where id = %s", (item,))
                    done.append((item, 1, "update"))
            client.commit()
            time.sleep(0.04)
    return done


def stored(inbox: Inbox, key: str) -> list[Any]:
    return [s.event for s in inbox.events(source=key)]


def wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture(params=list(SERVERS))
def server(request: pytest.FixtureRequest, project: Path) -> Iterator[tuple[Server, str, str]]:
    chosen = SERVERS[request.param]
    name = f"wb_crash_{uuid.uuid4().hex[:10]}"
    chosen.create(name)
    fields = "\n".join(f'{k} = "{v}"' for k, v in {**chosen.fields, "database": name}.items())
    (project / "workbench.toml").write_text(
        f'[connections.orders_db]\nconnector = "{chosen.connector}"\n{fields}\n'
    )
    yield chosen, name, request.param
    chosen.drop(name)


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_every_change_reaches_the_inbox_once_through_crashes(
    server: tuple[Server, str, str], project: Path, tmp_path: Path
) -> None:
    chosen, name, label = server
    db = wb.connect("orders_db")
    db.execute("create table items (id int primary key, version int not null, note text)")
    db.track_changes("items")
    script = tmp_path / "reader.py"
    script.write_text(READER.format(args=ARGS))
    inbox_path = tmp_path / "events.db"
    inbox = Inbox.open(inbox_path)
    key = source_key("orders_db", "row_changed", ARGS)
    readers = Readers(script, inbox_path, project, tmp_path)
    seed = int.from_bytes(os.urandom(4), "big")

    late = chosen.client(name)
    with late.cursor() as cursor:  # written first, committed last
        cursor.execute("insert into items (id, version, note) values (%s, 0, 'late')", (LATE_ID,))
    done = threading.Event()
    monkey = threading.Thread(target=chaos, args=(readers, done, seed))
    readers.start()
    monkey.start()
    writer = chosen.client(name)
    try:
        results: list[tuple[int, int, str]] = []
        committed = threading.Thread(target=lambda: results.extend(write_changes(writer, seed)))
        committed.start()
        wait_for(lambda: inbox.count(key) > 0, 30, "a later change to be read")
        read_at = time.monotonic()
        committed.join()
        time.sleep(max(0.0, read_at + LATE_WAIT - time.monotonic()))
        late.commit()
        expected = [*results, (LATE_ID, 0, "insert")]
        done.set()
        monkey.join()
        wait_for(lambda: inbox.count(key) >= len(expected), 60, "every change to be stored")
    finally:
        done.set()
        monkey.join()
        readers.stop()
        late.close()

    events = stored(inbox, key)
    seen = Counter(
        (e.data["row"]["id"], e.data["row"]["version"], e.data["operation"]) for e in events
    )
    assert len(events) == len(expected) == 2 * IDS + 1
    assert [change for change, n in seen.items() if n > 1] == []  # no change twice
    assert set(seen) == set(expected)  # none lost
    assert len({e.id for e in events}) == len(events)
    assert all(e.subject == f"items/{e.data['row']['id']}" for e in events)
    assert readers.killed >= 5, f"only {readers.killed} readers were killed (seed {seed})"

    # A backlog written while no reader runs, then read by one: the rate of storing.
    with writer.cursor() as cursor:
        cursor.executemany(
            "insert into items (id, version, note) values (%s, 0, 'backlog')",
            [(n,) for n in BACKLOG],
        )
    writer.commit()
    before = inbox.count(key)
    readers.start()
    wait_for(lambda: inbox.count(key) > before, 30, "the backlog's first changes")
    started, first = time.monotonic(), inbox.count(key)
    wait_for(lambda: inbox.count(key) >= before + len(BACKLOG), 60, "the whole backlog")
    rate = (before + len(BACKLOG) - first) / max(time.monotonic() - started, 1e-6)
    readers.stop()
    writer.close()
    remaining = db.query("select id from wb_changes").data
    ids = {e.id for e in stored(inbox, key)}
    assert all(str(row["id"]) in ids for row in remaining)  # left only unacknowledged
    assert inbox.count(key) == len(expected) + len(BACKLOG)
    inbox.close()
    db.close()
    print(
        f"\n{label}: {len(expected)} changes through {readers.killed} SIGKILLs "
        f"(seed {seed}), 0 lost, 0 twice; backlog stored at {rate:,.0f} changes/s"
    )
