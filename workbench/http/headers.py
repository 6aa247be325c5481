"""Header names and values a user gives, checked before anything is sent.

HTTP header values are printable ASCII on one line: a non-ASCII character cannot be sent
as it is, and a CR or LF would start another header (header injection). Names are RFC 9110
tokens. A bad one fails as :class:`~workbench.errors.ActionArgumentError` naming the header
and where it came from, never showing the value (it may be a secret).

Example:
    >>> check_headers({"X-Team": "ops"}, "api.get", "argument headers")
    >>> check_headers({"X-Team": "Zoë"}, "api.get", "argument headers")
    Traceback (most recent call last):
    ...
    workbench.errors.ActionArgumentError: api.get: header 'X-Team' (argument headers): the value has a character that is not ASCII at position 3; header values must be printable ASCII on one line
"""  # noqa: E501

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from workbench.errors import ActionArgumentError

_TOKEN = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_BAD_VALUE = re.compile(r"[^\t\x20-\x7e]")
_RULE = "header values must be printable ASCII on one line"


def value_problem(value: str | bytes) -> str | None:
    """What makes ``value`` unusable as a header value, or None when it is fine.

    Example:
        >>> value_problem("Bearer abc"), value_problem("a\\r\\nb")
        (None, 'the value has a line break (CR or LF) at position 2')
    """
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    found = _BAD_VALUE.search(text)
    if found is None:
        return None
    char, position = found.group(), found.start() + 1
    if char in "\r\n":
        return f"the value has a line break (CR or LF) at position {position}"
    if ord(char) > 0x7E and char != "\x7f":
        return f"the value has a character that is not ASCII at position {position}"
    return f"the value has a control character at position {position}"


def name_problem(name: str | bytes) -> str | None:
    """What makes ``name`` unusable as a header name, or None when it is fine.

    Example:
        >>> name_problem("X-Request-Id"), name_problem("X Note")
        (None, "not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
    """
    text = name.decode("latin-1") if isinstance(name, bytes) else name
    if text and all(char in _TOKEN for char in text):
        return None
    return "not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"


_BAD_RAW_VALUE = re.compile(rb"[^\t\x20-\x7e]")
_RAW_NAMES = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:\n[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*")
_NAME, _VALUE = itemgetter(0), itemgetter(1)


def raw_problem(raw: list[tuple[bytes, bytes]]) -> bool:
    """Whether any encoded header (as httpx holds them) has a bad name or value; quick.

    Example:
        >>> raw_problem([(b"X-Team", b"ops")]), raw_problem([(b"X-Team", b"a\\r\\nb")])
        (False, True)
    """
    if not raw:
        return False
    values = b"".join(map(_VALUE, raw))
    names = b"\n".join(map(_NAME, raw))
    return _BAD_RAW_VALUE.search(values) is not None or _RAW_NAMES.fullmatch(names) is None


def check_header(name: str, value: Any, where: str, source: str = "") -> None:
    """Raise :class:`ActionArgumentError` when ``name: value`` cannot be sent as a header.

    ``where`` names the action or connection, ``source`` where the header was given.

    Example:
        >>> check_header("X-Note", "a\\nb", "api.post", "argument headers")
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: api.post: header 'X-Note' (argument headers): the value has a line break (CR or LF) at position 2; header values must be printable ASCII on one line
    """  # noqa: E501
    given = f" ({source})" if source else ""
    problem = name_problem(name)
    if problem is not None:
        raise ActionArgumentError(f"{where}: header {name!r}{given}: {problem}")
    if isinstance(value, str | bytes):
        problem = value_problem(value)
        if problem is not None:
            raise ActionArgumentError(f"{where}: header {name!r}{given}: {problem}; {_RULE}")


def check_headers(headers: Mapping[str, Any] | None, where: str, source: str = "") -> None:
    """:func:`check_header` for each header of ``headers``."""
    for name, value in (headers or {}).items():
        check_header(name, value, where, source)


def check_value(value: str, what: str) -> None:
    """Raise :class:`ActionArgumentError` naming ``what`` when ``value`` cannot go in a header.

    For credentials the connection sends as a header (a token, an API key).

    Example:
        >>> check_value("tök-123", "api: the field 'token'")
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: api: the field 'token': the value has a character that is not ASCII at position 2; header values must be printable ASCII on one line
    """  # noqa: E501
    problem = value_problem(value)
    if problem is not None:
        raise ActionArgumentError(f"{what}: {problem}; {_RULE}")
