"""Tab completion for ``%wb``, ``%%wb`` and ``wb.connect("...``, through IPython's completer.

``%wb <TAB>`` offers the commands, then, as the line goes on, connection names, the
connection's actions (or triggers), the action's argument names as ``name=``, options, and
the tables of a SQL connection where a table is expected (a ``table`` argument, or after
``FROM``/``JOIN``/``INTO``/``UPDATE`` in a ``%%wb sql`` cell). Names come from the
connection store and the connector classes, so no connection is opened for them; table
names are read with the connection's ``tables()`` action in the background, waited for
at most ``Workbench.completion_timeout`` seconds, and kept per connection. A connection
that fails or is slow gives no tables; completion itself never fails, prints or prompts.

Example:
    >>> from IPython.core.completer import provisionalcompleter
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> ip = InteractiveShell.instance()
    >>> _ = ip.extension_manager.load_extension("workbench")  # what %load_ext workbench does
    >>> with provisionalcompleter():
    ...     [c.text for c in ip.Completer.completions("%wb run shop qu", 15)]
    ['query']
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.completer import (
    CompletionContext,
    SimpleCompletion,
    SimpleMatcherResult,
    context_matcher,
)

from workbench.errors import ActionArgumentError
from workbench.notebook.arguments import Syntax, tokens

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.config.store import ConnectionStore
    from workbench.sdk.action import ActionSpec
    from workbench.sdk.connector import Connector

IDENTIFIER = "workbench.magics"
"""The matcher's identifier (``IPCompleter.suppress_competing_matchers`` takes it)."""

_LINE = re.compile(r"^\s*(?:[\w.\[\], ]+=\s*)?%wb\s(.*)$", re.DOTALL)
_CELL = re.compile(r"^\s*%%wb\s(.*)$", re.DOTALL)
_CONNECT = re.compile(r"(?<![\w.])(?:([A-Za-z_]\w*)\.)?connect\(\s*(['\"])([\w.-]*)$")
_TABLE_PLACE = re.compile(r"(?i)\b(?:from|join|into|update|table)\s+(?:[\w.]+\s*,\s*)*([\w.]*)$")
_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_DEFAULT_SCHEMAS = {"public", "main", "dbo", None}


class TableNames:
    """Table names of SQL connections, read in the background and kept per connection.

    A lookup runs in a daemon thread; :meth:`get` waits for it until ``wait`` seconds
    after it started, and returns what is known (nothing while it runs or when it
    failed). Names are kept ``keep`` seconds; a failed lookup is tried again after
    ``retry`` seconds.

    Example:
        >>> tables = TableNames(wait=5)
        >>> sorted(tables.get("shop"))[:2]
        ['customers', 'order_items']
        >>> tables.get("no_such_connection")
        []
    """

    def __init__(self, wait: float = 0.5, keep: float = 300.0, retry: float = 30.0) -> None:
        self.wait = wait
        self.keep = keep
        self.retry = retry
        self._lock = threading.Lock()
        self._lookups: dict[tuple[str, str], _Lookup] = {}

    def get(self, name: str, fingerprint: str = "") -> list[str]:
        """The table names of connection ``name`` (``fingerprint`` tells its settings apart)."""
        key = (name, fingerprint)
        with self._lock:
            lookup = self._lookups.get(key)
            if lookup is None or lookup.stale(self.keep, self.retry):
                lookup = _Lookup(name)
                self._lookups[key] = lookup
                lookup.start()
        lookup.done.wait(max(lookup.started + self.wait - time.monotonic(), 0.0))
        return list(lookup.names)

    def clear(self) -> None:
        """Forget every name read so far."""
        with self._lock:
            self._lookups.clear()


class _Lookup:
    def __init__(self, name: str) -> None:
        self.name = name
        self.names: list[str] = []
        self.failed = False
        self.started = self.finished = 0.0
        self.done = threading.Event()

    def start(self) -> None:
        self.started = time.monotonic()
        threading.Thread(
            target=self._run, name=f"workbench-tables-{self.name}", daemon=True
        ).start()

    def stale(self, keep: float, retry: float) -> bool:
        if not self.done.is_set():
            return False
        age = time.monotonic() - self.finished
        return age > (retry if self.failed else keep)

    def _run(self) -> None:
        try:
            self.names = _read_tables(self.name)
        except BaseException:  # a failing connection gives no names, and says nothing
            self.failed = True
        finally:
            self.finished = time.monotonic()
            self.done.set()


CONNECT_TIMEOUT = 2
"""Seconds a table lookup in the background gives a connection to open."""


def _read_tables(name: str) -> list[str]:
    """The tables of ``name`` through its ``tables()`` action, not recorded in the history."""
    from workbench.config.connections import configure, connection_store, find_entry
    from workbench.registry import get_connector

    fields = get_connector(find_entry(name, connection_store()).connector).config_model.model_fields
    overrides = {"connect_timeout": CONNECT_TIMEOUT} if "connect_timeout" in fields else {}
    cls, config = configure(name, **overrides)
    client = cls(config, connection=name)
    try:
        rows = cls.action_specs["tables"].function(client)
    finally:
        client.close()
    names: list[str] = []
    for row in rows:
        table, schema = str(row["name"]), row.get("schema")
        names.append(table if schema in _DEFAULT_SCHEMAS else f"{schema}.{table}")
    return list(dict.fromkeys(names))


class MagicCompleter:
    """Completions for the Workbench magics and ``wb.connect``, for one IPython shell.

    ``line_syntax`` and ``cell_syntax`` are the commands of ``%wb`` and ``%%wb``.
    """

    def __init__(
        self,
        shell: InteractiveShell,
        line_syntax: Mapping[str, Syntax],
        cell_syntax: Mapping[str, Syntax],
    ) -> None:
        self.shell = shell
        self.line_syntax = line_syntax
        self.cell_syntax = cell_syntax
        self.tables = TableNames()

    @context_matcher(identifier=IDENTIFIER)  # type: ignore[untyped-decorator]
    def matcher(self, context: CompletionContext) -> SimpleMatcherResult:
        """The IPython matcher: Workbench completions, or none where the text is not ours."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = self.complete(
                    context.full_text, context.cursor_line, context.cursor_position
                )
        except Exception:  # completion must never break the prompt
            found = None
        if found is None:
            return {"completions": [], "suppress": False}
        fragment, completions = found
        if context.limit is not None:
            completions = completions[: context.limit]
        return {
            "completions": completions,
            "matched_fragment": fragment,
            "suppress": bool(completions),
            "ordered": True,
        }

    def complete(
        self, full_text: str, cursor_line: int, cursor_position: int
    ) -> tuple[str, list[SimpleCompletion]] | None:
        """The fragment being completed and its completions; None where Workbench has none.

        Example:
            >>> from IPython.core.interactiveshell import InteractiveShell
            >>> from workbench.notebook.magics import CELL_SYNTAX, LINE_SYNTAX
            >>> completer = MagicCompleter(InteractiveShell.instance(), LINE_SYNTAX, CELL_SYNTAX)
            >>> fragment, found = completer.complete("%wb li", 0, 6)
            >>> fragment, [c.text for c in found]
            ('li', ['listen'])
        """
        lines = full_text.split("\n")
        before = lines[cursor_line][:cursor_position]
        cell = _CELL.match(lines[0])
        if cell is not None:
            if cursor_line == 0:
                return self._command(_CELL.match(before), self.cell_syntax)
            return self._cell_body(cell.group(1), before)
        line = _LINE.match(before)
        if line is not None:
            return self._command(line, self.line_syntax)
        return self._connect_call(before)

    def _command(
        self, match: re.Match[str] | None, syntax: Mapping[str, Syntax]
    ) -> tuple[str, list[SimpleCompletion]] | None:
        if match is None:
            return None
        words = _words(match.group(1))
        if words is None:
            return None
        done, fragment = words
        if not done:
            return fragment, _offer(syntax, fragment, "command")
        command = syntax.get(done[0])
        if command is None:
            return None
        return self._arguments(done[0], command, done[1:], fragment)

    def _arguments(
        self, name: str, syntax: Syntax, done: list[str], fragment: str
    ) -> tuple[str, list[SimpleCompletion]] | None:
        positional: list[str] = []
        given_options: set[str] = set()
        given_keys: set[str] = set()
        waiting_value = False
        for token in done:
            if waiting_value:
                waiting_value = False
            elif token.startswith("--"):
                option = token.partition("=")[0]
                given_options.add(option)
                waiting_value = bool(syntax.options.get(option)) and "=" not in token
            elif "=" in token and token.partition("=")[0].isidentifier():
                given_keys.add(token.partition("=")[0])
            else:
                positional.append(token)
        if waiting_value:
            return None
        if fragment.startswith("-"):
            options = [o for o in syntax.options if o not in given_options]
            return fragment, _offer(options, fragment, "option")
        store = _store()
        connection = positional[0] if positional and _takes_connection(syntax) else None
        key, equals, value = fragment.partition("=")
        if equals and key.isidentifier():
            if key == "table" and connection is not None:
                return value, _offer(self._tables(connection, store), value, "table")
            return None
        slots = [*syntax.slots, *syntax.optional]
        index = len(positional)
        if index < len(slots) and not given_keys:
            return fragment, self._slot(name, slots[index], positional, fragment, store)
        spec = self._spec(name, positional, store)
        if spec is None:
            return None
        found: list[SimpleCompletion] = []
        parameters = [p for p in spec.parameters if p.kind not in _NOT_NAMED]
        if syntax.more and not given_keys:
            places = [p for p in spec.parameters if p.kind in _POSITIONAL]
            at = index - len(slots)
            if at < len(places) and places[at].name == "table" and connection is not None:
                found += _offer(self._tables(connection, store), fragment, "table")
        if syntax.keywords:
            names = [f"{p.name}=" for p in parameters if p.name not in given_keys]
            found += _offer(names, fragment, "argument")
        return fragment, found

    def _slot(
        self, command: str, slot: str, positional: list[str], fragment: str, store: ConnectionStore
    ) -> list[SimpleCompletion]:
        if slot == "CONNECTION":
            wanted = _CONNECTION_FILTERS.get(command, _any)
            names = [n for n in store.names() if wanted(_connector_of(n, store))]
            return _offer(names, fragment, "connection")
        cls = _connector_of(positional[0], store) if positional else None
        if cls is None:
            return []
        if slot == "ACTION":
            return _offer(cls.action_specs, fragment, "action")
        if slot == "TRIGGER":
            return _offer(cls.trigger_specs, fragment, "trigger")
        if slot == "METHOD":
            methods = [m.upper() for m in _HTTP_METHODS if m in cls.action_specs]
            return _offer(methods, fragment.upper(), "method")
        return []

    def _spec(
        self, command: str, positional: list[str], store: ConnectionStore
    ) -> ActionSpec | None:
        if len(positional) < 2:
            return None
        cls = _connector_of(positional[0], store)
        if cls is None:
            return None
        specs: Mapping[str, ActionSpec] = (
            cls.trigger_specs if command == "listen" else cls.action_specs
        )
        return specs.get(positional[1])

    def _cell_body(self, first_line: str, before: str) -> tuple[str, list[SimpleCompletion]] | None:
        words = _words(first_line + " ")
        if words is None or len(words[0]) < 2 or words[0][0] != "sql":
            return None
        connection = next((w for w in words[0][1:] if not w.startswith("-")), None)
        place = _TABLE_PLACE.search(before)
        if connection is None or place is None:
            return None
        fragment = place.group(1)
        return fragment, _offer(self._tables(connection, _store()), fragment, "table")

    def _connect_call(self, before: str) -> tuple[str, list[SimpleCompletion]] | None:
        match = _CONNECT.search(before)
        module = sys.modules.get("workbench")
        if match is None or module is None:
            return None
        alias, _, fragment = match.groups()
        namespace = self.shell.user_ns
        if alias is not None and namespace.get(alias) is not module:
            return None
        if alias is None and namespace.get("connect") is not getattr(module, "connect", None):
            return None
        return fragment, _offer(_store().names(), fragment, "connection")

    def _tables(self, connection: str, store: ConnectionStore) -> list[str]:
        cls = _connector_of(connection, store)
        if cls is None or "tables" not in cls.action_specs or connection not in store:
            return []
        return self.tables.get(connection, _fingerprint(store, connection))


_NOT_NAMED = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.VAR_POSITIONAL,
    inspect.Parameter.VAR_KEYWORD,
)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _any(cls: type[Connector] | None) -> bool:
    return True


def _sql(cls: type[Connector] | None) -> bool:
    return cls is not None and {"query", "tables"} <= set(cls.action_specs)


def _has_triggers(cls: type[Connector] | None) -> bool:
    return cls is not None and bool(cls.trigger_specs)


def _http(cls: type[Connector] | None) -> bool:
    return cls is not None and any(m in cls.action_specs for m in _HTTP_METHODS)


_CONNECTION_FILTERS: dict[str, Callable[[type[Connector] | None], bool]] = {
    "sql": _sql,
    "listen": _has_triggers,
    "http": _http,
}


def _takes_connection(syntax: Syntax) -> bool:
    return [*syntax.slots, *syntax.optional][:1] == ["CONNECTION"]


def _words(text: str) -> tuple[list[str], str] | None:
    """The finished words of ``text`` and the one being typed; None inside a quote."""
    try:
        found = tokens(text)
    except ActionArgumentError:  # an unclosed quote: a value is being typed
        return None
    if not text or text[-1].isspace():
        return found, ""
    return found[:-1], found[-1] if found else ""


def _offer(names: Iterable[str], fragment: str, kind: str) -> list[SimpleCompletion]:
    return [SimpleCompletion(n, type=kind) for n in names if n.startswith(fragment)]


def _store() -> ConnectionStore:
    from workbench.config.connections import connection_store

    return connection_store()


def _connector_of(name: str, store: ConnectionStore) -> type[Connector] | None:
    """The connector class of connection ``name`` (or of the connector so named)."""
    from workbench.registry import get_connector

    try:
        return get_connector(store.get(name).connector if name in store else name)
    except Exception:
        return None


def _fingerprint(store: ConnectionStore, name: str) -> str:
    """A digest of the connection's settings: table names are kept until they change."""
    entry = store.get(name)
    text = json.dumps([entry.connector, entry.source, entry.fields], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def register(shell: InteractiveShell, completer: MagicCompleter) -> None:
    """Add ``completer`` to ``shell``'s completer, in place of one registered before."""
    unregister(shell)
    shell.Completer.custom_matchers.append(completer.matcher)


def unregister(shell: InteractiveShell) -> None:
    """Remove the Workbench matcher from ``shell``'s completer."""
    matchers: list[Any] = shell.Completer.custom_matchers
    matchers[:] = [m for m in matchers if getattr(m, "matcher_identifier", None) != IDENTIFIER]
