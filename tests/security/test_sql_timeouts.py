"""Every driver path of a SQL connection keeps its ``connect_timeout``: refused credentials
and a server that never answers fail quickly with the connection-failed error, and no
driver prints to stderr."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from workbench.connectors.mysql import Mysql, MysqlConfig
from workbench.connectors.postgresql import Postgresql, PostgresqlConfig
from workbench.errors import ConnectionFailedError
from workbench.sql.connector import SqlConnector


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()  # resets the connections still waiting, so a hung client returns


def _timed(call: Callable[[], object], limit: float) -> tuple[BaseException | None, float]:
    """Run ``call`` in a thread; the error it raised and its time (``limit`` if it hangs)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    started = time.perf_counter()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    elapsed = time.perf_counter() - started
    return (outcome[0] if outcome else TimeoutError("still waiting")), elapsed


@pytest.mark.parametrize("fast_path", [True, False], ids=["connectorx", "pymysql"])
def test_mysql_wrong_password_fails_at_once_and_quietly(
    capfd: pytest.CaptureFixture[str], fast_path: bool
) -> None:
    config = MysqlConfig(
        host="127.0.0.1", user="root", password="not-the-password", fast_path=fast_path
    )
    db = Mysql(config, connection="my")
    started = time.perf_counter()
    with pytest.raises(ConnectionFailedError, match=r"^my: cannot connect to .*authentication"):
        db.query("select 1")
    assert time.perf_counter() - started < 2  # well under connect_timeout (10 s)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert "not-the-password" not in str(captured)


def _mysql(port: int, fast_path: bool) -> SqlConnector:
    config = MysqlConfig(host="127.0.0.1", port=port, connect_timeout=1, fast_path=fast_path)
    return Mysql(config, connection="silent")


def _postgresql(port: int, fast_path: bool) -> SqlConnector:
    config = PostgresqlConfig(
        host="127.0.0.1", port=port, user="postgres", connect_timeout=1, fast_path=fast_path
    )
    return Postgresql(config, connection="silent")


@pytest.mark.parametrize("fast_path", [True, False], ids=["arrow", "driver"])
@pytest.mark.parametrize("connector", [_mysql, _postgresql], ids=["mysql", "postgresql"])
def test_a_silent_server_fails_within_connect_timeout(
    silent_port: int,
    capfd: pytest.CaptureFixture[str],
    connector: Callable[[int, bool], SqlConnector],
    fast_path: bool,
) -> None:
    db = connector(silent_port, fast_path)
    error, elapsed = _timed(lambda: db.query("select 1"), limit=8)
    assert isinstance(error, ConnectionFailedError), error
    assert str(error).startswith("silent: cannot connect to 127.0.0.1:")
    assert elapsed < 5  # connect_timeout = 1
    assert capfd.readouterr().err == ""
