"""Redaction of known secret values.

Every secret Workbench resolves (from the secret store, or from the environment into a
secret field) is registered here. :func:`redact` replaces each registered value in a
text with ``***``; error messages, logs, call history and job outputs pass through it.

Example:
    >>> from workbench.redaction import register_secret, redact
    >>> register_secret("s3cr3t-token")
    >>> redact("Authorization: Bearer s3cr3t-token")
    'Authorization: Bearer ***'
"""

from __future__ import annotations

import logging
import threading
from typing import Any

MASK = "***"
_MIN_LENGTH = 4  # shorter values would mask ordinary words and numbers

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()


def register_secret(value: str) -> None:
    """Remember ``value`` so that :func:`redact` masks it from now on."""
    global _ordered
    if len(value) < _MIN_LENGTH or value in _secrets:
        return
    with _lock:
        _secrets.add(value)
        # Longest first, so a secret containing another one is masked whole.
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def known_secrets() -> tuple[str, ...]:
    """The registered secret values, longest first."""
    return _ordered


def redact(text: str) -> str:
    """Return ``text`` with every registered secret value replaced by ``***``."""
    for value in _ordered:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_value(value: Any) -> Any:
    """Redact strings inside nested lists, tuples and dicts; other values pass through."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in each record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _ordered:
            record.msg = redact(record.getMessage())
            record.args = None
        return True


def get_logger(name: str) -> logging.Logger:
    """A logger whose records have registered secrets masked before any handler sees them."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
