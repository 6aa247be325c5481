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

import argparse
import difflib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Int, observe

from workbench.errors import ActionArgumentError
from workbench.notebook.arguments import resolve_value, split_arguments, tokens
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

    def __init__(self, shell: InteractiveShell | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        if shell is not None:
            show_short_errors(shell, self.short_errors)

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

    def catalog(self, rest: str) -> Any:
        from workbench.registry import catalog

        return catalog(rest or None)

    def connections(self, rest: str) -> Any:
        from workbench.client import connections

        _no_arguments("connections", rest)
        return connections()

    def actions(self, rest: str) -> Any:
        import pandas as pd

        name = _one_name("actions", rest)
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

        words = rest.split()
        dead = "--dead" in words
        sources = [w for w in words if w != "--dead"]
        if len(sources) > 1 or any(w.startswith("--") for w in sources):
            raise ActionArgumentError("usage: %wb events [SOURCE] [--dead]")
        return events(source=sources[0] if sources else None, dead=dead)

    def run(self, rest: str) -> Result:
        positional, keywords = split_arguments(rest, self.namespace)
        if len(positional) < 2 or not all(isinstance(p, str) for p in positional[:2]):
            raise ActionArgumentError("usage: %wb run CONNECTION ACTION [ARG ...] [key=value ...]")
        name, action_name, *args = positional
        with _connect(name) as client:
            result: Result = _action(client, action_name)(*args, **keywords)
        return result

    def history(self, rest: str) -> Any:
        from workbench.sdk.calls import history

        limit = resolve_value(rest, {}) if rest else None
        if limit is not None and not isinstance(limit, int):
            raise ActionArgumentError(f"usage: %wb history [N]; {rest!r} is not a number")
        return history(limit)

    def ui(self, rest: str) -> Any:
        from workbench.notebook.widgets.panel import ui

        names = rest.split()
        if len(names) > 2:
            raise ActionArgumentError("usage: %wb ui [CONNECTION [ACTION]]")
        return ui(*names)

    def listen(self, rest: str) -> Any:
        from workbench.notebook.widgets.listener import listen

        positional, keywords = split_arguments(rest, self.namespace)
        if len(positional) != 2:
            raise ActionArgumentError("usage: %wb listen CONNECTION TRIGGER [key=value ...]")
        return listen(str(positional[0]), str(positional[1]), **keywords)

    def sql(self, rest: str, cell: str) -> Result:
        from workbench.sql.params import placeholders

        options = _sql_options(rest)
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
        words = tokens(rest)
        if len(words) != 3:
            raise ActionArgumentError("usage: %%wb http CONNECTION METHOD PATH")
        name, method, path = words
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


def _no_arguments(command: str, rest: str) -> None:
    if rest:
        raise ActionArgumentError(f"%wb {command} takes no arguments, got {rest!r}")


def _one_name(command: str, rest: str) -> str:
    words = rest.split()
    if len(words) != 1:
        raise ActionArgumentError(f"usage: %wb {command} CONNECTION")
    return words[0]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise ActionArgumentError(f"%%wb sql: {message} (usage: {self.format_usage().strip()})")


def _sql_options(rest: str) -> argparse.Namespace:
    parser = _Parser(prog="%%wb sql", add_help=False)
    parser.add_argument("connection")
    parser.add_argument("--save", metavar="NAME")
    parser.add_argument("--limit", type=int, metavar="N")
    options = parser.parse_args(rest.split())
    if options.save is not None and not options.save.isidentifier():
        raise ActionArgumentError(f"%%wb sql: --save needs a variable name, got {options.save!r}")
    if options.limit is not None and options.limit < 0:
        raise ActionArgumentError(f"%%wb sql: --limit must be 0 or more, got {options.limit}")
    return options


def load(shell: InteractiveShell) -> None:
    """Register the magics and their ``Workbench`` settings with ``shell``."""
    magics = Workbench(shell)
    shell.register_magics(magics)
    configurables: list[Any] = shell.configurables
    if magics not in configurables:
        configurables.append(magics)


def unload(shell: InteractiveShell) -> None:
    """Put back the tracebacks that :func:`load` replaced for Workbench errors."""
    show_short_errors(shell, enabled=False)
