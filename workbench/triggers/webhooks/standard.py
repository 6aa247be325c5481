"""Standard Webhooks (standardwebhooks.com), verified by its reference package.

``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64>``, several
separated by spaces while a sender rotates its key) sign ``id.timestamp.body`` with
HMAC-SHA256 under a ``whsec_<base64>`` secret; the timestamp must be within five minutes.
Several configured secrets are tried in turn. The package raises plain exceptions on
malformed input (``ValueError`` for a signature without its comma, ``UnicodeDecodeError``
for a body that is not UTF-8): each becomes a 400 naming the problem. The type is the
payload's ``type`` (``invoice.paid``), as the specification's payload structure has it.

Example:
    >>> import time
    >>> from datetime import UTC, datetime
    >>> from standardwebhooks import Webhook
    >>> secret, body, now = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", '{"type": "a.b"}', time.time()
    >>> stamp = datetime.fromtimestamp(int(now), UTC)
    >>> headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now)),
    ...            "webhook-signature": Webhook(secret).sign("msg_1", stamp, body)}
    >>> delivery = StandardWebhooks([secret]).verify(body.encode(), headers, now)
    >>> delivery.id, delivery.type, delivery.data
    ('msg_1', 'a.b', {'type': 'a.b'})
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

from workbench.triggers.webhooks.delivery import (
    TOLERANCE,
    Refusal,
    Verified,
    check_timestamp,
    parse_text,
    required,
    text_field,
)
from workbench.triggers.webhooks.scheme import Scheme


class StandardWebhooks(Scheme):
    """``webhook-signature`` over ``id.timestamp.body``; id ``webhook-id``."""

    name = "standard"
    credential_headers = ("webhook-signature",)

    def __init__(self, secrets: Sequence[str]) -> None:
        from standardwebhooks import Webhook
        from standardwebhooks.webhooks import WebhookVerificationError

        super().__init__(secrets)
        self._webhooks = [Webhook(secret) for secret in secrets]
        self._mismatch = WebhookVerificationError

    @classmethod
    def secret_problem(cls, secret: str) -> str | None:
        from standardwebhooks import Webhook

        key = secret.removeprefix("whsec_")
        try:
            # The package skips characters that are not base64; a mistyped secret is refused here.
            base64.b64decode(key + "=" * (-len(key) % 4), validate=True)
            Webhook(secret)
        except Exception:  # binascii.Error, the package's own errors
            return "expected a Standard Webhooks secret: whsec_ followed by base64"
        return None

    def verify(self, body: bytes, headers: Mapping[str, str], now: float) -> Verified:
        msg_id = required(headers, "webhook-id")
        stamp_text = required(headers, "webhook-timestamp")
        signed = {
            "webhook-id": msg_id,
            "webhook-timestamp": stamp_text,
            "webhook-signature": required(headers, "webhook-signature"),
        }
        stamp = check_timestamp(stamp_text, now=now, name="webhook-timestamp")
        try:
            text = body.decode()  # decoded once: the package and the JSON parser share it
        except UnicodeDecodeError:
            raise Refusal(
                400, "BodyNotText", "Standard Webhooks sign UTF-8 text and the body is not"
            ) from None
        for webhook in self._webhooks:
            try:
                webhook.verify(text, signed, json_parse=False)
            except self._mismatch:
                continue
            except ValueError:  # binascii.Error too: a signature that is not v1,<base64>
                raise Refusal(
                    400,
                    "MalformedSignature",
                    "the webhook-signature header must be v1,<base64> signatures separated "
                    "by spaces",
                ) from None
            break
        else:
            raise Refusal(401, "InvalidSignature", "no signature matches the body for any secret")
        data = parse_text(text)
        return Verified(
            id=msg_id,
            data=data,
            type=text_field(data, "type") or "webhook",
            timestamp=stamp,
            fingerprint=f"{msg_id}\n{stamp_text}",
            expires=stamp + TOLERANCE,
        )
