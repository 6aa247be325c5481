"""The part of SOQL the sandbox answers: one object's fields, ``AND``-ed comparisons,
``ORDER BY`` and ``LIMIT``.

``SELECT Id, Name, Owner.Name FROM Account WHERE Industry = 'Energy' AND
LastModifiedDate >= 2024-05-01T00:00:00Z ORDER BY LastModifiedDate, Id LIMIT 10`` parses to
a :class:`Query`; :func:`matches` tells whether a stored record passes its filters. A query
outside this part raises :class:`SoqlError` with Salesforce's ``MALFORMED_QUERY``.

Example:
    >>> q = parse("select Id, Owner.Name from Account where Rating != 'Cold' order by Name desc limit 5")
    >>> q.sobject, q.fields, q.where, q.order, q.limit
    ('Account', ['Id', 'Owner.Name'], [('Rating', '!=', 'Cold')], [('Name', True)], 5)
"""  # noqa: E501

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|<>|=|<|>|,|\(|\))"
    r"|(?P<word>[A-Za-z0-9_.:+\-]+))"
)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_OPS = {"=", "!=", "<>", "<", "<=", ">", ">=", "LIKE", "IN"}


class SoqlError(ValueError):
    """A query the sandbox cannot read; ``code`` is Salesforce's code for it."""

    def __init__(self, message: str, code: str = "MALFORMED_QUERY") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Query:
    """A parsed query: the object, its selected fields, filters, order and limit."""

    sobject: str
    fields: list[str]
    where: list[tuple[str, str, Any]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None


def tokens(text: str) -> list[str]:
    """The words, strings and operators of a query, in order."""
    found: list[str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SoqlError(f"unexpected token at: {text[position : position + 20]!r}")
        found.append(match.group().strip())
        position = match.end()
    return [t for t in found if t]


def parse(text: str) -> Query:
    """``text`` as a :class:`Query` (see the module's example)."""
    words = tokens(text)
    upper = [w.upper() for w in words]
    if not upper or upper[0] != "SELECT" or "FROM" not in upper:
        raise SoqlError("unexpected token: a query starts SELECT fields FROM object")
    start = upper.index("FROM")
    fields = [w for w in words[1:start] if w != ","]
    if not fields:
        raise SoqlError("unexpected token: 'FROM' (no fields selected)")
    if start + 1 >= len(words):
        raise SoqlError("unexpected end of query: no object after FROM")
    query = Query(words[start + 1], fields)
    rest, upper_rest = words[start + 2 :], upper[start + 2 :]
    while rest:
        keyword = upper_rest[0]
        if keyword == "WHERE":
            rest, upper_rest = _where(query, rest[1:], upper_rest[1:])
        elif keyword == "ORDER" and upper_rest[1:2] == ["BY"]:
            rest, upper_rest = _order(query, rest[2:], upper_rest[2:])
        elif keyword == "LIMIT" and len(rest) > 1 and rest[1].isdigit():
            query.limit = int(rest[1])
            rest, upper_rest = rest[2:], upper_rest[2:]
        else:
            raise SoqlError(f"unexpected token: {rest[0]!r}")
    return query


def _where(query: Query, rest: list[str], upper: list[str]) -> tuple[list[str], list[str]]:
    while True:
        if len(rest) < 3 or upper[1] not in _OPS:
            raise SoqlError(f"unexpected token in WHERE: {' '.join(rest[:3])!r}")
        name, op = rest[0], upper[1]
        if op == "IN":
            if rest[2] != "(" or ")" not in rest:
                raise SoqlError("IN expects a list in parentheses")
            end = rest.index(")")
            values = [literal(w) for w in rest[3:end] if w != ","]
            query.where.append((name, "IN", values))
            rest, upper = rest[end + 1 :], upper[end + 1 :]
        else:
            query.where.append((name, "!=" if op == "<>" else op, literal(rest[2])))
            rest, upper = rest[3:], upper[3:]
        if upper[:1] != ["AND"]:
            return rest, upper
        rest, upper = rest[1:], upper[1:]


def _order(query: Query, rest: list[str], upper: list[str]) -> tuple[list[str], list[str]]:
    while rest:
        if upper[0] in ("LIMIT", "WHERE"):
            break
        name, rest, upper = rest[0], rest[1:], upper[1:]
        descending = False
        if upper[:1] in (["ASC"], ["DESC"]):
            descending = upper[0] == "DESC"
            rest, upper = rest[1:], upper[1:]
        query.order.append((name, descending))
        if rest[:1] == [","]:
            rest, upper = rest[1:], upper[1:]
    if not query.order:
        raise SoqlError("unexpected token: ORDER BY needs a field")
    return rest, upper


def literal(word: str) -> Any:
    """A SOQL literal as a Python value: text, number, boolean, null or a UTC datetime.

    Example:
        >>> literal("'O\\\\'Brien'"), literal("42"), literal("null"), literal("2024-05-01T08:30:00Z")
        ("O'Brien", 42, None, datetime.datetime(2024, 5, 1, 8, 30, tzinfo=datetime.timezone.utc))
    """  # noqa: E501
    if word.startswith("'"):
        return re.sub(r"\\(.)", r"\1", word[1:-1])
    lowered = word.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if _NUMBER.match(word):
        return float(word) if "." in word else int(word)
    if _DATETIME.match(word):
        return when(word)
    raise SoqlError(f"unexpected token: {word!r} is not a value")


def when(text: str) -> datetime:
    """A Salesforce datetime (``2024-05-01T08:30:00.000+0000``) in UTC."""
    value = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    return datetime.fromisoformat(value).astimezone(UTC)


def comparable(value: Any, other: Any) -> Any:
    """``value`` in the type of ``other`` (a stored datetime text against a datetime)."""
    if isinstance(other, datetime) and isinstance(value, str):
        return when(value)
    return value


def matches(value_of: Any, query: Query) -> bool:
    """Whether the record whose field values ``value_of(name)`` gives passes every filter."""
    for name, op, wanted in query.where:
        value = value_of(name)
        if op == "IN":
            if value not in wanted:
                return False
            continue
        if op == "LIKE":
            pattern = "^" + re.escape(str(wanted)).replace("%", ".*").replace("_", ".") + "$"
            if value is None or not re.match(pattern, str(value), re.IGNORECASE):
                return False
            continue
        value = comparable(value, wanted)
        if op in ("=", "!="):
            if (value == wanted) != (op == "="):
                return False
            continue
        if value is None or wanted is None:
            return False
        passed = {"<": value < wanted, "<=": value <= wanted, ">": value > wanted}.get(
            op, value >= wanted
        )
        if not passed:
            return False
    return True
