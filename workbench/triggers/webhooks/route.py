"""A webhook route as a trigger: the settings that place it and the batches it yields.

The ``webhook`` connector receives any sender's deliveries; a service's own connector
(Slack's Events API, GitHub's webhooks) receives that service's with
:class:`EventsRoute` among its settings and :func:`receive` as its trigger's body.

Example:
    >>> from workbench.sdk import ConnectionConfig
    >>> class ShopSettings(ConnectionConfig, EventsRoute):
    ...     events_path: str = "/shop/events"
    >>> ShopSettings().events_path, ShopSettings(events_path="/in/").events_path
    ('/shop/events', '/in')
    >>> ShopSettings(events_path="in")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for ShopSettings
    events_path
      expected a path starting with / such as /hooks/orders (letters, digits, '-', '_', \
'.', '~', '/') [type=webhook_path, input_value='in', input_type=str]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError

from workbench.errors import ConfigError
from workbench.sdk.event import Event
from workbench.sdk.trigger import Sink
from workbench.triggers.webhooks.endpoint import MAX_BODY
from workbench.triggers.webhooks.listener import address, open_route, receiving
from workbench.triggers.webhooks.scheme import Scheme
from workbench.triggers.webhooks.schemes import build_scheme

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector

_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")


def route_path(value: str) -> str:
    """``value`` as a route (without a trailing ``/``), or a pydantic error saying why not.

    Example:
        >>> route_path("/hooks/orders/")
        '/hooks/orders'
    """
    cleaned = value if value == "/" else value.rstrip("/")
    if not _PATH.match(cleaned) or "//" in cleaned:
        raise PydanticCustomError(
            "webhook_path",
            "expected a path starting with / such as /hooks/orders "
            "(letters, digits, '-', '_', '.', '~', '/')",
        )
    return cleaned


class EventsRoute(BaseModel):
    """Settings of a connection whose service pushes events: where they are received.

    A connector gives ``events_path`` its service's default; several connections on one
    host and port share a server, a route each.
    """

    events_path: str = Field("/events", description="The route that receives the events")
    events_host: str = Field("127.0.0.1", description="The address the events listener binds")
    events_port: int = Field(
        8787, ge=0, lt=65536, description="The port the events listener binds (0: any)"
    )

    @field_validator("events_path")
    @classmethod
    def _route(cls, value: str) -> str:
        return route_path(value)

    @property
    def events_url(self) -> str:
        """The URL the service delivers to (see :func:`route_url`)."""
        return route_url(self.events_host, self.events_port, self.events_path)

    def receive_events(
        self,
        connector: Connector,
        scheme: str,
        secret: SecretStr | None,
        *,
        setting: str,
        max_events: int | None,
        timeout: float | None,
    ) -> Iterator[list[Event] | None]:
        """The ``events`` trigger of ``connector``: its route's deliveries, verified by the
        scheme named ``scheme`` with ``secret``, the value of the setting ``setting``."""
        connection = connector.connection
        if secret is None:
            raise ConfigError(
                f"connection {connection!r}: the events trigger needs {setting} "
                f'({setting} = {{ secret = "NAME" }})'
            )
        yield from receive(
            connection,
            "events",
            build_scheme(scheme, [secret.get_secret_value()]),
            path=self.events_path,
            host=self.events_host,
            port=self.events_port,
            max_events=max_events,
            timeout=timeout,
            sink=connector.trigger_sink,
        )


def route_url(host: str, port: int, path: str) -> str:
    """The URL senders deliver to: with the port bound while a reader is receiving (a
    ``port = 0`` setting gets a free one), else the configured port.

    Example:
        >>> route_url("127.0.0.1", 8787, "/slack/events")
        'http://127.0.0.1:8787/slack/events'
    """
    if receiving(host, port, path):
        host, port = address(host, port)
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}"


def receive(
    connection: str,
    trigger: str,
    scheme: Scheme,
    *,
    path: str,
    host: str,
    port: int,
    max_body: int = MAX_BODY,
    max_events: int | None,
    timeout: float | None,
    sink: Sink | None = None,
) -> Iterator[list[Event] | None]:
    """The deliveries to ``path`` that ``scheme`` verifies, as the trigger ``trigger`` of
    ``connection`` yields them: batches, ``None`` while idle.

    Each request is answered 2xx once its batch is stored: when the reader resumes the
    generator, or, read to the end with the reader's ``sink``, as soon as the server's loop
    has stored it (the batches are then yielded as :class:`~workbench.sdk.trigger.Stored`).
    Those still waiting when it closes get 503 with ``Retry-After``.
    """
    storing = sink if max_events is None else None
    with open_route(
        connection,
        path,
        scheme,
        host=host,
        port=port,
        max_body=max_body,
        trigger=trigger,
        sink=storing,
    ) as handoff:
        if storing is None:
            yield from handoff.batches(max_events, timeout)
        else:
            yield from handoff.stored_batches(timeout)
