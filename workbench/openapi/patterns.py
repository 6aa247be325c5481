"""A string matching a (simple) regular expression, for schemas with a ``pattern``."""

from __future__ import annotations

import importlib
import re
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # the stdlib's regex parser
_CATEGORIES = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
}
_FALLBACKS = "a0A_-.x"


class _Unsupported(Exception):
    pass


class TooLong(ValueError):
    """The shortest string a pattern allows is longer than the limit asked for."""


def matching(pattern: str, min_length: int = 0, *, limit: int = 10_000) -> str | None:
    """A short string matching ``pattern``, or None when the pattern is not simple.

    When the shortest is shorter than ``min_length``, open repeats (``+``, ``*``, ``{n,}``)
    are stretched to reach it. A string longer than ``limit`` is never made: :class:`TooLong`
    is raised instead (``a{1000000000}``).

    Example:
        >>> matching(r"^[a-z]{2}_\\d+$")
        'aa_0'
        >>> matching(r"^(cus|acct)_[A-Za-z0-9]{4,}$")
        'cus_AAAA'
        >>> matching(r"^[0-9a-f]+$", min_length=8)
        '00000000'
        >>> matching(r"(a)\\1") is None
        True
        >>> matching(r"^a{1000000000}$")
        Traceback (most recent call last):
        ...
        workbench.openapi.patterns.TooLong: the pattern needs more than 10000 characters
    """
    min_length = min(min_length, limit)
    try:
        parsed = _parser.parse(pattern)
        out = _Out(limit)
        _emit(parsed, out, 0)
        if out.length < min_length:
            stretched = _Out(limit)
            try:
                _emit(parsed, stretched, min_length)
            except TooLong:
                return None  # stretching overshoots; the shortest is too short
            out = stretched
        text = "".join(out)
        return text if re.search(pattern, text) else None
    except TooLong:
        raise
    except (_Unsupported, re.error, RecursionError, ValueError, OverflowError):
        return None


class _Out(list[str]):
    """The characters emitted so far, refusing to grow past a limit."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.length = 0

    def append(self, text: str) -> None:
        self.length += len(text)
        if self.length > self.limit:
            raise TooLong(f"the pattern needs more than {self.limit} characters")
        super().append(text)


def _emit(items: Any, out: _Out, stretch: int) -> None:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("b" if chr(arg) == "a" else "a")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_one_of(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            count = low if low else min(1, high)
            if stretch and high > low:
                count = max(count, min(high, stretch))
            for _ in range(count):
                before = out.length
                _emit(sub, out, stretch)
                if out.length == before:
                    break  # the part emits nothing: repeating it changes nothing
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            _emit(arg[-1], out, stretch)
        elif name == "BRANCH":
            _emit(arg[1][0], out, stretch)
        elif name == "CATEGORY":
            out.append(_CATEGORIES.get(str(arg), "a"))
        elif name not in ("AT", "ASSERT", "ASSERT_NOT"):
            raise _Unsupported(name)


def _one_of(items: Any) -> str:
    negate = False
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            chars.append(chr(low) if not negate else "")
            chars.extend(chr(c) for c in range(low, min(high, low + 200) + 1) if negate)
        elif name == "CATEGORY":
            chars.append(_CATEGORIES.get(str(arg), "a"))
        else:
            raise _Unsupported(name)
    if not negate:
        return next(c for c in chars if c)
    return next((c for c in _FALLBACKS if c not in chars), "~")


def backtracks(pattern: str) -> bool:
    """True when matching ``pattern`` may take exponential time (a repeated part that itself
    repeats or branches: ``(a+)+``, ``(a|ab)*``), or when it cannot be read.

    Example:
        >>> backtracks(r"^(a+)+$"), backtracks(r"^(a|ab)*$"), backtracks(r"^[a-z]+_\\d{2,}$")
        (True, True, False)
    """
    try:
        return _backtracks(_parser.parse(pattern), False)
    except (re.error, RecursionError, ValueError, OverflowError):
        return True


def _backtracks(items: Any, repeated: bool) -> bool:
    for op, arg in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            _, high, sub = arg
            if high > 1 and repeated:
                return True
            if _backtracks(sub, repeated or high > 1):
                return True
        elif name == "BRANCH":
            if repeated:
                return True
            if any(_backtracks(branch, repeated) for branch in arg[1]):
                return True
        elif name in ("SUBPATTERN", "ATOMIC_GROUP", "POSSESSIVE_REPEAT"):
            if _backtracks(arg[-1], repeated):
                return True
        elif name in ("ASSERT", "ASSERT_NOT") and _backtracks(arg[1], repeated):
            return True
    return False
