"""A connection of the inbox's database kept open for a source that stores often.

A webhook route under load stores a batch every few milliseconds, on its server's loop,
and answers the batch's senders once it is committed: a connection taken from the pool
for each batch would cost about as much as the insert, and on SQLite a commit that fills
the write-ahead log past its limit copies the log into the database and waits for the
disk twice (the checkpoint). A :class:`HeldConnection` keeps one connection and, on
SQLite, leaves checkpoints to a thread of its own.

Those checkpoints are PASSIVE: they copy the log without ever holding a commit up. Under
steady load the log never starts over that way (a commit always comes while the copy
runs, and the log starts over only once every frame is copied), so it would grow without
end, and a growing file makes every commit slower; past :data:`RESTART_AFTER` frames a
RESTART checkpoint has the next commit write from the start of the log again, holding
commits up for its copy and at most :data:`RESTART_WAIT_MS` for readers to move on.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.jobs.run.store import BUSY_TIMEOUT_MS, WAL_AUTOCHECKPOINT

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

CHECKPOINT_EVERY = 0.25  # seconds between checkpoints of a held SQLite connection's log
RESTART_AFTER = WAL_AUTOCHECKPOINT  # frames of log past which the log starts over
RESTART_WAIT_MS = 100  # what a RESTART waits at most for a commit or readers to finish


class HeldConnection:
    """One connection of the inbox's database kept open between puts, for a source that
    stores a batch every few milliseconds (a webhook route under load): a connection taken
    from the pool for each batch costs about as much as the batch's insert. It is opened
    on first use and again after a failed transaction; safe to use from several threads,
    one transaction at a time.

    Example:
        >>> import tempfile, pathlib
        >>> from workbench.sdk import Event
        >>> from workbench.triggers.inbox import Inbox
        >>> inbox = Inbox.open(pathlib.Path(tempfile.mkdtemp()) / "events.db")
        >>> held = inbox.hold()
        >>> inbox.put([Event(source="hooks.received", id="1")], held=held)
        1
        >>> held.close(); inbox.close()
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._lock = threading.Lock()
        self._checkpoints: _Checkpoints | None = None

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction on the held connection, committed when the block ends."""
        with self._lock:
            connection = self._connection
            if connection is None:
                connection = self._connection = self._open()
            try:
                with connection.begin():
                    yield connection
            except BaseException:
                self._connection = None  # a connection that failed is not trusted again
                self._release(connection)
                raise
            if self._checkpoints is not None:
                self._checkpoints.due.set()

    def _open(self) -> Connection:
        connection = self.engine.connect()
        if connection.dialect.name == "sqlite":
            # a commit that fills the log past SQLite's limit would copy it into the
            # database and wait for the disk twice: a thread of this connection does it
            _pragma(connection, "wal_autocheckpoint=0")
            if self._checkpoints is None:
                self._checkpoints = _Checkpoints(self.engine)
        return connection

    def _release(self, connection: Connection) -> None:
        if connection.dialect.name == "sqlite":
            with contextlib.suppress(sqlite3.Error):
                _pragma(connection, f"wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
        connection.close()

    def close(self) -> None:
        """Give the connection back (a put after this opens a new one)."""
        with self._lock:
            connection, self._connection = self._connection, None
            checkpoints, self._checkpoints = self._checkpoints, None
        if connection is not None:
            self._release(connection)
        if checkpoints is not None:
            checkpoints.stop()


def _pragma(connection: Connection, setting: str) -> list[Any]:
    """Run ``PRAGMA setting`` on the driver's connection, outside any transaction; its rows."""
    driver = connection.connection.driver_connection
    assert driver is not None
    return list(driver.execute(f"PRAGMA {setting}").fetchall())


def _checkpoint(connection: Connection, mode: str) -> int:
    """Run a checkpoint of ``mode``; the frames in the log (its row: busy, log, copied)."""
    return int(_pragma(connection, f"wal_checkpoint({mode})")[0][1])


class _Checkpoints:
    """A thread that copies SQLite's write-ahead log into the database at most every
    :data:`CHECKPOINT_EVERY` seconds while commits come, without blocking them (PASSIVE),
    and starts the log over past :data:`RESTART_AFTER` frames (RESTART)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.due = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="workbench-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with self.engine.connect() as connection:
            _pragma(connection, f"busy_timeout={RESTART_WAIT_MS}")  # only RESTART waits
            try:
                while not self._stopping.is_set():
                    self.due.wait()
                    self.due.clear()
                    with contextlib.suppress(sqlite3.Error):  # busy: the next round does it
                        if _checkpoint(connection, "PASSIVE") >= RESTART_AFTER:
                            _checkpoint(connection, "RESTART")
                    self._stopping.wait(CHECKPOINT_EVERY)
            finally:
                with contextlib.suppress(sqlite3.Error):
                    _pragma(connection, f"busy_timeout={BUSY_TIMEOUT_MS}")

    def stop(self) -> None:
        self._stopping.set()
        self.due.set()
        self._thread.join()
