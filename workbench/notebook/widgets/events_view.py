"""The Events tab: choose a connection with triggers and one of its triggers, then Listen.

The events appear live in a :class:`~workbench.notebook.widgets.listener.Listener`
(stored in the inbox first, as ``%wb listen`` does). Until a connection and a trigger are
chosen, Listen is disabled and the tab says what to choose.

Example:
    >>> view = EventsView(["files", "shop"])
    >>> view.connection_picker.options, view.listen_button.disabled
    (('', 'files'), True)
    >>> view.connection_picker.value = "files"
    >>> view.trigger_picker.options, view.listen_button.disabled
    (('new_files',), False)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from workbench.client import connection_store
from workbench.errors import WorkbenchError
from workbench.notebook.widgets.listener import Listener, listen
from workbench.redaction import redact
from workbench.registry import get_connector
from workbench.results.html import message_html

_STYLE = {"description_width": "6em"}


class EventsView(widgets.VBox):
    """A connection and trigger picker, its inputs as JSON, Listen, and the live events."""

    def __init__(self, names: Iterable[str]) -> None:
        self.listener: Listener | None = None
        self._triggers: dict[str, list[str]] = {}
        self.connection_picker = widgets.Dropdown(description="connection", style=_STYLE)
        self.trigger_picker = widgets.Dropdown(description="trigger", style=_STYLE)
        self.inputs = widgets.Text(
            description="inputs",
            placeholder='the trigger\'s inputs as JSON, e.g. {"timeout": 30}',
            style=_STYLE,
            layout={"width": "32em", "max_width": "100%"},
        )
        self.listen_button = widgets.Button(description="Listen", icon="play", disabled=True)
        self.listen_button.add_class("wb-listen")
        self.note = widgets.HTML()
        self.area = widgets.VBox()
        self.connection_picker.observe(lambda _: self._show_triggers(), names="value")
        self.trigger_picker.observe(lambda _: self._guide(), names="value")
        self.listen_button.on_click(lambda _: self.listen())
        pickers = widgets.HBox([self.connection_picker, self.trigger_picker])
        super().__init__([pickers, self.inputs, self.listen_button, self.note, self.area])
        self.add_class("wb-events-view")
        self.refresh(names)

    def refresh(self, names: Iterable[str]) -> None:
        """Offer those of ``names`` whose connector has triggers."""
        entries = connection_store().entries()
        self._triggers = {}
        for name in names:
            entry = entries.get(name)
            try:
                cls = get_connector(entry.connector if entry else name)
            except WorkbenchError:
                continue
            if cls.trigger_specs:
                self._triggers[name] = list(cls.trigger_specs)
        chosen = self.connection_picker.value
        self.connection_picker.options = ["", *self._triggers]
        self.connection_picker.value = chosen if chosen in self._triggers else ""
        self._show_triggers()

    def listen(self) -> Listener | None:
        """Listen to the chosen trigger (stopping the one listened to before)."""
        connection, trigger = self.connection_picker.value, self.trigger_picker.value
        if not connection or not trigger:
            self._guide()
            return None
        try:
            inputs = _inputs(self.inputs.value)
            listener = listen(connection, trigger, **inputs)
        except (WorkbenchError, ValueError, TypeError) as exc:
            self.note.value = message_html(redact(f"{connection}.{trigger}: {exc}"), "error")
            return None
        if self.listener is not None:
            self.listener.stop()
        self.listener = listener
        self.area.children = (listener,)
        self.note.value = ""
        return listener

    def _show_triggers(self) -> None:
        triggers = self._triggers.get(str(self.connection_picker.value), [])
        self.trigger_picker.options = triggers
        self.trigger_picker.value = triggers[0] if triggers else None
        self.trigger_picker.disabled = not triggers
        self._guide()

    def _guide(self) -> None:
        ready = bool(self.connection_picker.value and self.trigger_picker.value)
        self.listen_button.disabled = not ready
        if not self._triggers:
            text = "No connection has triggers; add one in the Connections tab."
        elif not self.connection_picker.value:
            text = "Choose a connection to list its triggers."
        else:
            text = "Press Listen to show its events as they arrive."
        self.note.value = message_html(text)


def _inputs(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"inputs: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"inputs: expected a JSON object, got {type(value).__name__}")
    return value
