"""A string matching a (simple) regular expression, for schemas with a ``pattern``.

Specs are written for ECMA-262 and PCRE-like engines: where Python's ``re`` cannot read a
pattern (``\\p{L}``, possessive quantifiers on old Pythons, ``\\X``), the ``regex``
package reads it, both to check values and to make examples.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterator
from typing import Any

import regex  # type: ignore[import-untyped]

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


@functools.lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    """``pattern`` compiled by ``re``, or by ``regex`` where ``re`` cannot read it.

    Raises ``regex.error`` when neither can.

    Example:
        >>> type(compiled(r"^[a-z]+$")) is re.Pattern, type(compiled(r"^\\p{L}+$")) is re.Pattern
        (True, False)
        >>> bool(compiled(r"^\\p{L}+$").search("Zoë")), bool(compiled(r"^\\p{L}+$").search("ab1"))
        (True, False)
    """
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return regex.compile(pattern, regex.VERSION0)


def needs_regex(pattern: str) -> bool:
    """True when only the ``regex`` package can read ``pattern``.

    Example:
        >>> needs_regex(r"^\\p{Lu}\\w*$"), needs_regex(r"^\\d+$"), needs_regex(r"(")
        (True, False, False)
    """
    try:
        return isinstance(compiled(pattern), regex.Pattern)
    except regex.error:
        return False


def search(pattern: str, text: str) -> bool:
    """True when ``pattern`` (read by ``re`` or ``regex``) is found in ``text``.

    Example:
        >>> search(r"^\\p{L}+$", "Ångström"), search(r"^\\p{L}+$", "R2D2")
        (True, False)
    """
    return compiled(pattern).search(text) is not None


def allows(pattern: Any, text: str) -> bool:
    """Whether a schema's ``pattern`` allows ``text``; a pattern neither ``re`` nor ``regex``
    reads (a spec's defect, such as ``\\p{LD}``, or not a string) allows everything.

    Example:
        >>> allows(r"^\\d+$", "12"), allows(r"^\\d+$", "1a"), allows(r"^\\p{LD}+$", "1a")
        (True, False, True)
    """
    if not isinstance(pattern, str):
        return True
    try:
        return search(pattern, text)
    except (re.error, regex.error, OverflowError, RecursionError):
        return True


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """JSON Schema's ``pattern``, read by ``re`` or ``regex`` (:func:`allows`)."""
    if validator.is_type(instance, "string") and not allows(pattern, instance):
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@functools.cache
def validate_with_regex() -> None:
    """Make request validation (openapi-core's schema validators) read patterns as
    :func:`compiled` does; ``re``'s answer is kept for every pattern ``re`` can read.

    Example:
        >>> validate_with_regex()
        >>> from openapi_schema_validator import OAS30WriteValidator
        >>> validator = OAS30WriteValidator({"type": "string", "pattern": "^\\\\p{L}+$"})
        >>> validator.is_valid("abc"), validator.is_valid("a1")
        (True, False)
    """
    from openapi_schema_validator import validators

    for name, value in vars(validators).items():
        table = getattr(value, "VALIDATORS", None)
        if name.startswith("OAS") and isinstance(table, dict) and "pattern" in table:
            table["pattern"] = _pattern_keyword


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
        >>> matching(r"^arn:aws:.+:pipeline/.+$", min_length=24)  # the first repeat stretches
        'arn:aws:aaaaa:pipeline/a'
        >>> matching(r"(a)\\1") is None
        True
        >>> matching(r"^a{1000000000}$")
        Traceback (most recent call last):
        ...
        workbench.openapi.patterns.TooLong: the pattern needs more than 10000 characters
    """
    min_length = min(min_length, limit)
    try:
        parsed = _parser.parse(_readable(pattern) if needs_regex(pattern) else pattern)
        out = _Out(limit)
        _emit(parsed, out, False)
        if out.length < min_length:
            stretched = _Out(limit)
            stretched.budget = min_length - out.length
            try:
                _emit(parsed, stretched, True)
            except TooLong:
                return None  # stretching overshoots; the shortest is too short
            out = stretched
        text = "".join(out)
        return text if search(pattern, text) else None
    except TooLong:
        raise
    except (_Unsupported, re.error, RecursionError, ValueError, OverflowError):
        return None


# Unicode properties (by their first letter) as ASCII characters ``re`` can make examples of.
_PROPERTIES = {"L": "a-zA-Z", "Lu": "A-Z", "Ll": "a-z", "N": "0-9", "Nd": "0-9", "Z": " "}
_PROPERTIES |= {"Alnum": "a-zA-Z0-9", "P": ".,", "XDigit": "0-9a-f", "Graph": "a-zA-Z0-9."}
_PROPERTY = re.compile(r"\\(p)\{(?:[a-zA-Z_]+[=:])?([a-zA-Z_ ]+)\}|\\[\\\[\]]|[\[\]]")
_NAMES = {"letter": "L", "alpha": "L", "alphabetic": "L", "digit": "Nd", "number": "N"}
_NAMES |= {"uppercase_letter": "Lu", "lowercase_letter": "Ll", "decimal_number": "Nd"}
# POSIX and Java class names, which ``regex`` reads too (``\p{Alnum}``, ``\p{IsAlphabetic}``)
_NAMES |= {"isalphabetic": "L", "upper": "Lu", "lower": "Ll", "space": "Z", "punct": "P"}
_NAMES |= {"alnum": "Alnum", "xdigit": "XDigit", "graph": "Graph", "print": "Graph"}


def _readable(pattern: str) -> str:
    """``pattern`` with ``\\p{...}`` replaced by an ASCII part of it, for making examples.

    Example:
        >>> _readable(r"^\\p{Lu}[\\p{L}\\d]*$")
        '^[A-Z][a-zA-Z\\\\d]*$'
        >>> _readable(r"[\\p{Alnum}_]+")
        '[a-zA-Z0-9_]+'
    """
    depth = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal depth
        text = match.group(0)
        if text == "[":
            depth += 1
        elif text == "]":
            depth = max(depth - 1, 0)
        if match.group(1) is None:
            return text
        name = match.group(2).strip()
        name = _NAMES.get(name.lower(), name)
        chars = _PROPERTIES.get(name) or _PROPERTIES.get(name[:1])
        if chars is None:
            raise _Unsupported(name)
        return chars if depth else f"[{chars}]"

    return _PROPERTY.sub(replace, pattern)


class _Out(list[str]):
    """The characters emitted so far, refusing to grow past a limit."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.length = 0
        self.budget = 0  # characters still to add by stretching open repeats

    def append(self, text: str) -> None:
        self.length += len(text)
        if self.length > self.limit:
            raise TooLong(f"the pattern needs more than {self.limit} characters")
        super().append(text)


def _emit(items: Any, out: _Out, stretch: bool) -> None:
    """Append the shortest text ``items`` match to ``out``; with ``stretch``, open repeats
    go round again, first come first served, until ``out.budget`` characters are added."""
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
            done = 0
            while done < count or (stretch and done < high and out.budget > 0):
                before, budget = out.length, out.budget
                _emit(sub, out, stretch)
                if out.length == before:
                    break  # the part emits nothing: repeating it changes nothing
                if done >= count:  # a round past the shortest: what it added beyond its parts
                    out.budget -= (out.length - before) - (budget - out.budget)
                done += 1
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
