"""Arguments written on a magic's line: ``key=value`` pairs, literals and namespace values.

A value is read as a Python literal (``3``, ``'a b'``, ``[1, 2]``, ``None``); anything
else is plain text. ``$name`` (or ``$name.attribute``) and ``{expression}`` take the
object itself from the user's namespace, so a DataFrame or a list passes through
unchanged, never as its text.

Example:
    >>> split_arguments("shop query 'select 1' limit=5 status=$s", {"s": "shipped"})
    (['shop', 'query', 'select 1'], {'limit': 5, 'status': 'shipped'})
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import ActionArgumentError

_KEY = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.DOTALL)
_VARIABLE = re.compile(r"^\$([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)$")
_MALFORMED = re.compile(r"^([\w.-]*)=", re.DOTALL)
_OPTION = re.compile(r"^--[A-Za-z][\w-]*(=.*)?$", re.DOTALL)


def split_arguments(line: str, namespace: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Positional values and ``key=value`` keywords of a magic's line, each value resolved."""
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for token in tokens(line):
        match = _KEY.match(token)
        if match is None:
            if keywords:
                raise ActionArgumentError(
                    f"{token!r} comes after key=value arguments; put it first"
                )
            positional.append(resolve_value(token, namespace))
        else:
            keywords[match.group(1)] = resolve_value(match.group(2), namespace, match.group(1))
    return positional, keywords


def tokens(line: str) -> list[str]:
    """The line split on spaces outside quotes and brackets; quotes are kept.

    Example:
        >>> tokens("send channel=#ops text='hi there' data={'a': [1, 2]}")
        ['send', 'channel=#ops', "text='hi there'", "data={'a': [1, 2]}"]
    """
    out: list[str] = []
    current: list[str] = []
    quote = ""
    depth = 0
    escaped = False
    for ch in line:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch.isspace() and depth == 0:
            if current:
                out.append("".join(current))
                current = []
            continue
        current.append(ch)
    if quote:
        raise ActionArgumentError(f"unclosed {quote} quote in {line!r}")
    if current:
        out.append("".join(current))
    return out


def resolve_value(text: str, namespace: Mapping[str, Any], key: str | None = None) -> Any:
    """One value: ``$name`` or ``{expression}`` from ``namespace``, else a literal, else text.

    Example:
        >>> resolve_value("{n + 1}", {"n": 41}), resolve_value("'x y'", {}), resolve_value("ok", {})
        (42, 'x y', 'ok')
    """
    where = f"argument {key!r}" if key else f"value {text!r}"
    variable = _VARIABLE.match(text)
    if variable:
        name, attributes = variable.groups()
        if name not in namespace:
            raise ActionArgumentError(f"{where}: no variable ${name} in the notebook")
        value = namespace[name]
        for attribute in filter(None, attributes.split(".")):
            try:
                value = getattr(value, attribute)
            except AttributeError:
                raise ActionArgumentError(
                    f"{where}: ${name}{attributes} has no {attribute!r}"
                ) from None
        return value
    if len(text) > 1 and text.startswith("{") and text.endswith("}") and not _is_literal(text):
        try:
            return eval(text[1:-1], {}, dict(namespace))  # noqa: S307 - the user's own notebook
        except Exception as exc:
            raise ActionArgumentError(
                f"{where}: {text} failed: {type(exc).__name__}: {exc}"
            ) from None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _is_literal(text: str) -> bool:
    """True for a dict or set literal such as ``{"a": 1}`` (not an expression to evaluate)."""
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


class UsageError(ActionArgumentError):
    """A magic's line does not fit its command; ``hint`` is the command's usage line."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.hint = f"usage: {usage}"


@dataclass
class Parsed:
    """A command's line, read: positional words as written, resolved keywords, options."""

    words: list[str]
    keywords: dict[str, Any]
    options: dict[str, str | bool]


@dataclass(frozen=True)
class Syntax:
    """What one magic command takes, and the reading of its line against that.

    ``slots`` are the required positional names, ``optional`` the ones that may follow,
    ``more`` names further positional values (``ARG``), ``text`` lets the last slot run
    on as free text, ``keywords`` allows ``key=value`` pairs and ``options`` maps each
    ``--option`` to its value's name (``None`` for a flag). A token that starts with
    ``--`` is always an option; quote a value that starts with ``--``.

    Example:
        >>> run = Syntax("%wb run", slots=("CONNECTION", "ACTION"), more="ARG", keywords=True)
        >>> run.usage
        '%wb run CONNECTION ACTION [ARG ...] [key=value ...]'
        >>> run.parse("shop query 'select 1' n=3")
        Parsed(words=['shop', 'query', "'select 1'"], keywords={'n': 3}, options={})
        >>> sql = Syntax("%%wb sql", slots=("CONNECTION",), options={"--save": "NAME"})
        >>> try:
        ...     sql.parse("shop --sav x")
        ... except UsageError as exc:
        ...     print(exc)
        ...     print(exc.hint)
        unknown option '--sav' for %%wb sql; did you mean '--save'?
        usage: %%wb sql CONNECTION [--save NAME]
    """

    prog: str
    slots: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    more: str | None = None
    text: bool = False
    keywords: bool = False
    options: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def usage(self) -> str:
        """The command's usage line, e.g. ``%%wb sql CONNECTION [--save NAME]``."""
        parts = [self.prog, *self.slots]
        nested = ""
        for name in reversed(self.optional):
            nested = f"[{name}{' ' + nested if nested else ''}]"
        if nested:
            parts.append(nested)
        if self.more:
            parts.append(f"[{self.more} ...]")
        if self.keywords:
            parts.append("[key=value ...]")
        for option, metavar in self.options.items():
            parts.append(f"[{option}{' ' + metavar if metavar else ''}]")
        return " ".join(parts)

    def error(self, message: str) -> UsageError:
        """An error about this command's line, with the usage as its hint."""
        return UsageError(message, self.usage)

    def parse(self, line: str, namespace: Mapping[str, Any] | None = None) -> Parsed:
        """Read ``line``; every problem is named: unknown option, missing or extra argument,
        malformed ``key=value``. Keyword values are resolved from ``namespace``."""
        parsed = Parsed([], {}, {})
        items = tokens(line)
        index = 0
        while index < len(items):
            token = items[index]
            index += 1
            if _OPTION.match(token):
                index = self._option(token, items, index, parsed.options)
            elif (keyword := self._keyword(token)) is not None:
                key, value = keyword
                if key in parsed.keywords:
                    raise self.error(f"argument {key!r} is given twice for {self.prog}")
                parsed.keywords[key] = resolve_value(value, namespace or {}, key)
            elif parsed.keywords:
                raise self.error(f"{token!r} comes after key=value arguments; put it first")
            else:
                parsed.words.append(token)
        self._count(parsed.words)
        return parsed

    def _option(
        self, token: str, items: list[str], index: int, options: dict[str, str | bool]
    ) -> int:
        name, equals, value = token.partition("=")
        if name not in self.options:
            raise self.error(self._unknown(name))
        metavar = self.options[name]
        if metavar is None:
            if equals:
                raise self.error(f"option {name} of {self.prog} takes no value, got {token!r}")
            options[name] = True
            return index
        if not equals and index < len(items) and not _OPTION.match(items[index]):
            value = items[index]
            index += 1
        if not value:
            raise self.error(f"option {name} of {self.prog} needs a value ({metavar})")
        options[name] = value
        return index

    def _unknown(self, name: str) -> str:
        message = f"unknown option {name!r} for {self.prog}"
        if not self.options:
            return f"{message} (it takes no options; quote a value that starts with --)"
        close = difflib.get_close_matches(name, list(self.options), n=1)
        if close:
            return f"{message}; did you mean {close[0]!r}?"
        return f"{message} (options: {', '.join(self.options)})"

    def _keyword(self, token: str) -> tuple[str, str] | None:
        match = _KEY.match(token)
        if match is None:
            malformed = _MALFORMED.match(token)
            if malformed is None:
                return None
            left = malformed.group(1)
            why = f"{left!r} is not a name" if left else "no name before '='"
            fixed = re.sub(r"\W", "_", left)
            if left and fixed.isidentifier():
                why += f"; did you mean {fixed}=...?"
            raise self.error(f"malformed key=value {token!r} for {self.prog}: {why}")
        key, value = match.groups()
        if not self.keywords:
            raise self.error(f"{self.prog} takes no key=value arguments, got {token!r}")
        if not value:
            raise self.error(
                f"malformed key=value {token!r} for {self.prog}: no value after '='; "
                f"write {key}='' for an empty text"
            )
        return key, value

    def _count(self, words: list[str]) -> None:
        if len(words) < len(self.slots):
            raise self.error(f"missing {self.slots[len(words)]} for {self.prog}")
        most = len(self.slots) + len(self.optional)
        if len(words) > most and self.more is None and not self.text:
            raise self.error(f"unexpected argument {words[most]!r} for {self.prog}")
