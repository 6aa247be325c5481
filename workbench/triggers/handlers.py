"""In-process handlers: ``@wb.on(...)`` in a long-running script, and running them.

``@wb.on("shop", "row_changed", table="orders", status="shipped")`` registers the decorated
function as the handler of a binding named after it (``module:function``, or ``name=``).
The keywords that are inputs of the trigger configure its source; the others filter its
events (see :mod:`workbench.sdk.trigger`). :func:`handle_events` then records those
bindings in the run store and reads their sources, calling each handler with the
:class:`~workbench.sdk.Event` of each delivery: the same inbox, de-duplication, retries
and dead letters as a notebook binding has. A handler binding stays recorded when the
script stops, so what arrives while it is down (read by another process) waits for it;
``wb trigger remove NAME`` forgets it.

Example:
    >>> import tempfile, pathlib
    >>> from workbench.jobs.run.store import RunStore
    >>> from workbench.sdk import Connector, Event, trigger
    >>> class Bell(Connector):
    ...     name = "bell_example"
    ...     library = True
    ...     @trigger
    ...     def rings(self, room: str = "hall", max_events: int | None = 3,
    ...               timeout: float | None = 1.0):
    ...         "Rings, then quiet."
    ...         yield [Event(source="bell", id=str(n), data={"n": n, "room": room})
    ...                for n in range(3)]
    ...         yield None
    >>> import workbench as wb
    >>> _ = wb.register(Bell)
    >>> heard = []
    >>> @on("bell_example", "rings", room="porch", n="1")
    ... def ring(event):
    ...     heard.append(event.data)
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.db")
    >>> handle_events(once=True, store=store), heard
    (0, [{'n': 1, 'room': 'porch'}])
    >>> forget(ring); store.close()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from workbench.errors import ActionArgumentError
from workbench.triggers.bindings import DEFAULT_BACKOFF, DEFAULT_RETRIES, Binding, BindingStore

if TYPE_CHECKING:
    from workbench.jobs.run.store import RunStore
    from workbench.sdk.event import Event

F = TypeVar("F", bound=Callable[["Event"], Any])


@dataclass(frozen=True)
class Registered:
    """A handler and the binding it serves."""

    function: Callable[[Event], Any]
    binding: Binding


_handlers: dict[str, Registered] = {}


def on(
    connection: str,
    trigger: str,
    /,
    *,
    name: str | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    **inputs_and_filters: Any,
) -> Callable[[F], F]:
    """Register the decorated function as the handler of ``connection``'s ``trigger``.

    Keywords naming inputs of the trigger select the source (``table="orders"``); the
    others are filters on its events (``status="shipped"``). ``retries`` failed calls are
    retried after ``backoff`` seconds (doubling), then the event is a dead letter.
    """
    from workbench.triggers.bind import split_inputs

    args, filters = split_inputs(connection, trigger, inputs_and_filters)

    def register(function: F) -> F:
        label = name or f"{function.__module__}:{function.__qualname__}"
        binding = Binding(
            name=label,
            connection=connection,
            trigger=trigger,
            kind="handler",
            args=args,
            filters=filters,
            retries=retries,
            backoff=backoff,
        )
        _handlers[label] = Registered(function, binding)
        return function

    return register


def handlers() -> dict[str, Callable[[Event], Any]]:
    """The registered handlers by binding name."""
    return {label: item.function for label, item in _handlers.items()}


def forget(function: Callable[..., Any]) -> None:
    """Unregister ``function`` (in this process; its recorded binding stays)."""
    for label in [k for k, v in _handlers.items() if v.function is function]:
        del _handlers[label]


def handle_events(
    *,
    once: bool = False,
    until: datetime | None = None,
    store: RunStore | None = None,
    interval: float = 0.5,
) -> int:
    """Read the sources of the registered handlers and call them, until stopped.

    ``once`` reads each source until it has nothing new and returns when those events
    are handled; ``until`` stops at that moment; otherwise Ctrl-C or SIGTERM stops it.
    Returns 0.
    """
    from workbench.jobs.run.store import default_store
    from workbench.jobs.schedule.worker import Worker

    if not _handlers:
        raise ActionArgumentError("no handler is registered; decorate one with @wb.on(...)")
    store = store or default_store()
    record(store)
    worker = Worker(None, store=store, handlers=handlers(), interval=interval)
    return worker.run(once=once, until=until)


def record(store: RunStore) -> None:
    """Record (or update) the binding of every registered handler in ``store``."""
    recorded = BindingStore(store)
    for item in _handlers.values():
        existing = recorded.find(item.binding.name)
        binding = item.binding
        if existing is not None:
            binding = replace(binding, created_at=existing.created_at, paused=existing.paused)
        if binding != existing:
            recorded.add(binding, replace=True)
