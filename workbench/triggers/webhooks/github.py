"""GitHub's webhook signature: ``X-Hub-Signature-256: sha256=<hex HMAC of the body>``.

The id is the ``X-GitHub-Delivery`` GUID, the type the ``X-GitHub-Event`` name. GitHub
signs no timestamp, and a delivery redelivered from its settings page is the first one
again byte for byte (same GUID, same signature): such a repeat is acknowledged and dropped
by the inbox. The same signed body under *another* GUID is a replay and is refused while
the replay guard remembers it (the tolerance window); past that, the scheme cannot tell.

Example:
    >>> import hashlib, hmac, time
    >>> body = b'{"action": "opened"}'
    >>> signature = "sha256=" + hmac.new(b"gh-secret", body, hashlib.sha256).hexdigest()
    >>> headers = {"x-hub-signature-256": signature, "x-github-delivery": "72d3162e",
    ...            "x-github-event": "issues"}
    >>> delivery = GithubSignature(["gh-secret"]).verify(body, headers, time.time())
    >>> delivery.id, delivery.type, delivery.data
    ('72d3162e', 'issues', {'action': 'opened'})
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.triggers.webhooks.delivery import TOLERANCE, Refusal, Verified, parse_body, required
from workbench.triggers.webhooks.scheme import Scheme

_PREFIX = "sha256="


class GithubSignature(Scheme):
    """``X-Hub-Signature-256`` over the body; id ``X-GitHub-Delivery``."""

    name = "github"
    credential_headers = ("x-hub-signature-256", "x-hub-signature")

    def verify(self, body: bytes, headers: Mapping[str, str], now: float) -> Verified:
        given = required(headers, "x-hub-signature-256")
        delivery = required(headers, "x-github-delivery")
        if not given.startswith(_PREFIX):
            raise Refusal(
                400, "MalformedSignature", "the x-hub-signature-256 header must be sha256=<hex>"
            )
        matched = self.signed_by_a_key(
            body, [given.lower().encode("latin-1", "replace")], b"sha256="
        )
        if not matched:
            raise Refusal(
                401, "InvalidSignature", "the signature does not match the body for any secret"
            )
        return Verified(
            id=delivery,
            data=parse_body(body),
            type=headers.get("x-github-event") or "webhook",
            fingerprint=matched,
            expires=now + TOLERANCE,
            repeatable=True,
        )
