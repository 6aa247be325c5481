"""The base of the broker connectors: one driver client per connection, a private event
loop for asyncio drivers, and connection failures as clear errors.

Actions are synchronous for users, and Jupyter already runs a loop in the main thread, so
a connector built on an asyncio driver runs its coroutines on its own
:class:`~workbench.sdk.aio.BackgroundLoop` (``_run``). A subclass says how to open and
close its driver (:meth:`BrokerConnector.open_driver`, :meth:`BrokerConnector.close_driver`)
and how to read its failures; :meth:`BrokerConnector.driver` opens it once, on first use,
and ``close()`` releases it and the loop (the next use starts both again).

Example:
    >>> import asyncio
    >>> class Echo(BrokerConnector):
    ...     name = "echo_broker"
    ...     service = "Echo"
    ...     async def open_driver(self):
    ...         if self.connection == "down":
    ...             raise ConnectionRefusedError(111, "Connection refused")
    ...         return {"opened": True}
    ...     async def close_driver(self, driver):
    ...         driver["opened"] = False
    >>> echo = Echo(connection="echo")
    >>> echo._run(echo.driver())
    {'opened': True}
    >>> echo.close()
    >>> down = Echo(connection="down")
    >>> down._run(down.driver())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbench.errors.ConnectionFailedError: down: Echo at down: cannot reach the broker (...)
    >>> down.close()
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar, TypeVar

from workbench.errors import ConnectionFailedError, WorkbenchError
from workbench.messaging.failures import connection_failed, failure_reason, looks_like_auth
from workbench.sdk.aio import BackgroundLoop
from workbench.sdk.config import ConnectionConfig
from workbench.sdk.connector import Connector

T = TypeVar("T")


class BrokerConnector(Connector):
    """What the broker connectors share: the driver client, the private loop, failures.

    Set ``service`` (the product's name in messages) and ``peer`` (what "cannot reach
    the ..." names); the connection's ``timeout`` field bounds every wait.
    """

    category = "messaging"
    service: ClassVar[str] = ""
    peer: ClassVar[str] = "broker"

    def __init__(self, config: ConnectionConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self._loop = BackgroundLoop(f"{self.name or type(self).__name__.lower()}-{self.connection}")
        self._driver: Any = None
        self._opening = asyncio.Lock()  # binds to the private loop on first use
        weakref.finalize(self, self._loop.close)

    # -- what a broker provides ---------------------------------------------------------

    @property
    def address(self) -> str:
        """Where the service is, for messages (the config's ``address`` by default)."""
        return str(getattr(self.config, "address", self.connection))

    @property
    def timeout(self) -> float:
        """Seconds to wait for the service (the connection's ``timeout`` field)."""
        return float(getattr(self.config, "timeout", 5.0))

    def auth_hint(self) -> str:
        """What to check when the credentials were refused."""
        return "wrong user name or password"

    def is_auth_failure(self, exc: BaseException) -> bool:
        """True when ``exc`` says the credentials were refused."""
        return looks_like_auth(exc)

    def is_unreachable(self, exc: BaseException) -> bool:
        """True when ``exc`` says nothing answered at the address."""
        return isinstance(exc, OSError)

    async def open_driver(self) -> Any:
        """Open the driver's client (raise the driver's error when that fails)."""
        raise NotImplementedError

    async def close_driver(self, driver: Any) -> None:
        """Close a client :meth:`open_driver` made."""
        await driver.close()

    def driver_closed(self, driver: Any) -> bool:
        """True when the client can no longer be used (the service closed it)."""
        return bool(getattr(driver, "is_closed", False))

    def release(self, driver: Any) -> None:
        """Close the client on ``close()``: an asyncio one on the private loop.

        A connector with a synchronous client (it opens it itself and keeps it in
        ``self._driver``) closes it here directly.
        """
        if self._loop.running and not self.driver_closed(driver):
            self._run(self.close_driver(driver))

    # -- shared -------------------------------------------------------------------------

    def failure(self, problem: BaseException | str) -> ConnectionFailedError:
        """The error for a failed connection: a driver's exception, or a reason in words."""
        if isinstance(problem, str):
            reason = problem
        else:
            reason = failure_reason(
                problem,
                auth=self.is_auth_failure(problem),
                unreachable=self.is_unreachable(problem),
                timeout=self.timeout,
                peer=self.peer,
                auth_hint=self.auth_hint(),
            )
        return connection_failed(self.connection, self.service, self.address, reason)

    def _run(self, coro: Coroutine[Any, Any, T], wait: float = 0.0) -> T:
        """Run ``coro`` on the private loop; give up ``wait`` seconds past the usual bound."""
        return self._loop.run(coro, timeout=wait + self.timeout * 4)

    def _finish(self, closing: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run ``closing()`` (releasing a consumer, a channel) if the private loop still runs.

        After ``close()`` the loop is gone, and with it the clients: nothing is left to release.
        """
        if self._loop.running:
            self._run(closing())

    async def driver(self) -> Any:
        """The driver's client, opened on first use (and again after the service closed it)."""
        async with self._opening:
            if self._driver is None or self.driver_closed(self._driver):
                try:
                    self._driver = await self.open_driver()
                except WorkbenchError:
                    raise
                except Exception as exc:
                    raise self.failure(exc) from None
            return self._driver

    def close(self) -> None:
        """Close the client and stop the private loop; the next use starts both again."""
        driver, self._driver = self._driver, None
        if driver is not None:
            self.release(driver)
        self._loop.close()
        self._opening = asyncio.Lock()
