"""Connection failures of the broker connectors, and the base class that reports them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from workbench.errors import ConnectionFailedError
from workbench.messaging import BrokerConnector, connection_failed, failure_reason
from workbench.redaction import register_secret


def reason(exc: BaseException, **verdicts: bool) -> str:
    return failure_reason(
        exc,
        auth=verdicts.get("auth", False),
        unreachable=verdicts.get("unreachable", isinstance(exc, OSError)),
        timeout=2,
        peer="server",
    )


def test_reasons_say_what_to_check() -> None:
    assert reason(OSError(), auth=True) == "authentication failed (wrong user name or password)"
    assert reason(TimeoutError()) == "no answer within 2 s"  # before "cannot reach"
    assert (
        reason(ConnectionRefusedError(111, "refused"))
        == "cannot reach the server ([Errno 111] refused)"
    )
    assert reason(ConnectionResetError()) == "cannot reach the server (ConnectionResetError)"
    assert reason(RuntimeError("frame error")) == "RuntimeError: frame error"


def test_the_error_names_connection_service_address_and_hides_secrets() -> None:
    register_secret("Br0ker-S3cret-71")
    err = connection_failed("mq", "RabbitMQ", "mq.example:5672", "refused Br0ker-S3cret-71")
    assert isinstance(err, ConnectionFailedError)
    assert str(err) == "mq: RabbitMQ at mq.example:5672: refused ***"


class Flaky(BrokerConnector):
    """A broker whose driver fails as told, then works."""

    name = "flaky_broker"
    service = "Flaky"
    opened = 0
    closed = 0
    problem: BaseException | None = None

    async def open_driver(self) -> dict[str, Any]:
        if self.problem is not None:
            raise self.problem
        type(self).opened += 1
        return {"closed": False}

    async def close_driver(self, driver: dict[str, Any]) -> None:
        type(self).closed += 1
        driver["closed"] = True

    def driver_closed(self, driver: dict[str, Any]) -> bool:
        return bool(driver["closed"])


def test_the_driver_opens_once_is_closed_and_opens_again() -> None:
    broker = Flaky(connection="f")
    assert broker.category == "messaging"

    async def twice() -> bool:
        first, second = await asyncio.gather(broker.driver(), broker.driver())
        return first is second

    assert broker._run(twice()) is True
    assert Flaky.opened == 1
    broker.close()
    assert Flaky.closed == 1
    assert broker._run(broker.driver()) == {"closed": False}  # a new loop, a new client
    assert Flaky.opened == 2
    broker.close()


def test_a_driver_failure_becomes_a_connection_error() -> None:
    broker = Flaky(connection="down")
    broker.problem = PermissionError("Not authorized: bad user name or password")
    with pytest.raises(ConnectionFailedError) as info:
        broker._run(broker.driver())
    assert (
        str(info.value)
        == "down: Flaky at down: authentication failed (wrong user name or password)"
    )
    broker.problem = TimeoutError()
    with pytest.raises(ConnectionFailedError, match="down: Flaky at down: no answer within 5 s"):
        broker._run(broker.driver())
    broker.close()
    assert broker.failure("the broker refused the connection").args == (
        "down: Flaky at down: the broker refused the connection",
    )
