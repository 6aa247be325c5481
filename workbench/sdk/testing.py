"""Testing a connector without its service: a fake transport that answers and records HTTP
requests, the sandbox switch, and assertions on the action calls made.

Inside :func:`recording`, every HTTP client built without a transport of its own sends to a
:class:`FakeTransport` (through the same retries, limits and history as the network), and
every action call's arguments are recorded, so :func:`assert_called` can check them.

Example:
    >>> from workbench.sdk import action
    >>> from workbench.sdk.http import HttpConnector, build_client
    >>> class Crm(HttpConnector):
    ...     name = "crm_example"
    ...     def build_http_client(self):
    ...         return build_client("https://crm.example.com", retry=None)
    ...     @action
    ...     def find(self, name: str) -> dict:
    ...         "Find a contact by name."
    ...         return self.http().get("/contacts", params={"name": name}).json()
    >>> with recording({"GET /contacts": {"id": 7}}) as recorded:
    ...     crm = Crm()
    ...     found = crm.find(name="Ada").data
    >>> found, recorded.requests[0].url.params["name"]
    ({'id': 7}, 'Ada')
    >>> assert_called(crm, "find", name="Ada").arguments
    {'name': 'Ada'}
    >>> crm.close()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from workbench.errors import ConfigError
from workbench.http.client import network_replaced
from workbench.sdk.calls import arguments_watched, calls

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector

__all__ = [
    "FakeTransport",
    "RecordedCall",
    "Recorder",
    "Reply",
    "assert_called",
    "recording",
    "sandboxed",
]

Reply = httpx.Response | Callable[[httpx.Request], Any] | Any
"""An answer: a response, JSON data (sent with status 200), or a function of the request
returning either."""


class FakeTransport(httpx.MockTransport):
    """An httpx transport that answers from ``routes`` and keeps every request it got.

    A route is ``"METHOD /path"`` or ``"/path"`` (any method); a request no route answers
    gets a 404 naming it.

    Example:
        >>> fake = FakeTransport({"/ping": "pong", "POST /items": httpx.Response(201)})
        >>> with httpx.Client(transport=fake, base_url="https://api.example.com") as client:
        ...     client.get("/ping").json(), client.post("/items").status_code
        ...     client.get("/nowhere").json()["error"]
        ('pong', 201)
        'no fake answer for GET /nowhere'
        >>> [f"{r.method} {r.url.path}" for r in fake.requests]
        ['GET /ping', 'POST /items', 'GET /nowhere']
    """

    def __init__(self, routes: Mapping[str, Reply] | None = None) -> None:
        self.routes = dict(routes or {})
        self.requests: list[httpx.Request] = []
        super().__init__(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        key = f"{request.method} {path}"
        reply = self.routes[key] if key in self.routes else self.routes.get(path)
        if reply is None:
            return httpx.Response(404, json={"error": f"no fake answer for {key}"})
        if callable(reply):
            reply = reply(request)
        return reply if isinstance(reply, httpx.Response) else httpx.Response(200, json=reply)


@dataclass(frozen=True)
class RecordedCall:
    """One action call made inside :func:`recording`, with its validated arguments."""

    connection: str
    action: str
    arguments: dict[str, Any]


@dataclass
class Recorder:
    """What ran inside one :func:`recording`: the action calls and the HTTP requests."""

    transport: FakeTransport
    calls: list[RecordedCall] = field(default_factory=list)

    @property
    def requests(self) -> list[httpx.Request]:
        """The HTTP requests the fake transport answered, in order."""
        return self.transport.requests

    def assert_called(
        self, connector: Connector | str, action: str, /, **arguments: Any
    ) -> RecordedCall:
        """The last call of ``action`` on ``connector`` (an instance or a connection name)
        whose arguments include ``arguments``; AssertionError listing the calls otherwise."""
        connection = connector if isinstance(connector, str) else connector.connection
        for call in reversed(self.calls):
            if (call.connection, call.action) != (connection, action):
                continue
            if all(call.arguments.get(k, _ABSENT) == v for k, v in arguments.items()):
                return call
        made = [f"{c.connection}.{c.action}({_shown(c.arguments)})" for c in self.calls]
        raise AssertionError(
            f"no call {connection}.{action}({_shown(arguments)}); "
            f"calls made: {', '.join(made) or 'none'}"
        )

    def _watch(self, connection: str, action: str, arguments: dict[str, Any]) -> None:
        self.calls.append(RecordedCall(connection, action, dict(arguments)))


_ABSENT = object()
_open: list[Recorder] = []
"""The recordings open now, innermost last."""
_ended: list[Recorder] = []
"""The last recording that ended (kept for :func:`assert_called` after its block)."""


@contextmanager
def recording(
    routes: Mapping[str, Reply] | None = None, *, transport: FakeTransport | None = None
) -> Iterator[Recorder]:
    """Record the block's action calls and answer its HTTP requests from ``routes`` (or
    ``transport``): no request made by a client built in the block reaches the network."""
    recorder = Recorder(transport if transport is not None else FakeTransport(routes))
    _open.append(recorder)
    try:
        with network_replaced(recorder.transport), arguments_watched(recorder._watch):
            yield recorder
    finally:
        _open.remove(recorder)
        _ended[:] = [recorder]


def assert_called(connector: Connector | str, action: str, /, **arguments: Any) -> Any:
    """Check that ``connector`` (an instance or a connection name) called ``action`` with
    (at least) ``arguments``, and return the call.

    Calls are looked for in the open :func:`recording` (or the last one that ended); with
    none, in the history, which knows no arguments.

    Example:
        >>> from workbench.sdk import Connector, action
        >>> class Notes(Connector):
        ...     name = "notes_example"
        ...     library = True
        ...     @action
        ...     def add(self, text: str, pinned: bool = False) -> str:
        ...         "Add a note."
        ...         return text
        >>> with recording():
        ...     _ = Notes().add("milk", pinned=True)
        >>> assert_called("notes_example", "add", text="milk").arguments
        {'text': 'milk', 'pinned': True}
        >>> assert_called("notes_example", "add", text="eggs")
        Traceback (most recent call last):
        AssertionError: no call notes_example.add(text='eggs'); calls made: notes_example.add(text='milk', pinned=True)
    """  # noqa: E501
    recorders = _open or _ended
    if recorders:
        return recorders[-1].assert_called(connector, action, **arguments)
    connection = connector if isinstance(connector, str) else connector.connection
    if arguments:
        raise AssertionError(
            f"the arguments of {connection}.{action} are known only inside recording()"
        )
    for call in reversed(calls()):
        if (call.connection, call.action) == (connection, action):
            return call
    raise AssertionError(f"no call {connection}.{action} in the history")


def sandboxed(name: str, /, **overrides: Any) -> Connector:
    """Connection (or connector) ``name`` answering from its API description: no request
    leaves the process and no credential is needed.

    Example:
        >>> slack = sandboxed("slack")
        >>> slack.send_message("#general", "hello").data["ok"]
        True
        >>> slack.close()
        >>> sandboxed("sqlite")
        Traceback (most recent call last):
        workbench.errors.ConfigError: sqlite: connector 'sqlite' has no sandbox; only a connector built on an API description answers from one
    """  # noqa: E501
    from workbench.client import connect
    from workbench.config.connections import connection_store, find_entry
    from workbench.registry import get_connector

    entry = find_entry(name, connection_store())
    cls = get_connector(entry.connector, where=entry.where("connector"))
    if "sandbox" not in cls.config_model.model_fields:
        raise ConfigError(
            f"{name}: connector {cls.name!r} has no sandbox; only a connector built on an API "
            "description answers from one"
        )
    return connect(name, sandbox=True, **overrides)


def _shown(arguments: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in arguments.items())
