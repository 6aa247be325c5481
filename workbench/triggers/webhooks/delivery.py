"""What verifying a webhook request finds, and how a request is refused.

A scheme's ``verify`` returns a :class:`Verified` delivery or raises :class:`Refusal`,
which carries the HTTP status and a short error naming the problem (never a header's
value, never a secret). The helpers here are the parts every scheme shares: the signed
timestamp's tolerance, a required header, the body as data.

Example:
    >>> parse_body(b'{"order": 42}'), parse_body(b"plain text"), parse_body(b"")
    ({'order': 42}, 'plain text', None)
    >>> check_timestamp("1700000000", now=1700000100.0)
    1700000000.0
    >>> check_timestamp("1700000000", now=1700000301.0)
    Traceback (most recent call last):
    ...
    workbench.triggers.webhooks.delivery.Refusal: 400 StaleTimestamp: the signed timestamp \
is 301 s away from now; at most 300 s are accepted
"""

from __future__ import annotations

import json
import json.scanner
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_decoder = json.JSONDecoder()
_decode = _decoder.decode
# the C scanner: a whole JSON text in one call (typeshed wants another scanner as its context)
_scan = json.scanner.make_scanner(_decoder)  # type: ignore[arg-type]

TOLERANCE = 300.0
"""Seconds a signed timestamp may be away from now (Standard Webhooks, Slack and Stripe)."""


class Refusal(Exception):
    """A request answered with an error: ``status``, a short ``error`` name, a message.

    Example:
        >>> str(Refusal(401, "InvalidSignature", "no signature matches the body"))
        '401 InvalidSignature: no signature matches the body'
    """

    def __init__(
        self, status: int, error: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message
        self.headers = dict(headers or {})


@dataclass(slots=True)
class Verified:
    """A delivery whose signature (or token) checked out; read, never changed (not frozen:
    a frozen dataclass costs a webhook's hot path a microsecond to build).

    ``fingerprint`` marks this exact signed request for the replay guard, which forgets
    it at ``expires`` (Unix time); ``repeatable`` says an exact repeat under the same id
    is a sender's redelivery rather than a replay (GitHub signs no timestamp, and its
    redeliveries are byte for byte the first delivery). ``reply`` is an answer given at
    once with nothing stored (Slack's URL verification).

    Example:
        >>> Verified(id="evt-1", data={"a": 1}).type
        'webhook'
    """

    id: str
    data: Any
    type: str = "webhook"
    timestamp: float | None = None
    fingerprint: str | None = None
    expires: float = 0.0
    repeatable: bool = False
    reply: dict[str, Any] | None = field(default=None)


def parse_body(body: bytes) -> Any:
    """A JSON body parsed; any other body as text (undecodable bytes replaced); None if empty."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def parse_text(text: str) -> Any:
    """:func:`parse_body` for a body already decoded from UTF-8.

    Example:
        >>> parse_text('{"order": 42}'), parse_text("plain text"), parse_text("")
        ({'order': 42}, 'plain text', None)
        >>> parse_text(' [1] '), parse_text('{"order": 42} and more'), parse_text('\ufeff{"a": 1}')
        ([1], '{"order": 42} and more', {'a': 1})
    """
    if not text:
        return None
    if text[0] == "\ufeff":  # a BOM, as json.loads(bytes) skips it
        text = text[1:]
    try:
        value, end = _scan(text, 0)  # the usual body: one JSON value, nothing around it
        if end == len(text):
            return value
    except (StopIteration, ValueError):
        pass
    try:  # the decoder's way: white space around the value, or an error
        return _decode(text)
    except ValueError:
        return text


def required(headers: Mapping[str, str], name: str) -> str:
    """The value of header ``name`` (lower case), or a 400 naming the missing header.

    Example:
        >>> required({"x-github-delivery": "72d3162e"}, "x-github-delivery")
        '72d3162e'
    """
    value = headers.get(name, "").strip()
    if not value:
        raise Refusal(400, "MissingHeader", f"the {name} header is required")
    return value


def check_timestamp(text: str, *, now: float, name: str = "timestamp") -> float:
    """A signed Unix timestamp as a number, if it is within :data:`TOLERANCE` of ``now``."""
    try:
        stamp = float(text)
    except ValueError:
        stamp = math.nan
    if not math.isfinite(stamp):
        raise Refusal(400, "BadTimestamp", f"the {name} is not a Unix time in seconds")
    away = abs(now - stamp)
    if away > TOLERANCE:
        raise Refusal(
            400,
            "StaleTimestamp",
            f"the signed {name} is {away:.0f} s away from now; at most {TOLERANCE:.0f} s "
            "are accepted",
        )
    return stamp


def text_field(data: Any, name: str) -> str | None:
    """``data[name]`` when ``data`` is a JSON object and that member is non-empty text."""
    if isinstance(data, dict):
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return None
