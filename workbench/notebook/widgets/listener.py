"""A live view of a trigger's events: ``%wb listen CONNECTION TRIGGER`` / :func:`listen`."""

from __future__ import annotations

import html
import json
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.errors import WorkbenchError
from workbench.redaction import redact

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workbench.sdk.event import Event

_CELL = "padding:2px 8px;border-bottom:1px solid var(--jp-border-color2, #ddd);text-align:left"


class Listener(widgets.VBox):
    """Events of one trigger as they arrive, newest first, with a Stop button.

    The trigger runs in a background thread. Stop takes effect at the next event or within
    a second (an idle source says so at least every second); the trigger's inputs bound how
    long it listens (``max_events``, ``timeout``).

    Example:
        >>> from workbench.sdk import Connector, Event, trigger
        >>> class Ticker(Connector):
        ...     name = "ticker_listen"
        ...     library = True
        ...     @trigger
        ...     def ticks(self, count: int = 2):
        ...         "Numbered ticks."
        ...         for i in range(count):
        ...             yield Event(source="ticker.ticks", id=str(i), data={"n": i})
        >>> view = Listener("ticker.ticks", Ticker().ticks(count=3))
        >>> view.wait(5)
        >>> [e.id for e in view.events], view.status.value
        (['0', '1', '2'], 'ticker.ticks: 3 events · finished')
    """

    def __init__(
        self,
        label: str,
        source: Iterable[Event],
        *,
        keep: int = 50,
        stop: threading.Event | None = None,
    ) -> None:
        self.label = label
        self.events: list[Event] = []
        self._shown: deque[Event] = deque(maxlen=keep)
        self._stop = stop if stop is not None else threading.Event()
        self.status = widgets.Label(f"{label}: listening")
        self.stop_button = widgets.Button(description="Stop", icon="stop")
        self.stop_button.on_click(lambda _: self.stop())
        self.table = widgets.HTML()
        super().__init__([widgets.HBox([self.stop_button, self.status]), self.table])
        self.add_class("wb-listener")
        self._thread = threading.Thread(target=self._consume, args=(source,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (at the next event or the end of the trigger's quiet wait)."""
        self._stop.set()
        self.stop_button.disabled = True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the trigger has finished or been stopped."""
        self._thread.join(timeout)

    def _consume(self, source: Iterable[Event]) -> None:
        state = "finished"
        try:
            for event in source:
                self.events.append(event)
                self._shown.appendleft(event)
                self._render(f"{len(self.events)} event{'s' * (len(self.events) != 1)}")
                if self._stop.is_set():
                    state = "stopped"
                    break
        except Exception as exc:  # shown in place; the thread must not die silently
            state = redact(f"failed: {type(exc).__name__}: {exc}")
        count = len(self.events)
        self.status.value = f"{self.label}: {count} event{'s' * (count != 1)} · {state}"
        self.stop_button.disabled = True

    def _render(self, counted: str) -> None:
        self.status.value = f"{self.label}: {counted} · listening"
        head = "".join(f"<th style='{_CELL}'>{h}</th>" for h in ("time", "id", "type", "data"))
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td style='{_CELL}'>{html.escape(v)}</td>"
                for v in (e.time.strftime("%H:%M:%S"), e.id, e.type, _summary(e.data))
            )
            + "</tr>"
            for e in self._shown
        )
        self.table.value = f"<table class='wb-table'><tr>{head}</tr>{rows}</table>"


def _summary(data: Any, width: int = 120) -> str:
    try:
        text = data if isinstance(data, str) else json.dumps(data, default=str)
    except (TypeError, ValueError):
        text = repr(data)
    text = redact(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def listen(connection: str, trigger: str, /, **inputs: Any) -> Listener:
    """Start ``trigger`` of ``connection`` with ``inputs`` and show its events live.

    Every event shown is stored in the inbox first (and handed to the source's bindings),
    so listening never takes an event away from a worker: ``wb.events()`` has them all.
    """
    from workbench.client import connect
    from workbench.triggers.inbox import Inbox
    from workbench.triggers.reader import stored_batches, trigger_spec

    client = connect(connection)
    try:
        trigger_spec(client, trigger)
    except WorkbenchError:
        client.close()
        raise
    stop = threading.Event()
    batches = stored_batches(client, trigger, inputs, Inbox.open(), stop=stop, forever=False)
    return Listener(f"{connection}.{trigger}", _events(batches, client), stop=stop)


def _events(batches: Iterable[tuple[list[Event], int]], client: Any) -> Iterable[Event]:
    try:
        for batch, _new in batches:
            yield from batch
    finally:
        client.close()
