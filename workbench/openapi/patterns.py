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


def matching(pattern: str, min_length: int = 0) -> str | None:
    """A short string matching ``pattern``, or None when the pattern is not simple.

    When the shortest is shorter than ``min_length``, open repeats (``+``, ``*``, ``{n,}``)
    are stretched to reach it.

    Example:
        >>> matching(r"^[a-z]{2}_\\d+$")
        'aa_0'
        >>> matching(r"^(cus|acct)_[A-Za-z0-9]{4,}$")
        'cus_AAAA'
        >>> matching(r"^[0-9a-f]+$", min_length=8)
        '00000000'
        >>> matching(r"(a)\\1") is None
        True
    """
    try:
        parsed = _parser.parse(pattern)
        out: list[str] = []
        _emit(parsed, out, 0)
        if len("".join(out)) < min_length:
            out = []
            _emit(parsed, out, min_length)
        text = "".join(out)
        return text if re.search(pattern, text) else None
    except (_Unsupported, re.error, RecursionError, ValueError, OverflowError):
        return None


def _emit(items: Any, out: list[str], stretch: int) -> None:
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
                _emit(sub, out, stretch)
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
