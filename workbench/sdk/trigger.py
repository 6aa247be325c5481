"""Triggers: connector methods that deliver inbound events."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from workbench.sdk.action import ActionSpec
from workbench.sdk.event import Event

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector

P = ParamSpec("P")
C = TypeVar("C", bound="Connector")


class TriggerSpec(ActionSpec):
    """What Workbench knows about one trigger: name, docs and the inputs it takes."""

    kind = "trigger"


def trigger(
    function: Callable[Concatenate[C, P], Iterable[Event]] | None = None,
    *,
    name: str | None = None,
) -> Any:
    """Mark a connector method as a trigger: a source of :class:`~workbench.Event`.

    The method returns (or yields) events; its arguments are validated like an action's.

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
        fn: Callable[Concatenate[C, P], Iterable[Event]],
    ) -> Callable[Concatenate[C, P], Iterable[Event]]:
        spec = TriggerSpec(fn, name)

        @functools.wraps(fn)
        def open_source(self: C, /, *args: P.args, **kwargs: P.kwargs) -> Iterable[Event]:
            positional, keywords = spec.bind(f"{self.connection}.{spec.name}", args, kwargs)
            return fn(self, *positional, **keywords)

        open_source.__workbench_spec__ = spec  # type: ignore[attr-defined]
        return open_source

    return decorate if function is None else decorate(function)
