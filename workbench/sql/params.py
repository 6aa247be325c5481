"""Bound parameters: ``:name`` placeholders rewritten into a driver's paramstyle.

The SQL text is only ever scanned, never formatted: string literals, quoted identifiers,
comments, dollar-quoted bodies and ``::`` casts pass through untouched, and a ``{name}``
in the text stays exactly what it is. Values travel separately, to the driver.

Example:
    >>> bind("select * from t where a = :a and b::text = '%:x' -- :y", {"a": 1}, "pyformat")
    ("select * from t where a = %(a)s and b::text = '%%:x' -- :y", {'a': 1})
    >>> bind("select :a + :a, :b", {"a": 1, "b": 2}, "numeric")
    ('select $1 + $1, $2', [1, 2])
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from workbench.errors import ActionArgumentError

Style = Literal["pyformat", "numeric", "qmark"]

_NAME = re.compile(r"[A-Za-z_]\w*")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_]\w*)?\$")
_BLANK = ("", " ", "\t", "\n", "\r")


def bind(
    sql: str, params: Mapping[str, Any], style: Style, *, backslash_escapes: bool = False
) -> tuple[str, Any]:
    """Rewrite ``:name`` placeholders for a driver; return ``(sql, values)``.

    ``pyformat`` (psycopg, pymysql) gives ``%(name)s`` and a dict, with every other ``%``
    doubled; ``numeric`` (ADBC PostgreSQL) gives ``$1`` and a list; ``qmark`` gives ``?``
    and a list. ``backslash_escapes`` reads the text as MySQL does (see :func:`statements`).
    A placeholder with no value raises :class:`ActionArgumentError`.
    """
    out: list[str] = []
    order: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        end = _skip(sql, i, backslash_escapes)
        if end > i:  # psycopg and pymysql format the whole text: double every %
            part = sql[i:end]
            out.append(part.replace("%", "%%") if style == "pyformat" else part)
            i = end
            continue
        if ch == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
            continue
        if ch == ":" and (match := _NAME.match(sql, i + 1)) and not _after_word(sql, i):
            name = match.group()
            if name not in params:
                raise ActionArgumentError(f"no value given for the placeholder :{name}")
            out.append(_placeholder(name, order, style))
            i = match.end()
            continue
        out.append("%%" if ch == "%" and style == "pyformat" else ch)
        i += 1
    text = "".join(out)
    if style == "pyformat":
        return text, {name: adapt(params[name]) for name in dict.fromkeys(order)}
    if style == "numeric":
        return text, [adapt(params[name]) for name in dict.fromkeys(order)]
    return text, [adapt(params[name]) for name in order]


def statements(sql: str, *, backslash_escapes: bool = False) -> int:
    """How many statements ``sql`` holds: the ``;`` outside literals, quoted identifiers and
    comments separate them, and a part with nothing but blanks and comments is no statement.

    The text is read as PostgreSQL, DuckDB and SQLite read it (``E'...'`` escapes, nested
    ``/* */`` comments, dollar quotes); with ``backslash_escapes`` as MySQL reads it
    (backslash escapes in strings, ``#`` and ``-- `` comments, ``/*! */`` is executed).

    Example:
        >>> statements("select ';' as a; -- ; drop table t")
        1
        >>> statements("select 1 /* ; */; drop table t")
        2
        >>> statements("select 'it\\\\'s'; drop table t", backslash_escapes=True)
        2
    """
    count, pending = 0, False
    i, n = 0, len(sql)
    while i < n:
        end = _skip(sql, i, backslash_escapes)
        if end > i:
            pending = pending or sql[i] not in "-/#"  # a literal or identifier, not a comment
            i = end
            continue
        if sql[i] == ";":
            count += pending
            pending = False
        elif not sql[i].isspace():
            pending = True
        i += 1
    return count + pending


def placeholders(sql: str) -> list[str]:
    """The names of the ``:name`` placeholders in ``sql``, in order of first use.

    Example:
        >>> placeholders("select :a, ':b', :c::int, :a -- :d")
        ['a', 'c']
    """
    _, names = bind(sql, _EveryName(), "numeric")
    return list(names)


class _EveryName(dict[str, Any]):
    """A mapping that holds every name, each standing for itself."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return key


def adapt(value: Any) -> Any:
    """A parameter value as drivers take it: a dict becomes JSON text.

    Example:
        >>> adapt({"a": [1, 2]})
        '{"a": [1, 2]}'
    """
    return json.dumps(value) if isinstance(value, dict) else value


def _placeholder(name: str, order: list[str], style: Style) -> str:
    if style == "pyformat":
        order.append(name)
        return f"%({name})s"
    if style == "numeric":
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"
    order.append(name)
    return "?"


def _after_word(sql: str, i: int) -> bool:
    """True when the colon follows a word character (``a:b`` is not a placeholder)."""
    return i > 0 and (sql[i - 1].isalnum() or sql[i - 1] in "_:")


def _skip(sql: str, i: int, backslash_escapes: bool) -> int:
    """The end of a literal, quoted identifier or comment starting at ``i`` (else ``i``)."""
    ch = sql[i]
    if ch in "'\"`":
        return _quoted_end(sql, i, ch, ch != "`" and (backslash_escapes or _escape_prefix(sql, i)))
    if backslash_escapes:  # MySQL: `# ...` and `-- ...` (with a blank) comments
        if ch == "#" or (sql.startswith("--", i) and sql[i + 2 : i + 3] in _BLANK):
            end = sql.find("\n", i)
            return len(sql) if end < 0 else end
        if sql.startswith("/*", i) and not sql.startswith("/*!", i):
            end = sql.find("*/", i + 2)
            return len(sql) if end < 0 else end + 2
        return i
    if sql.startswith("--", i):
        end = sql.find("\n", i)
        return len(sql) if end < 0 else end
    if sql.startswith("/*", i):
        return _comment_end(sql, i)
    if ch == "$" and not _after_word(sql, i) and (tag := _DOLLAR_TAG.match(sql, i)):
        end = sql.find(tag.group(), tag.end())
        return len(sql) if end < 0 else end + len(tag.group())
    return i


def _escape_prefix(sql: str, i: int) -> bool:
    """True when the literal at ``i`` is an ``E'...'`` one (``time'...'`` is not)."""
    return sql[i] == "'" and i > 0 and sql[i - 1] in "eE" and not _after_word(sql, i - 1)


def _comment_end(sql: str, i: int) -> int:
    """The end of the ``/* */`` comment at ``i``, nested ones included."""
    depth, j, n = 0, i, len(sql)
    while j < n:
        if sql.startswith("/*", j):
            depth += 1
            j += 2
        elif sql.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        else:
            j += 1
    return n


def _quoted_end(sql: str, i: int, quote: str, escapes: bool) -> int:
    j = i + 1
    n = len(sql)
    while j < n:
        c = sql[j]
        if escapes and c == "\\":
            j += 2
            continue
        if c == quote:
            if j + 1 < n and sql[j + 1] == quote:  # doubled quote inside the literal
                j += 2
                continue
            return j + 1
        j += 1
    return n
