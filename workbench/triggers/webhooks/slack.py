"""Slack's signing secret, version 0: ``v0=<hex HMAC of "v0:timestamp:body">``.

``X-Slack-Request-Timestamp`` must be within five minutes of now. A ``url_verification``
request (sent when the Events API URL is set up) is answered with its ``challenge`` and
stores nothing. The id is the payload's ``event_id`` (the same over Slack's retries);
payloads without one (slash commands, interactions) get an id derived from the body and
the timestamp. The type is the inner event's (``message``, ``app_mention``) where there is
one, else the payload's.

Example:
    >>> import hashlib, hmac, time
    >>> stamp, body = str(int(time.time())), b'{"type": "url_verification", "challenge": "c4"}'
    >>> mac = hmac.new(b"slack-secret", b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    >>> headers = {"x-slack-request-timestamp": stamp, "x-slack-signature": "v0=" + mac.hexdigest()}
    >>> SlackSignature(["slack-secret"]).verify(body, headers, time.time()).reply
    {'challenge': 'c4'}
"""

from __future__ import annotations

import hashlib
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


class SlackSignature(Scheme):
    """``X-Slack-Signature`` over ``v0:timestamp:body``; id the payload's ``event_id``."""

    name = "slack"
    credential_headers = ("x-slack-signature",)

    def verify(self, body: bytes, headers: Mapping[str, str], now: float) -> Verified:
        stamp_text = required(headers, "x-slack-request-timestamp")
        given = required(headers, "x-slack-signature")
        stamp = check_timestamp(stamp_text, now=now, name="x-slack-request-timestamp")
        if not given.startswith("v0="):
            raise Refusal(
                400, "MalformedSignature", "the x-slack-signature header must be v0=<hex>"
            )
        message = b"v0:" + stamp_text.encode("latin-1", "replace") + b":" + body
        matched = self.signed_by_a_key(message, [given.encode("latin-1", "replace")], b"v0=")
        if not matched:
            raise Refusal(
                401, "InvalidSignature", "the signature does not match the body for any secret"
            )
        data = parse_body(body)
        reply = None
        if text_field(data, "type") == "url_verification":
            reply = {"challenge": text_field(data, "challenge") or ""}
        derived = hashlib.sha256(stamp_text.encode("latin-1", "replace") + b":" + body).hexdigest()
        return Verified(
            id=text_field(data, "event_id") or derived,
            data=data,
            type=_event_type(data),
            timestamp=stamp,
            fingerprint=f"{stamp_text}\n{matched}",
            expires=stamp + TOLERANCE,
            reply=reply,
        )


def _event_type(data: object) -> str:
    if isinstance(data, dict):
        inner = text_field(data.get("event"), "type")
        return inner or text_field(data, "type") or "webhook"
    return "webhook"
