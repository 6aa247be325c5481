"""The workbench panel (``wb.ui()``, ``%wb ui``): connection, action, form, Run, result.

Pick a connection (a named one, or a connector that works with its defaults, such as an
imported API in its sandbox), search its actions, fill the form generated from the
chosen action's input schema and press **Run**: the tabs show the result as a paged,
sortable table, a chart of its columns, the equivalent Python (connection names and
secret references, never a secret value), and the request sent beside the raw response;
errors appear in place, and on the form fields they concern. Until an action is chosen
the Run button is disabled and the panel says what to choose next.

``ui()`` with no connection is the whole workbench
(:class:`~workbench.notebook.widgets.workbench_tabs.WorkbenchTabs`): this panel beside the
connection editor, the catalog, the call history and live trigger events.

Opening the panel reads only the actions' names and one-line summaries, so a connector
with hundreds of actions opens at once: the form (and the action's input model) is built
for the chosen action only, and the connection's client is made by ``wb.connect`` only
when an action runs.

Example:
    >>> panel = ui("shop", "query")
    >>> panel.form.set_values(sql="select count(*) as n from customers")
    >>> panel.run(wait=True).df["n"].item() > 0
    True
    >>> panel.code
    'wb.connect("shop").query("select count(*) as n from customers")'
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import html
import threading
import time
import typing
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.client import connect, connection_store
from workbench.errors import ActionArgumentError, UnknownConnectionError, WorkbenchError
from workbench.notebook.secret_refs import secret_reference
from workbench.notebook.widgets.chart import ChartView
from workbench.notebook.widgets.form import ActionForm, FormError
from workbench.notebook.widgets.raw import raw_html, raw_text
from workbench.notebook.widgets.table import TableView
from workbench.redaction import redact
from workbench.registry import connector_names, connectors, get_connector, imported_names
from workbench.results.html import message_html, view
from workbench.sdk.progress import progress_listener
from workbench.snippet import call_arguments, python_call

if TYPE_CHECKING:
    from workbench.config.store import ConnectionStore
    from workbench.notebook.widgets.workbench_tabs import WorkbenchTabs
    from workbench.results import Result
    from workbench.sdk.action import ActionSpec
    from workbench.sdk.connector import Connector

__all__ = ["Panel", "raw_text", "ui"]

_SUMMARY = 90  # characters of an action's summary in the list
_TICK = 0.25  # seconds between progress updates while a run goes on
_ROWS = 10  # lines of the action list
_WIDE = {"width": "32em", "max_width": "100%"}


@typing.overload
def ui(
    connection: None = None, action: None = None, *, background: bool = True
) -> WorkbenchTabs: ...
@typing.overload
def ui(connection: str, action: str | None = None, *, background: bool = True) -> Panel: ...
def ui(
    connection: str | None = None, action: str | None = None, *, background: bool = True
) -> Panel | WorkbenchTabs:
    """The whole workbench in tabs; with ``connection`` (and ``action``), the panel on it.

    ``background=False`` makes the Run button wait for the result (for scripts and tests).

    Example:
        >>> panel = ui("shop")
        >>> panel.search("explain")
        ['explain']
        >>> ui().tabs.titles
        ('Run', 'Connections', 'Catalog', 'History', 'Events')
    """
    if connection is None:
        from workbench.notebook.widgets.workbench_tabs import WorkbenchTabs

        return WorkbenchTabs(background=background)
    return Panel(connection, action, background=background)


class Panel(widgets.VBox):
    """Connection picker, action search and list, the action's form, Run / Cancel, results.

    After a run, ``result`` holds the :class:`~workbench.Result` (None after an error),
    ``code`` the equivalent Python line, ``error`` the error text ("" when none) and
    ``read`` the last ``(records read, total)`` the connector reported (None if none).

    Runs go in a background thread, so the kernel stays responsive; :meth:`wait` joins
    one, and ``run(wait=True)`` runs in the caller's thread. **Cancel** abandons a run:
    the panel is ready again at once and the run's result is dropped when it arrives. It
    cannot stop a call already sent: a blocking driver call (a long query, an HTTP
    request) goes on in its thread until it finishes or times out. The progress bar shows
    the share read where the connector reports it against a known total
    (:func:`~workbench.sdk.progress.progress_bar`; paginated HTTP reads do), and otherwise
    that the run is alive and for how long.
    """

    def __init__(
        self, connection: str | None = None, action: str | None = None, *, background: bool = True
    ) -> None:
        self.background = background
        self.result: Result | None = None
        self.code = ""
        self.error = ""
        self.read: tuple[int, int | None] | None = None
        self.form: ActionForm | None = None
        self._store: ConnectionStore = connection_store()
        self._specs: dict[str, ActionSpec] = {}
        self._haystack: dict[str, str] = {}
        self._spec: ActionSpec | None = None
        self._syncing = False
        self._lock = threading.Lock()
        self._runs = 0
        self._active: int | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._charted = True

        self.connection_picker = widgets.Dropdown(
            options=_connection_names(self._store), value=None, description="connection"
        ).add_class("wb-connection")
        self.search_box = widgets.Text(
            description="search", placeholder="words of the name or summary", layout=_WIDE
        ).add_class("wb-action-search")
        self.action_list = widgets.Select(
            rows=_ROWS, description="action", layout={"width": "60em", "max_width": "100%"}
        ).add_class("wb-actions")
        self.about = widgets.HTML().add_class("wb-about")
        self.form_area = widgets.VBox()
        self.run_button = widgets.Button(
            description="Run", icon="play", button_style="primary", disabled=True
        )
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True)
        self.progress = widgets.IntProgress(layout={"width": "10em", "visibility": "hidden"})
        self.status = widgets.HTML()
        self.error_area = widgets.HTML(layout={"display": "none"}).add_class("wb-error")
        self.table = TableView().add_class("wb-result")
        self.chart = ChartView()
        self.code_area = widgets.HTML().add_class("wb-code")
        self.raw_area = widgets.HTML().add_class("wb-raw")
        self.tabs = widgets.Tab(
            children=[self.table, self.chart, self.code_area, self.raw_area],
            titles=("Result", "Chart", "Code", "Raw"),
            layout={"display": "none"},  # until there is something to show
        )
        self.run_button.add_class("wb-run")
        self.cancel_button.add_class("wb-cancel")
        for picker in (self.connection_picker, self.search_box, self.action_list):
            picker.style.description_width = "6em"
        self.connection_picker.observe(lambda _: self._load_actions(), names="value")
        self.search_box.observe(lambda _: self._refill(), names="value")
        self.action_list.observe(self._action_picked, names="value")
        self.tabs.observe(lambda _: self._draw_chart(), names="selected_index")
        self.run_button.on_click(lambda _: self.run())
        self.cancel_button.on_click(lambda _: self.cancel())
        buttons = widgets.HBox([self.run_button, self.cancel_button, self.progress, self.status])
        pickers = [self.connection_picker, self.search_box, self.action_list, self.about]
        super().__init__([*pickers, self.form_area, buttons, self.error_area, self.tabs])
        self.add_class("wb-panel")
        self._guide()
        if connection is not None:
            self.select(connection, action)

    @property
    def connection(self) -> str | None:
        """The chosen connection's name."""
        value = self.connection_picker.value
        return None if value is None else str(value)

    @property
    def action(self) -> str | None:
        """The chosen action's name."""
        return None if self._spec is None else self._spec.name

    @property
    def actions(self) -> list[str]:
        """The names of the actions listed (those matching the search)."""
        return [name for _, name in self.action_list.options]

    @property
    def running(self) -> bool:
        """True while a run goes on (and has not been cancelled)."""
        return self._active is not None

    def __repr__(self) -> str:
        return f"<Panel {self.connection or '(no connection)'}.{self.action or '(no action)'}>"

    def refresh_connections(self) -> None:
        """Read the connection list again (after one was added), keeping the choice."""
        self._store = connection_store()
        chosen = self.connection
        names = _connection_names(self._store)
        if chosen is not None and chosen not in names:
            names = sorted([*names, chosen])
        self.connection_picker.options = names
        self.connection_picker.value = chosen

    def select(self, connection: str, action: str | None = None) -> None:
        """Choose ``connection`` (and ``action``); an unknown name suggests close ones."""
        options = list(self.connection_picker.options)
        if connection not in options:
            if connection not in self._store and connection not in connector_names():
                close = difflib.get_close_matches(connection, options, n=3)
                raise UnknownConnectionError(connection, close)
            self.connection_picker.options = sorted([*options, connection])
        if self.connection_picker.value == connection:
            self._load_actions()
        self.connection_picker.value = connection
        if action is not None:
            self.choose(action)

    def choose(self, action: str) -> None:
        """Choose the action called ``action`` of the current connection."""
        if action not in self._specs:
            close = difflib.get_close_matches(action, list(self._specs), n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ActionArgumentError(f"{self.connection} has no action {action!r}{hint}")
        if action not in self.actions:
            self.search_box.value = ""
        self.action_list.value = action
        if self.action != action:
            self._show_action(action)

    def search(self, text: str) -> list[str]:
        """List only the actions whose name and summary hold every word of ``text``."""
        self.search_box.value = text
        return self.actions

    def run(self, wait: bool = False) -> Result | None:
        """Run the chosen action with the form's values; in the background unless ``wait``.

        Returns the result when waiting (None after an error, shown in the panel).
        """
        if self.running:
            raise WorkbenchError("a run is going on; wait for it or cancel it first")
        call = self._prepare()
        if call is None:
            return None
        with self._lock:
            self._runs += 1
            run_id = self._active = self._runs
        self._done = done = threading.Event()
        self.read = None
        self._set_running(True)
        if wait or not self.background:
            try:
                self._work(run_id, done, *call)
            except BaseException:
                self._finish(run_id, None, "interrupted", call[0])
                raise
            return self.result
        label = f"{call[0]}.{call[1].name}"
        threading.Thread(target=self._tick, args=(run_id, done, label), daemon=True).start()
        self._thread = threading.Thread(
            target=self._work, args=(run_id, done, *call), daemon=True, name="workbench-panel-run"
        )
        self._thread.start()
        return None

    def wait(self, timeout: float | None = None) -> Result | None:
        """Wait for the run in the background to end; return its result (None if it failed)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.result

    def cancel(self) -> bool:
        """Abandon the run going on (see the class notes); False when none was going on."""
        with self._lock:
            if self._active is None:
                return False
            self._active = None
        self._done.set()
        self._set_running(False)
        self.status.value = message_html(
            "cancelled: a call already sent finishes in the background; its result is dropped"
        )
        return True

    def _load_actions(self) -> None:
        self._spec, self.form = None, None
        self.form_area.children = ()
        self.about.value = ""
        self._specs, self._haystack = {}, {}
        self._show_error("")
        name = self.connection
        if name is not None:
            entry = self._store.entries().get(name)
            try:
                if entry is None:
                    cls = get_connector(name)
                else:
                    cls = get_connector(entry.connector, where=entry.where("connector"))
            except WorkbenchError as exc:
                self._show_error(str(exc))
            else:
                self._specs = dict(cls.action_specs)
                self._haystack = {n: f"{n} {s.summary}".lower() for n, s in self._specs.items()}
                kind = f"connector {cls.name}" if entry else "connector defaults"
                self.status.value = message_html(f"{name}: {len(self._specs)} actions ({kind})")
        self._refill()
        self._guide()

    def _guide(self) -> None:
        """Say what to choose next; enable only the controls that can act."""
        self.search_box.disabled = self.action_list.disabled = not self._specs
        self.run_button.disabled = self.running or self.form is None
        if self.connection is None:
            self.about.value = message_html("Choose a connection to list its actions.")
        elif not self._specs:
            self.about.value = message_html(f"{self.connection} has no actions to run.")
        elif self._spec is None:
            count = f"{len(self._specs)} action{'' if len(self._specs) == 1 else 's'}"
            self.about.value = message_html(
                f"Choose one of the {count} (type in search to narrow the list) to fill in "
                "its form, then press Run."
            )

    def _refill(self) -> None:
        words = self.search_box.value.lower().split()
        options = [
            (_label(name, spec.summary), name)
            for name, spec in self._specs.items()
            if all(word in self._haystack[name] for word in words)
        ]
        chosen = self.action if any(name == self.action for _, name in options) else None
        self._syncing = True
        try:
            self.action_list.rows = max(2, min(_ROWS, len(options)))
            self.action_list.options = options
            self.action_list.value = chosen
        finally:
            self._syncing = False

    def _action_picked(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] is not None and change["new"] != self.action:
            self._show_action(str(change["new"]))

    def _show_action(self, name: str) -> None:
        spec = self._specs[name]
        self._spec, self.form = spec, None
        self.form_area.children = ()
        self._show_error("")
        summary = f" — {html.escape(spec.summary)}" if spec.summary else ""
        self.about.value = f"<b>{html.escape(name)}</b>{summary}"
        try:
            self.form = ActionForm(spec.input_schema())
        except Exception as exc:  # an input type with no form: say so, keep the panel usable
            self._show_error(f"{self.connection}.{name}: no form: {type(exc).__name__}: {exc}")
            return
        finally:
            self._guide()
        self.form_area.children = (self.form,)

    def _prepare(self) -> tuple[str, ActionSpec, list[Any], dict[str, Any]] | None:
        """The call to make, or None after showing what is wrong with the input."""
        self._show_error("")
        connection, spec, form = self.connection, self._spec, self.form
        if connection is None or spec is None or form is None:
            self._show_error("choose a connection and an action first")
            return None
        form.clear_errors()
        try:
            values = form.values()
        except FormError as exc:
            form.show_errors(exc.errors)
            self._show_error(f"{connection}.{spec.name}: {exc}")
            return None
        args, kwargs = call_arguments(spec, values)
        self.code = self._code(connection, spec, values, form)
        self.code_area.value = view(
            f"<pre style='white-space:pre-wrap'>{html.escape(self.code)}</pre>",
            "the same call in Python (after import workbench as wb)",
        )
        try:
            spec.bind(f"{connection}.{spec.name}", tuple(args), kwargs)
        except ActionArgumentError as exc:
            form.show_errors(_field_errors(spec, values))
            self._show_error(str(exc))
            return None
        return connection, spec, args, kwargs

    def _code(
        self, connection: str, spec: ActionSpec, values: dict[str, Any], form: ActionForm
    ) -> str:
        """The call as code; a secret typed into the form is named by its secret-store name."""
        secrets = {}
        for name in form.secret_fields:
            if isinstance(values.get(name), str):
                try:
                    secrets[name] = secret_reference(
                        self._store, connection, spec.name, name, values[name]
                    )
                except WorkbenchError as exc:  # no secret store here: the code says so
                    self.status.value = message_html(f"code without {name}: {exc}", "error")
        code = python_call(connection, spec, values, secrets=secrets)
        return code

    def _work(
        self,
        run_id: int,
        done: threading.Event,
        connection: str,
        spec: ActionSpec,
        args: list[Any],
        kwargs: Any,
    ) -> None:
        result, error = None, ""
        reading = functools.partial(self._reading, run_id)
        try:
            with progress_listener(reading), connect(connection) as client:
                result = getattr(client, spec.name)(*args, **kwargs)
            with contextlib.suppress(Exception):  # (a failure is shown in the Result tab)
                result.df  # noqa: B018 - the table is built here, off the kernel's thread
        except WorkbenchError as exc:
            error = redact(str(exc))
        except Exception as exc:
            error = redact(f"{connection}.{spec.name} failed: {type(exc).__name__}: {exc}")
        finally:
            done.set()
        self._finish(run_id, result, error, connection)

    def _finish(self, run_id: int, result: Result | None, error: str, connection: str) -> None:
        with self._lock:
            if self._active != run_id:
                return  # cancelled: the result is dropped
            self._active = None
        self._set_running(False)
        self.result, self.error = (None, error) if error else (result, "")
        if result is None or error:
            self._show_error(error)
            self.status.value = message_html("failed", "error")
            self.table.show(None)  # no rows of an earlier run left to mislead
            self.chart.show(None)
            self._charted = True
            self.raw_area.value = ""
            return
        rows = result.rows
        sandbox = " · a sandbox answer, not from the service" if result.sandbox else ""
        self.status.value = message_html(
            f"{result.label} · {rows:,} row{'' if rows == 1 else 's'} · "
            f"{result.elapsed * 1000:.0f} ms{sandbox}",
            "ok",
        )
        try:
            self.table.show(result.df)
        except Exception as exc:  # data with no table form: the Raw tab still shows it
            self.table.show(None)
            self.table.html.value = message_html(f"no table: {type(exc).__name__}: {exc}")
        self._charted = False  # drawn when the Chart tab is opened
        self.raw_area.value = raw_html(result, self.code)
        self.tabs.layout.display = None
        self.tabs.selected_index = 0

    def _draw_chart(self) -> None:
        """Chart the result shown, once, when the Chart tab is open."""
        if self.tabs.selected_index == 1 and not self._charted:
            self._charted = True
            self.chart.show(self.table.frame)

    def _reading(self, run_id: int, done: int, total: int | None) -> None:
        """Note how far run ``run_id``'s read has got (reported by the connector)."""
        with self._lock:
            if self._active == run_id:
                self.read = (done, total)

    def _tick(self, run_id: int, done: threading.Event, label: str) -> None:
        """Move the progress bar and count the seconds while run ``run_id`` goes on.

        The bar shows the share read when the connector reports it against a known total,
        and otherwise only that the run is alive.
        """
        started = time.perf_counter()
        while not done.wait(_TICK):
            with self._lock:  # so that the end of the run always writes the last status
                if self._active != run_id:
                    return
                count, total = self.read or (0, None)
                if total:
                    self.progress.value = min(100, count * 100 // total)
                else:
                    self.progress.value = (self.progress.value + 5) % 101
                elapsed = time.perf_counter() - started
                read = ""
                if self.read is not None:
                    read = f" · {count:,}" + (f" of {total:,}" if total else "") + " read"
                self.status.value = message_html(f"running {label} · {elapsed:.1f} s{read}")

    def _set_running(self, running: bool) -> None:
        self.run_button.disabled = running or self.form is None
        self.cancel_button.disabled = not running
        self.progress.value = 0
        self.progress.layout.visibility = "visible" if running else "hidden"
        if running:
            self.status.value = message_html(f"running {self.connection}.{self.action}…")

    def _show_error(self, text: str) -> None:
        self.error = redact(text)
        self.error_area.value = message_html(text, "error") if text else ""
        self.error_area.layout.display = None if text else "none"


def _field_errors(spec: ActionSpec, values: dict[str, Any]) -> dict[str, str]:
    """What the action's input model says about each top-level field."""
    from pydantic import ValidationError

    try:
        spec.input_model.model_validate(values)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            if err["loc"]:
                message = "is required" if err["type"] == "missing" else err["msg"]
                errors.setdefault(str(err["loc"][0]), redact(message))
        return errors
    return {}


def _connection_names(store: ConnectionStore) -> list[str]:
    """Named connections, connectors whose defaults make a valid connection, and the APIs
    imported from a spec (their sandbox needs nothing)."""
    found = set(store.entries())
    usable = {n for n, cls in connectors().items() if n not in found and _usable(cls)}
    return sorted(found | usable | set(imported_names()))


def _usable(cls: type[Connector]) -> bool:
    try:
        cls.config_model.model_validate(cls.unconfigured_defaults())
    except Exception:  # it needs settings: reachable through a named connection only
        return False
    return True


def _label(name: str, summary: str) -> str:
    if len(summary) > _SUMMARY:
        summary = summary[: _SUMMARY - 1] + "…"
    return f"{name} — {summary}" if summary else name
