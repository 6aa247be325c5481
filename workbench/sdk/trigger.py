"""Triggers: connector methods that deliver inbound events, and the contract they keep.

A trigger is a generator method decorated with :func:`trigger`. Whoever reads it (the
worker, ``%wb listen``, a script's ``wb.on`` handlers) keeps this contract with it:

* **What it yields.** An :class:`~workbench.sdk.Event`, a list of events (a batch,
  acknowledged together), or ``None`` when nothing new has arrived. An idle source yields
  ``None`` at least every second, which is the reader's chance to stop it.
* **Acknowledging.** The reader asks for the next item only once what was yielded last is
  stored in the durable inbox. So a source acknowledges the previous item (``basic.ack``,
  ``XACK``, a commit, a deleted change row, a 2xx answer) when it is resumed, never before.
* **Stopping.** The reader closes the generator (``GeneratorExit`` at the ``yield``) to stop
  it. What was yielded last is then *not* acknowledged: the source lets it be delivered
  again (the inbox drops the repeat), and releases what it holds in ``finally``.
* **Markers.** ``self.trigger_state`` is a JSON-ready dict the reader loads before the
  generator starts and saves in the same transaction as the events of each yield; a
  source keeps its place there (files seen, the last slot of a schedule).
* **Storing at once.** While a reader runs the trigger to the end (``max_events`` None),
  ``self.trigger_sink`` stores a batch in the inbox right away, from any thread, and says
  how many of its events were new. A source that acknowledges on a thread of its own (a
  webhook answers its senders on its server's loop) stores there and yields the batch as
  :class:`Stored`, which the reader counts and shows but does not store again.
* **Running forever.** A trigger taking ``max_events`` and ``timeout`` (both ``| None``)
  stops after that many events or that many quiet seconds; the worker passes ``None`` for
  both, so it runs until it is closed.

Inputs of the trigger configure its *source*; a binding's other ``key=value`` pairs filter
the source's events (see :meth:`TriggerSpec.matches`). A trigger that needs something
installed on the service first (a database trigger on a table) names the connector methods
that install and remove it: ``@trigger(setup="track_changes", teardown="untrack_changes")``.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, overload

from workbench.sdk.action import ActionSpec
from workbench.sdk.event import Event

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector

P = ParamSpec("P")
C = TypeVar("C", bound="Connector")
F = TypeVar("F", bound=Callable[..., Any])


class Stored(list[Event]):
    """A batch the trigger has already stored through ``self.trigger_sink``; ``new`` is how
    many of its events were new to the inbox.

    Example:
        >>> batch = Stored([Event(source="hooks.received", id="1")], new=1)
        >>> len(batch), batch.new
        (1, 1)
    """

    def __init__(self, events: Iterable[Event], *, new: int) -> None:
        super().__init__(events)
        self.new = new


Sink = Callable[[list[Event]], int]
"""Stores a batch in the inbox at once; how many of its events were new."""

Yielded = Event | list[Event] | None
"""What a trigger yields: one event, a batch of events (perhaps :class:`Stored` already),
or nothing new yet."""

Matcher = Callable[[Event, Mapping[str, str]], bool]
"""Whether an event passes a binding's filters."""

ENVELOPE = ("id", "source", "type", "subject")


class TriggerSpec(ActionSpec):
    """What Workbench knows about one trigger: name, docs, inputs, filters, setup."""

    kind = "trigger"

    def __init__(
        self,
        function: Callable[..., Any],
        name: str | None = None,
        *,
        setup: str | None = None,
        teardown: str | None = None,
        match: Matcher | None = None,
    ) -> None:
        super().__init__(function, name)
        self.setup = setup
        self.teardown = teardown
        self._match = match

    @property
    def follows(self) -> bool:
        """True when the trigger takes ``max_events`` and ``timeout`` (None: run forever)."""
        names = {p.name for p in self.parameters}
        return {"max_events", "timeout"} <= names

    @property
    def input_names(self) -> list[str]:
        """The names of the trigger's inputs: the keys that configure its source."""
        return [p.name for p in self.parameters if p.kind is not p.VAR_KEYWORD]

    def matches(self, event: Event, filters: Mapping[str, str]) -> bool:
        """Whether ``event`` passes every ``key=value`` filter.

        By default a key names an envelope attribute (``type``, ``subject``, ``id``,
        ``source``) or a path into ``data`` (``customer.country``); the value compares as
        text and may use ``*`` and ``?`` wildcards. A connector may give its own rule
        (``@trigger(match=...)``), as the database triggers do for columns.

        Example:
            >>> spec = TriggerSpec(lambda self: iter(()), "demo")
            >>> event = Event(source="s", id="1", type="order.paid",
            ...               data={"total": 42, "customer": {"country": "FR"}})
            >>> spec.matches(event, {"type": "order.*", "customer.country": "FR"})
            True
            >>> spec.matches(event, {"total": "41"})
            False
        """
        if self._match is not None:
            return self._match(event, filters)
        return default_match(event, filters)


def default_match(event: Event, filters: Mapping[str, str]) -> bool:
    """The default filter rule of :meth:`TriggerSpec.matches`: every filter passes."""
    return all(compare(field_value(event, key), value) for key, value in filters.items())


MISSING = object()
"""What :func:`path_value` finds where a path leads nowhere."""


def field_value(event: Event, key: str) -> Any:
    """The value ``key`` names in ``event``: an envelope attribute or a dotted path in data."""
    if key in ENVELOPE:
        return getattr(event, key)
    return path_value(event.data, key)


def path_value(data: Any, key: str) -> Any:
    """The value at the dotted path ``key`` in ``data`` (``customer.country``, ``items.0``),
    or :data:`MISSING`."""
    found: Any = data
    for part in key.split("."):
        if isinstance(found, Mapping) and part in found:
            found = found[part]
        elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
            found = found[int(part)]
        else:
            return MISSING
    return found


def as_text(value: Any) -> str:
    """A value as a filter compares it: JSON's spelling for booleans and null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def compare(found: Any, wanted: str) -> bool:
    """Whether a found value passes a filter's ``wanted`` text (``*`` and ``?`` wildcards);
    nothing found, a dict or a list never does."""
    if found is MISSING or isinstance(found, dict | list):
        return False
    text = as_text(found)
    if any(c in wanted for c in "*?["):
        return fnmatch.fnmatchcase(text, wanted)
    return text == wanted


@overload
def trigger(function: F, /) -> F: ...


@overload
def trigger(
    function: None = None,
    /,
    *,
    name: str | None = None,
    setup: str | None = None,
    teardown: str | None = None,
    match: Matcher | None = None,
) -> Callable[[F], F]: ...


def trigger(
    function: Callable[Concatenate[C, P], Iterable[Yielded]] | None = None,
    /,
    *,
    name: str | None = None,
    setup: str | None = None,
    teardown: str | None = None,
    match: Matcher | None = None,
) -> Any:
    """Mark a connector method as a trigger: a source of :class:`~workbench.Event`.

    The method yields events (see the module's contract); its arguments are validated
    like an action's. ``setup``/``teardown`` name the connector's methods that install
    and remove what the source needs; ``match`` replaces the default filter rule.

    Example:
        >>> from workbench.sdk import Connector, Event, trigger
        >>> class Ticker(Connector):
        ...     name = "ticker"
        ...     library = True
        ...     @trigger
        ...     def ticks(self, count: int = 2):
        ...         "Emit numbered ticks."
        ...         for i in range(count):
        ...             yield Event(source="ticker.ticks", id=str(i), data=i)
        >>> [e.data for e in Ticker().ticks(count=3)]
        [0, 1, 2]
    """

    def decorate(
        fn: Callable[Concatenate[C, P], Iterable[Yielded]],
    ) -> Callable[Concatenate[C, P], Iterable[Yielded]]:
        spec = TriggerSpec(fn, name, setup=setup, teardown=teardown, match=match)

        @functools.wraps(fn)
        def open_source(self: C, /, *args: P.args, **kwargs: P.kwargs) -> Iterable[Yielded]:
            positional, keywords = spec.bind(f"{self.connection}.{spec.name}", args, kwargs)
            return fn(self, *positional, **keywords)

        open_source.__workbench_spec__ = spec  # type: ignore[attr-defined]
        return open_source

    return decorate if function is None else decorate(function)
