"""A held connection of the inbox: stores through one connection, checkpoints SQLite's log
on a thread of its own, and opens anew after a failure."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from workbench.jobs.run.store import WAL_AUTOCHECKPOINT, RunStore
from workbench.sdk import Event
from workbench.triggers import held_connection
from workbench.triggers.inbox import Inbox


def event(n: int) -> Event:
    return Event(source="hooks.received", id=f"evt-{n}", data={"n": n})


def test_a_held_connection_leaves_checkpoints_to_its_thread_and_restores_the_setting(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(held_connection, "CHECKPOINT_EVERY", 0.01)
    inbox = Inbox(store)
    held = inbox.hold()
    for k in range(0, 400, 8):
        inbox.put([event(n) for n in range(k, k + 8)], held=held)
        time.sleep(0.02)
    with held.begin() as connection:  # commits never copy the log into the database
        setting = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    assert setting == 0
    # 50 commits of 3 pages or more would leave a log of 600 kB; checkpointed as they
    # come, the log starts over and stays at the size of a few commits
    assert Path(f"{store.url.database}-wal").stat().st_size < 200_000
    held.close()
    assert not [t for t in threading.enumerate() if t.name == "workbench-checkpoints"]
    pooled = [store.engine.connect() for _ in range(3)]  # the held one among them
    try:
        settings = {c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() for c in pooled}
    finally:
        for connection in pooled:
            connection.close()
    assert settings == {WAL_AUTOCHECKPOINT}
    assert inbox.count() == 400


def test_a_held_connection_opens_anew_after_a_failed_transaction(store: RunStore) -> None:
    inbox = Inbox(store)
    held = inbox.hold()
    assert inbox.put([event(1)], held=held) == 1
    with pytest.raises(RuntimeError), held.begin():
        raise RuntimeError("the batch failed half-way")
    assert inbox.put([event(1), event(2)], held=held) == 1
    held.close()
    assert inbox.put([event(3)], held=held) == 1  # after close, the next put opens one again
    held.close()
    assert inbox.count() == 3


def test_under_steady_commits_the_log_still_starts_over(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(held_connection, "CHECKPOINT_EVERY", 0.01)
    monkeypatch.setattr(held_connection, "RESTART_AFTER", 100)
    inbox = Inbox(store)
    held = inbox.hold()
    log = Path(f"{store.url.database}-wal")
    largest = 0
    for k in range(0, 8000, 8):  # commits back to back, as on a busy route
        inbox.put([event(n) for n in range(k, k + 8)], held=held)
        largest = max(largest, log.stat().st_size)
        time.sleep(0.0002)
    held.close()
    # 1,000 commits of several pages leave a log of about 28 MB when only PASSIVE
    # checkpoints run (a commit always comes while one copies); past 100 frames the log
    # starts over, so it stays at the size of a few rounds of commits
    assert largest < 4_000_000
    assert inbox.count() == 8000
