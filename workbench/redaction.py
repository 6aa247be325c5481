"""Redaction: what is a secret, and masking every known secret in every form it travels in.

Every secret Workbench resolves (from the secret store, or from the environment into a
secret field) is registered here. :func:`redact` replaces each registered value with
``***`` as is and in each encoding a server or a formatter may send it back in:
percent-encoded (``quote`` and ``quote_plus``, upper or lower case hex, or only some
characters escaped, or escaped twice), JSON or Python string escapes (``\\n``,
``\\u00e9``), HTML escapes (``&amp;``, ``&#39;``), and base64 (standard or URL-safe, padded
or not, alone or inside a larger base64 text such as basic auth's ``user:secret``, where
the whole base64 run is masked). Error messages, logs, call history, job outputs and
served responses pass through it; :func:`install_log_redaction` (done when the first
secret is registered) makes every log record of every logger pass through it too.

Values shorter than 4 characters are not registered: they would mask ordinary words and
numbers. Base64 forms are masked for values of 6 bytes or more. Letters and digits of a
secret are expected as is (an encoder escapes reserved characters, not alphanumerics).

:func:`looks_secret` is the one rule for names (fields, headers, query parameters) that
hold a secret.

Example:
    >>> register_secret("s3cr3t/token")
    >>> redact("Authorization: Bearer s3cr3t/token")
    'Authorization: Bearer ***'
    >>> redact("https://api.example.com/?key=s3cr3t%2ftoken")
    'https://api.example.com/?key=***'
    >>> looks_secret("X-API-Key"), looks_secret("routing_key")
    (True, False)
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_LENGTH = 4  # shorter values would mask ordinary words and numbers
_MIN_BASE64 = 6  # bytes: a shorter value's base64 is too short to tell from text
_ANCHOR = 8  # characters of a form searched for first, before the full pattern
_BASE64_RUN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")
# Characters least frequent in ordinary text first: anchors start at the rarest one.
_RARITY = {c: i for i, c in enumerate("QZXJKVqzxjkWYBFGHPUvIOMNCLDRSTEAbpygfwmuc0123456789")}
_SUB_DELIMS = "/:@!$&'()*+,;="  # what a URL may carry as is
_AUTH_SCHEME = re.compile(r"(?i)^(basic|bearer|token|digest|apikey)\s+(\S+)$")

# ---------------------------------------------------------------- what is a secret

_SECRET_WORDS = (
    "token",
    "passw",
    "passphrase",
    "secret",
    "signature",
    "credential",
    "authorization",
    "cookie",
    "assertion",
    "apikey",
)
_SECRET_ENDINGS = ("key", "pwd", "pass", "sig")
_PLAIN_KEYS: tuple[str, ...] = ("routingkey", "sortkey", "partitionkey", "primarykey")
_PLAIN_KEYS += ("foreignkey", "objectkey", "idempotencykey", "cachekey", "hashkey", "rangekey")
_PLAIN_KEYS += ("messagekey", "publickey", "sourcekey", "targetkey", "monkey")
# Names that describe a secret rather than hold one: where it is, what it is called.
_PLAIN_ENDINGS: tuple[str, ...] = (
    "url",
    "uri",
    "endpoint",
    "header",
    "name",
    "type",
    "kind",
    "location",
)
_PLAIN_ENDINGS += ("file", "path", "field", "id", "prefix", "format", "length", "expiry")
_PLAIN_ENDINGS += ("expires", "expiresin", "ttl", "env", "hint", "scope", "scopes", "style")
_SEPARATORS = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=4096)
def looks_secret(name: str) -> bool:
    """Whether a field, header or query parameter called ``name`` holds a secret.

    Compared without case and separators (``X-API-Key`` -> ``xapikey``): a name holding
    a secret word (token, password, secret, signature, credential, authorization, cookie,
    api key...) or ending like one (``..._key``, ``..._pwd``, ``..._pass``, ``sig``); not
    one that only says where or what a secret is (``token_url``, ``api_key_header``) nor a
    key that names data (``key``, ``routing_key``, ``primary_key``).

    Example:
        >>> names = ["password", "db_pass", "access_token", "X-API-Key", "Set-Cookie", "sig"]
        >>> [looks_secret(n) for n in names]
        [True, True, True, True, True, True]
        >>> [looks_secret(n) for n in ["key", "token_url", "api_key_header", "page", "auth"]]
        [False, False, False, False, False]
    """
    compact = _SEPARATORS.sub("", name.lower())
    if not compact or compact == "key" or compact.endswith(_PLAIN_ENDINGS + _PLAIN_KEYS):
        return False
    return any(word in compact for word in _SECRET_WORDS) or compact.endswith(_SECRET_ENDINGS)


# ---------------------------------------------------------------- the forms of a secret


def _hex(value: int, width: int) -> str:
    """``value`` in hex as a pattern taking upper and lower case letters."""
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in f"{value:0{width}x}")


_LEADS = {  # an escape's first character, itself escaped once more (double encoding)
    "%": ["%25", r"\\x25", r"\\u0025", "&#37;", "&#[xX]25;"],
    "\\": [r"\\\\", "%5[cC]", r"\\x5[cC]", r"\\u005[cC]", "&#92;", "&#[xX]5[cC];"],
    "&": ["&amp;", "%26", r"\\u0026", "&#38;", "&#[xX]26;"],
}
_SHORT = {"\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f", "\v": "v", "\a": "a", "\0": "0"}
_HTML = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}


def _lead(char: str) -> str:
    return "(?:" + "|".join([re.escape(char), *_LEADS[char]]) + ")"


def _char_pattern(char: str) -> str:
    """A pattern for one character of a secret: as is, or in any escape of it."""
    if char.isascii() and char.isalnum():
        return f"(?:{char}|{_lead('%')}{_hex(ord(char), 2)})"
    pct, back, amp = _lead("%"), _lead("\\"), _lead("&")
    code = ord(char)
    options = [re.escape(char)]
    options.append("".join(pct + _hex(b, 2) for b in char.encode("utf-8")))
    if char == " ":
        options.append(r"\+")
    if char in _SHORT:
        options.append(back + _SHORT[char])
    if char in "\"'\\/":
        options.append(back + re.escape(char))
    if code < 0x100:
        options.append(back + "x" + _hex(code, 2))
    if code < 0x10000:
        options.append(back + "u" + _hex(code, 4))
    else:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        options.append(back + "u" + _hex(high, 4) + back + "u" + _hex(low, 4))
        options.append(back + "U" + _hex(code, 8))
    if char in _HTML:
        options.append(amp + _HTML[char] + ";")
    options.append(amp + f"#0*{code};")
    options.append(amp + "#[xX]0*" + _hex(code, 1) + ";")
    return "(?:" + "|".join(options) + ")"


def _max_escaped(char: str) -> int:
    """How long one escaped form of ``char`` can be (for the window around an anchor)."""
    return 1 if char.isascii() and char.isalnum() else 12 * len(char.encode("utf-8"))


@dataclass(frozen=True)
class _Form:
    """One form of a secret: its anchor, where the anchor sits, and how it is masked."""

    text: str
    anchor: str  # text every spelling it stands for starts with or keeps as is
    before: int  # the most characters the escaped text before the anchor can take
    after: int
    base64: bool  # a match is widened to the whole base64 run around it

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.text)


@lru_cache(maxsize=4096)
def _compiled(text: str) -> re.Pattern[str]:
    return re.compile("".join(_char_pattern(c) for c in text))


def _forms_of(text: str, *, base64_run: bool = False) -> list[_Form]:
    """The forms searched for ``text``: one anchored on its rarest run of letters and
    digits, or (with no such run) one per common spelling, anchored on its start."""
    best: tuple[int, int, str] | None = None
    for run in re.finditer(r"[A-Za-z0-9]{3,}", text):
        word, size = run.group(), min(_ANCHOR, len(run.group()))
        for i in range(len(word) - size + 1):
            rank = _RARITY.get(word[i], len(_RARITY))
            if best is None or (-size, rank) < (-len(best[2]), best[0]):
                best = (rank, run.start() + i, word[i : i + size])
    if best is not None:
        _, at, anchor = best
        before = sum(_max_escaped(c) for c in text[:at])
        after = sum(_max_escaped(c) for c in text[at + len(anchor) :])
        return [_Form(text, anchor, before, after, base64_run)]
    longest = sum(_max_escaped(c) for c in text)
    return [_Form(text, s[:_ANCHOR], 0, longest, base64_run) for s in _spellings(text)]


def _spellings(text: str) -> list[str]:
    """``text`` as the usual encoders write it: URL, JSON, HTML and Python escapes."""
    urls = [quote(text, safe=""), quote(text), quote_plus(text), quote(text, safe=_SUB_DELIMS)]
    urls += [re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), u) for u in urls]
    found = [text, *urls, quote(quote(text, safe=""), safe="")]
    found += [json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]]
    found += [html.escape(text), html.escape(text, quote=False), repr(text)[1:-1]]
    return [s for s in dict.fromkeys(found) if s]


def _base64_forms(value: str) -> list[str]:
    """The base64 text of ``value`` that stays the same whatever bytes surround it.

    In a larger base64 text (basic auth's ``user:secret``) the value starts at one of
    three offsets within a 3-byte group; each offset gives one fixed inner run, in the
    standard and the URL-safe alphabet.
    """
    data = value.encode("utf-8")
    if len(data) < _MIN_BASE64:
        return []
    found = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0").decode()
        start, end = -(-8 * offset // 6), 8 * (offset + len(data)) // 6
        inner = encoded[start:end]
        found += [inner, inner.replace("+", "-").replace("/", "_")]
    return list(dict.fromkeys(found))


def _forms(value: str) -> list[_Form]:
    found = _forms_of(value)
    for text in _base64_forms(value):
        found += _forms_of(text, base64_run=True)
    return found


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class _Index:
    """Everything :func:`redact` needs, rebuilt whole when a secret is registered."""

    search: re.Pattern[str] | None  # finds any anchor
    by_anchor: dict[str, tuple[_Form, ...]]
    lengths: tuple[int, ...]  # the anchor lengths, longest first


_lock = threading.Lock()
_secrets: dict[str, None] = {}
_ordered: tuple[str, ...] = ()
_all_forms: list[_Form] = []
_index: _Index | None = None


def register_secret(value: str) -> None:
    """Remember ``value`` so that :func:`redact` masks it, in every form, from now on.

    An ``Authorization`` value (``Basic dXNlcjpwdw==``, ``Bearer tok``) registers its
    credential too, and for basic auth the decoded ``user:password`` pair and password.
    """
    global _ordered, _index
    if not isinstance(value, str) or len(value) < _MIN_LENGTH or value in _secrets:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets[value] = None
        _all_forms.extend(_forms(value))
        # Longest first, so a secret containing another one is masked whole.
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))
        _index = None
    install_log_redaction()
    for part in _credential_parts(value):
        register_secret(part)


def _credential_parts(value: str) -> list[str]:
    match = _AUTH_SCHEME.match(value.strip())
    if match is None:
        return []
    scheme, credential = match.group(1).lower(), match.group(2)
    parts = [credential]
    if scheme == "basic":
        try:
            pair = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return parts
        parts += [pair, pair.partition(":")[2]]
    return parts


def known_secrets() -> tuple[str, ...]:
    """The registered secret values, longest first."""
    return _ordered


def _build() -> _Index:
    global _index
    with _lock:
        if _index is not None:
            return _index
        by_anchor: dict[str, list[_Form]] = {}
        for form in _all_forms:
            by_anchor.setdefault(form.anchor, []).append(form)
        search = re.compile(_trie(list(by_anchor))) if by_anchor else None
        lengths = tuple(sorted({len(a) for a in by_anchor}, reverse=True))
        frozen = {a: tuple(f) for a, f in by_anchor.items()}
        _index = _Index(search, frozen, lengths)
        return _index


def _trie(words: list[str]) -> str:
    """One pattern matching any of ``words``, as a trie: each position is tried once."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(c) + pattern(sub) for c, sub in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return pattern(root)


# ---------------------------------------------------------------- masking


def redact(text: str) -> str:
    """Return ``text`` with every registered secret, in any form, replaced by ``***``.

    Example:
        >>> register_secret("pa ss/w0rd")
        >>> redact('{"password": "pa ss\\\\/w0rd"} and pa+ss%2Fw0rd')
        '{"password": "***"} and ***'
    """
    if not _ordered or not text:
        return text
    index = _index or _build()
    spans = _spans(text, index)
    if not spans:
        return text
    out, done = [], 0
    for start, end in _merged(spans):
        out += [text[done:start], MASK]
        done = end
    out.append(text[done:])
    return "".join(out)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one (a secret inside a longer one is masked once)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _spans(text: str, index: _Index) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if index.search is None:
        return spans
    at = 0
    searched: set[tuple[str, int, int]] = set()
    while (hit := index.search.search(text, at)) is not None:
        start = hit.start()
        for size in index.lengths:
            for form in index.by_anchor.get(text[start : start + size], ()):
                lo, hi = max(0, start - form.before), start + size + form.after
                if (form.text, lo, hi) in searched:
                    continue
                searched.add((form.text, lo, hi))
                found = form.pattern.finditer(text, lo, hi)
                spans += [_widen(text, m.span(), form) for m in found]
        at = start + 1
    return spans


def _widen(text: str, span: tuple[int, int], form: _Form) -> tuple[int, int]:
    """A base64 match grows to the whole base64 run (and padding) it is part of."""
    start, end = span
    if form.base64:
        while start > 0 and text[start - 1] in _BASE64_RUN:
            start -= 1
        while end < len(text) and (text[end] in _BASE64_RUN or text[end] == "="):
            end += 1
    return start, end


def redact_value(value: Any) -> Any:
    """Redact strings inside nested lists, tuples and dicts; other values pass through.

    Example:
        >>> register_secret("nested-s3cret")
        >>> redact_value({"a": ["nested-s3cret", 1]})
        {'a': ['***', 1]}
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


# ---------------------------------------------------------------- log records


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask registered secrets in a record's message, arguments, exception and stack text."""
    if not _ordered:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a record whose arguments do not fit: its handler reports it
        return record
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in each record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed = False


def install_log_redaction() -> None:
    """Make every log record of every logger (``httpx``, ``urllib3``...) pass :func:`redact`.

    A log record factory wraps the one in place, once: a record is masked when it is
    created, before any handler, filter or formatter sees it.
    """
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)


def get_logger(name: str) -> logging.Logger:
    """A logger whose records have registered secrets masked before any handler sees them."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
