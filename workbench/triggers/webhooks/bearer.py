"""A shared bearer token: ``Authorization: Bearer <token>``, compared in constant time.

Nothing is signed, so there is no replay to detect: the id is the sender's
``Idempotency-Key`` (or ``X-Request-Id``) header, else the SHA-256 of the body, and a
repeat is acknowledged and dropped by the inbox. The token never reaches the stored event.

Example:
    >>> scheme = BearerToken(["a-token-of-sixteen+"])
    >>> delivery = scheme.verify(b'{"type": "order.paid"}',
    ...     {"authorization": "Bearer a-token-of-sixteen+", "idempotency-key": "k-1"}, 0.0)
    >>> delivery.id, delivery.type
    ('k-1', 'order.paid')
    >>> BearerToken.secret_problem("short")
    'expected a token of at least 16 characters'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from workbench.triggers.webhooks.delivery import Refusal, Verified, parse_body, text_field
from workbench.triggers.webhooks.scheme import Scheme

MIN_TOKEN = 16  # characters
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class BearerToken(Scheme):
    """``Authorization: Bearer`` with one of the configured tokens."""

    name = "bearer"
    credential_headers = ("authorization",)

    @classmethod
    def secret_problem(cls, secret: str) -> str | None:
        if len(secret) < MIN_TOKEN or secret != secret.strip():
            return f"expected a token of at least {MIN_TOKEN} characters"
        return None

    def verify(self, body: bytes, headers: Mapping[str, str], now: float) -> Verified:
        given = headers.get("authorization", "")
        if not given:
            raise Refusal(401, "MissingToken", "a bearer token is required", _CHALLENGE)
        kind, _, token = given.partition(" ")
        offered = token.strip().encode("latin-1", "replace")
        matches = [hmac.compare_digest(offered, key) for key in self.keys]
        if kind.lower() != "bearer" or not any(matches):
            raise Refusal(401, "InvalidToken", "the bearer token is wrong", _CHALLENGE)
        data = parse_body(body)
        key = headers.get("idempotency-key") or headers.get("x-request-id")
        return Verified(
            id=key or hashlib.sha256(body).hexdigest(),
            data=data,
            type=text_field(data, "type") or "webhook",
        )
