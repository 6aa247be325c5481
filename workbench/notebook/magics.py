"""The ``%wb`` line magic and ``%%wb`` cell magic.

``%load_ext workbench`` registers them; loading imports nothing heavy (no pandas, no
widgets, no driver), so it is instant. Settings are traitlets of the ``Workbench``
configurable: ``%config Workbench.display_limit = 20``.

Example:
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> ip = InteractiveShell.instance()
    >>> load(ip)  # what ``%load_ext workbench`` does
    >>> r = ip.run_line_magic("wb", "run shop query 'select count(*) as n from customers'")
    >>> r.df["n"].item() > 0
    True
"""

from __future__ import annotations

import difflib
import inspect
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Float, Int, observe

from workbench.errors import ActionArgumentError
from workbench.notebook.arguments import Parsed, Syntax, resolve_value
from workbench.notebook.completion import MagicCompleter, register, unregister
from workbench.notebook.errors import show_short_errors

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.utils.bunch import Bunch

    from workbench.results import Result
    from workbench.sdk.connector import Connector

USAGE = """\
%wb catalog [QUERY]              installed connectors (a query filters them)
%wb connections                  the named connections (never secret values)
%wb actions CONNECTION           a connection's actions and triggers, their docs and inputs
%wb run CONNECTION ACTION [ARG ...] [key=value ...]
                                 run an action; values are Python literals, $var or {expr}
%wb history [N]                  the latest calls: connection, action, status, ms, rows
%wb ui [CONNECTION [ACTION]]     the workbench panel
%wb listen CONNECTION TRIGGER [key=value ...]
                                 live events of a trigger, stored in the inbox as they come
%wb events [SOURCE] [--dead]     the latest inbox events (wb.event(ID) gives one in full)
%%wb sql CONNECTION [--save NAME] [--limit N]
                                 the cell is SQL; {{name}} and :name are bound from the notebook
%%wb http CONNECTION METHOD PATH the cell is the JSON body of the request"""

_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")

LINE_SYNTAX: Mapping[str, Syntax] = {
    "catalog": Syntax("%wb catalog", optional=("QUERY",), text=True),
    "connections": Syntax("%wb connections"),
    "actions": Syntax("%wb actions", slots=("CONNECTION",)),
    "run": Syntax("%wb run", slots=("CONNECTION", "ACTION"), more="ARG", keywords=True),
    "history": Syntax("%wb history", optional=("N",)),
    "ui": Syntax("%wb ui", optional=("CONNECTION", "ACTION")),
    "listen": Syntax("%wb listen", slots=("CONNECTION", "TRIGGER"), keywords=True),
    "events": Syntax("%wb events", optional=("SOURCE",), options={"--dead": None}),
}
"""What each ``%wb`` command takes; the magics and their completion both read it."""

CELL_SYNTAX: Mapping[str, Syntax] = {
    "sql": Syntax("%%wb sql", slots=("CONNECTION",), options={"--save": "NAME", "--limit": "N"}),
    "http": Syntax("%%wb http", slots=("CONNECTION", "METHOD", "PATH")),
}
"""What each ``%%wb`` command takes on the cell's first line."""


@magics_class
class Workbench(Magics):
    """Workbench magics: ``%wb`` (catalog, connections, actions, run, history, ui, listen,
    events) and ``%%wb`` (sql, http)."""

    display_limit = Int(50, help="Rows shown in a result table.").tag(config=True)
    sql_limit = Int(
        None, allow_none=True, help="Rows kept from a %%wb sql cell when it gives no --limit."
    ).tag(config=True)
    short_errors = Bool(
        True, help="Show Workbench errors as one line and a hint instead of a traceback."
    ).tag(config=True)
    completion_timeout = Float(
        0.5, min=0, help="Seconds Tab completion waits for a connection's table names."
    ).tag(config=True)

    def __init__(self, shell: InteractiveShell | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.completer: MagicCompleter | None = None
        if shell is not None:
            show_short_errors(shell, self.short_errors)
            self.completer = MagicCompleter(shell, LINE_SYNTAX, CELL_SYNTAX)
            self.completer.tables.wait = self.completion_timeout

    @observe("completion_timeout")
    def _completion_timeout_changed(self, change: Bunch) -> None:
        if self.completer is not None:
            self.completer.tables.wait = change.new

    @observe("short_errors")
    def _short_errors_changed(self, change: Bunch) -> None:
        if self.shell is not None:
            show_short_errors(self.shell, change.new)

    @observe("display_limit")
    def _display_limit_changed(self, change: Bunch) -> None:
        from workbench.results import html

        html.MAX_ROWS = max(int(change.new), 0)

    @no_var_expand
    @line_cell_magic
    def wb(self, line: str, cell: str | None = None) -> Any:
        """Workbench from a notebook; ``%wb`` alone lists the commands."""
        command, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        handlers = self._cell_commands if cell is not None else self._line_commands
        if not command or command in ("help", "-h", "--help"):
            print(USAGE)
            return None
        handler = handlers.get(command)
        if handler is None:
            kind = "cell" if cell is not None else "line"
            close = difflib.get_close_matches(command, list(handlers), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(handlers)
            raise ActionArgumentError(f"%wb has no {kind} command {command!r}{hint} ({known})")
        return handler(self, rest) if cell is None else handler(self, rest, cell)

    @property
    def namespace(self) -> dict[str, Any]:
        """The notebook's variables."""
        return self.shell.user_ns if self.shell is not None else {}

    def parse(self, command: str, rest: str, *, cell: bool = False) -> Parsed:
        """``rest`` read against the syntax of ``command``; problems are named."""
        syntax = (CELL_SYNTAX if cell else LINE_SYNTAX)[command]
        return syntax.parse(rest, self.namespace)

    def catalog(self, rest: str) -> Any:
        from workbench.registry import catalog

        words = self.parse("catalog", rest).words
        return catalog(" ".join(words) or None)

    def connections(self, rest: str) -> Any:
        from workbench.client import connections

        self.parse("connections", rest)
        return connections()

    def actions(self, rest: str) -> Any:
        import pandas as pd

        (name,) = self.parse("actions", rest).words
        with _connect(name) as client:
            actions = client.actions.assign(kind="action")
            triggers = client.triggers.rename(columns={"trigger": "action"}).assign(kind="trigger")
        frames = [f for f in (actions, triggers) if not f.empty]
        columns = ["action", "kind", "summary", "inputs"]
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True)[columns]

    def events(self, rest: str) -> Any:
        from workbench.triggers.events import events

        parsed = self.parse("events", rest)
        source = parsed.words[0] if parsed.words else None
        return events(source=source, dead=bool(parsed.options.get("--dead")))

    def run(self, rest: str) -> Result:
        parsed = self.parse("run", rest)
        name = self._name("run", "CONNECTION", parsed.words[0])
        action_name = self._name("run", "ACTION", parsed.words[1])
        args = [resolve_value(word, self.namespace) for word in parsed.words[2:]]
        with _connect(name) as client:
            call = _action(client, action_name)
            _check_call(client, action_name, args, parsed.keywords)
            result: Result = call(*args, **parsed.keywords)
        return result

    def history(self, rest: str) -> Any:
        from workbench.sdk.calls import history

        words = self.parse("history", rest).words
        limit = resolve_value(words[0], {}) if words else None
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise LINE_SYNTAX["history"].error(
                f"N for %wb history must be a whole number, got {words[0]!r}"
            )
        return history(limit)

    def ui(self, rest: str) -> Any:
        from workbench.notebook.widgets.panel import ui

        return ui(*self.parse("ui", rest).words)

    def listen(self, rest: str) -> Any:
        from workbench.notebook.widgets.listener import listen

        parsed = self.parse("listen", rest)
        name = self._name("listen", "CONNECTION", parsed.words[0])
        trigger = self._name("listen", "TRIGGER", parsed.words[1])
        return listen(name, trigger, **parsed.keywords)

    def _name(self, command: str, slot: str, word: str) -> str:
        value = resolve_value(word, self.namespace)
        if not isinstance(value, str) or not value:
            raise LINE_SYNTAX[command].error(
                f"{slot} for %wb {command} must be a name, got {word!r}"
            )
        return value

    def sql(self, rest: str, cell: str) -> Result:
        from workbench.sql.params import placeholders

        options = _sql_options(self.parse("sql", rest, cell=True))
        text = _TEMPLATE.sub(r":\1", cell).strip()
        if not text:
            raise ActionArgumentError("%%wb sql: the cell holds no SQL")
        params: dict[str, Any] = {}
        for name in placeholders(text):
            if name not in self.namespace:
                raise ActionArgumentError(f"%%wb sql: no variable {name!r} for :{name} in the cell")
            params[name] = self.namespace[name]
        with _connect(options.connection) as client:
            result: Result = _action(client, "query")(text, **params)
        limit = options.limit if options.limit is not None else self.sql_limit
        if limit is not None and result.rows > limit:
            result = _first_rows(result, limit)
        if options.save:
            self.namespace[options.save] = result.df
        return result

    def http(self, rest: str, cell: str) -> Result:
        name, method, path = self.parse("http", rest, cell=True).words
        body = cell.strip()
        try:
            payload = json.loads(body) if body else None
        except json.JSONDecodeError as exc:
            raise ActionArgumentError(
                f"%%wb http: the cell is not JSON: {exc.msg} "
                f"at line {exc.lineno} column {exc.colno}"
            ) from None
        with _connect(name) as client:
            send = _action(client, method.lower(), what=f"HTTP {method.upper()} action")
            result: Result = send(path) if payload is None else send(path, json=payload)
        return result

    _line_commands: ClassVar[dict[str, Callable[..., Any]]] = {
        "catalog": catalog,
        "connections": connections,
        "actions": actions,
        "run": run,
        "history": history,
        "ui": ui,
        "listen": listen,
        "events": events,
    }
    _cell_commands: ClassVar[dict[str, Callable[..., Any]]] = {"sql": sql, "http": http}


def _connect(name: str) -> Connector:
    from workbench.client import connect

    return connect(name)


def _action(client: Connector, name: str, *, what: str = "action") -> Any:
    if name not in client.action_specs:
        known = list(client.action_specs)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        raise ActionArgumentError(
            f"connection {client.connection!r} has no {what} named {name!r}{hint} "
            f"(actions: {shown})"
        )
    return getattr(client, name)


def _first_rows(result: Result, limit: int) -> Result:
    from workbench.results import Result

    return Result(
        result.df.head(limit),
        raw=result.raw,
        pages=result.pages,
        elapsed=result.elapsed,
        connection=result.connection,
        action=result.action,
    )


def _check_call(
    client: Connector, action_name: str, args: list[Any], keywords: dict[str, Any]
) -> None:
    """Name an argument the action does not take, and arguments beyond its positional ones."""
    spec = client.action_specs[action_name]
    label = f"{client.connection}.{action_name}"
    kinds = inspect.Parameter
    named = [
        p.name
        for p in spec.parameters
        if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)
    ]
    if not spec.accepts_extra:
        for key in keywords:
            if key not in named:
                close = difflib.get_close_matches(key, named, n=1)
                hint = f"; did you mean {close[0]}=?" if close else ""
                known = ", ".join(named) or "none"
                raise ActionArgumentError(
                    f"{label} has no argument {key!r}{hint} (arguments: {known})"
                )
    positional = [
        p.name
        for p in spec.parameters
        if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
    ]
    if len(args) > len(positional):
        takes = f"only {', '.join(positional)}" if positional else "none"
        raise ActionArgumentError(
            f"{label} takes {len(positional)} positional argument"
            f"{'s' * (len(positional) != 1)} ({takes}), got {len(args)}"
        )


class _SqlOptions:
    def __init__(self, connection: str, save: str | None, limit: int | None) -> None:
        self.connection, self.save, self.limit = connection, save, limit


def _sql_options(parsed: Parsed) -> _SqlOptions:
    syntax = CELL_SYNTAX["sql"]
    save = parsed.options.get("--save")
    raw_limit = parsed.options.get("--limit")
    if isinstance(save, str) and not save.isidentifier():
        raise syntax.error(f"--save of %%wb sql needs a variable name, got {save!r}")
    limit: int | None = None
    if isinstance(raw_limit, str):
        try:
            limit = int(raw_limit)
        except ValueError:
            raise syntax.error(
                f"--limit of %%wb sql needs a whole number, got {raw_limit!r}"
            ) from None
        if limit < 0:
            raise syntax.error(f"--limit of %%wb sql must be 0 or more, got {limit}")
    return _SqlOptions(parsed.words[0], save if isinstance(save, str) else None, limit)


def load(shell: InteractiveShell) -> None:
    """Register the magics and their ``Workbench`` settings with ``shell``."""
    magics = Workbench(shell)
    shell.register_magics(magics)
    if magics.completer is not None:
        register(shell, magics.completer)
    configurables: list[Any] = shell.configurables
    if magics not in configurables:
        configurables.append(magics)


def unload(shell: InteractiveShell) -> None:
    """Put back the tracebacks that :func:`load` replaced; remove the completion."""
    show_short_errors(shell, enabled=False)
    unregister(shell)
