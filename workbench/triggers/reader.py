"""Reading a trigger into the inbox, keeping the trigger contract (workbench/sdk/trigger.py).

:func:`read_source` opens a connector's trigger and stores what it yields: each event or
batch goes into the :class:`~workbench.triggers.inbox.Inbox` (with its deliveries and the
source's marker, in one transaction) *before* the generator is resumed, which is when the
source acknowledges it. Every event is stamped with its *source key*
(:func:`source_key`), so the same trigger read with other inputs is another source.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.sdk import Connector, Event, trigger
    >>> from workbench.triggers.inbox import Inbox
    >>> class Counter(Connector):
    ...     name = "counter_example"
    ...     library = True
    ...     @trigger
    ...     def counts(self, upto: int = 3):
    ...         "Numbers, then nothing new."
    ...         start = self.trigger_state.get("next", 0)
    ...         for n in range(start, upto):
    ...             self.trigger_state["next"] = n + 1
    ...             yield Event(source="counter", id=str(n), data=n)
    ...         yield None
    >>> inbox = Inbox.open(pathlib.Path(tempfile.mkdtemp()) / "events.db")
    >>> read_source(Counter(), "counts", {"upto": 3}, inbox, until_idle=True)
    3
    >>> read_source(Counter(), "counts", {"upto": 3}, inbox, until_idle=True)  # its marker
    0
    >>> [s.event.source for s in inbox.events()][:1]
    ['counter_example.counts(upto=3)']
    >>> inbox.close()
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from workbench.sdk.event import Event
from workbench.sdk.trigger import Stored

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector
    from workbench.sdk.trigger import TriggerSpec
    from workbench.triggers.held_connection import HeldConnection
    from workbench.triggers.inbox import Inbox

_NOT_IDENTITY = frozenset({"max_events", "timeout"})


def source_key(connection: str, trigger: str, args: Mapping[str, Any] | None = None) -> str:
    """The name of a source: ``connection.trigger`` and the inputs that select it.

    ``max_events`` and ``timeout`` only bound a reading, so they are left out.

    Example:
        >>> source_key("mq", "messages", {"queue": "orders", "timeout": 5})
        'mq.messages(queue=orders)'
        >>> source_key("hooks", "received")
        'hooks.received'
    """
    parts = [
        f"{name}={_text(value)}"
        for name, value in sorted((args or {}).items())
        if name not in _NOT_IDENTITY
    ]
    return f"{connection}.{trigger}" + (f"({','.join(parts)})" if parts else "")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def trigger_spec(connector: Connector, trigger: str) -> TriggerSpec:
    """The trigger ``trigger`` of ``connector``, or an error naming the ones it has."""
    from workbench.triggers.sources import find_trigger

    return find_trigger(type(connector), trigger, f"connection {connector.connection!r}")


def read_source(
    connector: Connector,
    trigger: str,
    args: Mapping[str, Any] | None,
    inbox: Inbox,
    *,
    stop: threading.Event | None = None,
    until_idle: bool = False,
) -> int:
    """Store what ``connector``'s ``trigger`` yields until ``stop`` is set, or (with
    ``until_idle``) the first time it has nothing new; how many events were new.

    The generator is resumed only after what it yielded is stored, and closed at the end
    (what it yielded last is then delivered again another time, and dropped as a repeat).
    """
    batches = stored_batches(connector, trigger, args, inbox, stop=stop, until_idle=until_idle)
    return sum(new for _, new in batches)


def stored_batches(
    connector: Connector,
    trigger: str,
    args: Mapping[str, Any] | None,
    inbox: Inbox,
    *,
    stop: threading.Event | None = None,
    until_idle: bool = False,
    forever: bool = True,
) -> Iterator[tuple[list[Event], int]]:
    """What :func:`read_source` does, yielding each batch once it is stored (with how many
    of its events were new), for a live view. ``forever`` False keeps the trigger's own
    ``max_events`` and ``timeout`` defaults instead of reading until stopped."""
    spec = trigger_spec(connector, trigger)
    given = dict(args or {})
    key = source_key(connector.connection, trigger, given)
    connector.trigger_state = inbox.load_state(key)
    saved = _snapshot(connector.trigger_state)
    if spec.follows and forever:
        given.setdefault("max_events", None)
        given.setdefault("timeout", None)
    held = None
    if given.get("max_events", 0) is None:  # read to the end: the source may store at once
        held = inbox.hold()
        connector.trigger_sink = functools.partial(_store_now, inbox, key, spec, held)
    items = getattr(connector, trigger)(**given)
    try:
        for item in items:
            if isinstance(item, Stored):
                yield _stamped(item, key), item.new
                if stop is not None and stop.is_set():
                    break
                continue
            if item is None:
                current = _snapshot(connector.trigger_state)
                if current != saved:
                    inbox.put([], state=(key, connector.trigger_state), spec=spec)
                    saved = current
                if until_idle or (stop is not None and stop.is_set()):
                    break
                continue
            batch = [item] if isinstance(item, Event) else list(item)
            stamped = _stamped(batch, key)
            current = _snapshot(connector.trigger_state)
            state = (key, connector.trigger_state) if current != saved else None
            new = inbox.put(stamped, state=state, spec=spec)
            saved = current
            yield stamped, new
            if stop is not None and stop.is_set():
                break
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
        connector.trigger_sink = None
        if held is not None:
            held.close()


def _store_now(
    inbox: Inbox, key: str, spec: TriggerSpec, held: HeldConnection, events: list[Event]
) -> int:
    """A trigger's sink: ``events`` stamped with the source ``key`` and stored through
    ``held``; how many were new."""
    return inbox.put(_stamped(events, key), spec=spec, held=held)


def _stamped(events: list[Event], key: str) -> list[Event]:
    """``events`` as events of the source ``key``."""
    return [e if e.source == key else e.model_copy(update={"source": key}) for e in events]


def _snapshot(state: Mapping[str, Any]) -> str:
    return json.dumps(state, sort_keys=True, default=str)
