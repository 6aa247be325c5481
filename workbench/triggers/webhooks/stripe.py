"""Stripe's webhook signature: ``Stripe-Signature: t=<time>,v1=<hex>[,v1=<hex>...]``.

Each ``v1`` is the hex HMAC-SHA256 of ``"<t>.<body>"`` under the endpoint's signing secret
(``whsec_...``, used as it is); while Stripe rolls a secret it signs with both, hence the
several ``v1``. ``t`` must be within five minutes of now. The id and type are the event
JSON's ``id`` and ``type``.

Example:
    >>> import hashlib, hmac, time
    >>> t, body = str(int(time.time())), b'{"id": "evt_1", "type": "charge.succeeded"}'
    >>> v1 = hmac.new(b"whsec_test", t.encode() + b"." + body, hashlib.sha256).hexdigest()
    >>> delivery = StripeSignature(["whsec_test"]).verify(
    ...     body, {"stripe-signature": f"t={t},v1={v1}"}, time.time())
    >>> delivery.id, delivery.type
    ('evt_1', 'charge.succeeded')
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.triggers.webhooks.delivery import (
    TOLERANCE,
    Refusal,
    Verified,
    check_timestamp,
    parse_body,
    required,
    text_field,
)
from workbench.triggers.webhooks.scheme import Scheme


class StripeSignature(Scheme):
    """``Stripe-Signature`` over ``t.body``; id and type from the event JSON."""

    name = "stripe"
    credential_headers = ("stripe-signature",)

    def verify(self, body: bytes, headers: Mapping[str, str], now: float) -> Verified:
        stamp_text, signatures = _parts(required(headers, "stripe-signature"))
        stamp = check_timestamp(stamp_text, now=now, name="timestamp t")
        matched = self.signed_by_a_key(
            stamp_text.encode("latin-1", "replace") + b"." + body, signatures
        )
        if not matched:
            raise Refusal(
                401, "InvalidSignature", "no v1 signature matches the body for any secret"
            )
        data = parse_body(body)
        event_id = text_field(data, "id")
        if event_id is None:
            raise Refusal(400, "NotAnEvent", "a Stripe event is a JSON object with an id")
        return Verified(
            id=event_id,
            data=data,
            type=text_field(data, "type") or "webhook",
            timestamp=stamp,
            fingerprint=f"{stamp_text}\n{matched}",
            expires=stamp + TOLERANCE,
        )


def _parts(header: str) -> tuple[str, list[bytes]]:
    stamp = ""
    signatures: list[bytes] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and not stamp:
            stamp = value
        elif key == "v1" and value:
            signatures.append(value.lower().encode("latin-1", "replace"))
    if not stamp or not signatures:
        raise Refusal(
            400, "MalformedSignature", "the stripe-signature header must be t=<time>,v1=<hex>"
        )
    return stamp, signatures
