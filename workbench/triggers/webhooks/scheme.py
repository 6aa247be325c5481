"""The interface every verification scheme keeps: checked secrets in, verified deliveries out.

A scheme is built from the connection's secrets (several are accepted at once, so a key
can be rotated without downtime) and verifies one request at a time: the raw body, its
headers (lower-case names) and the current Unix time. Signatures are compared in constant
time with :func:`hmac.compare_digest`.

Example:
    >>> from workbench.triggers.webhooks.github import GithubSignature
    >>> GithubSignature.secret_problem("")
    'expected a non-empty secret'
    >>> GithubSignature(["a-github-secret"]).name
    'github'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import ClassVar

from workbench.triggers.webhooks.delivery import Verified


class Scheme:
    """How one family of senders signs its webhooks; subclasses implement :meth:`verify`."""

    name: ClassVar[str] = ""
    needs_secret: ClassVar[bool] = True
    credential_headers: ClassVar[tuple[str, ...]] = ()
    """Headers carrying signatures or tokens: never kept in the stored event."""

    def __init__(self, secrets: Sequence[str]) -> None:
        self.keys = [secret.encode("utf-8") for secret in secrets]

    @classmethod
    def secret_problem(cls, secret: str) -> str | None:
        """What is wrong with ``secret`` for this scheme (None: nothing)."""
        return None if secret else "expected a non-empty secret"

    def verify(self, body: bytes, headers: Mapping[str, str], now: float) -> Verified:
        """The delivery, if ``body`` and ``headers`` are signed by a configured secret.

        Raises :class:`~workbench.triggers.webhooks.delivery.Refusal` otherwise.
        """
        raise NotImplementedError

    def signed_by_a_key(self, message: bytes, given: Sequence[bytes], prefix: bytes = b"") -> str:
        """The hex HMAC-SHA256 of ``message`` (after ``prefix``) that one of the ``given``
        signatures matches under one of the keys, or ``""`` when none does.

        Example:
            >>> scheme = Scheme(["k3y"])
            >>> good = hmac.new(b"k3y", b"body", hashlib.sha256).hexdigest()
            >>> scheme.signed_by_a_key(b"body", [b"nope", good.encode()]) == good
            True
        """
        found = ""
        for key in self.keys:
            expected = hmac.new(key, message, hashlib.sha256).hexdigest()
            wanted = prefix + expected.encode("ascii")
            for signature in given:
                if hmac.compare_digest(wanted, signature):
                    found = expected
        return found
