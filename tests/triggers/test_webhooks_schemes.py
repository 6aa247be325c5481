"""Each verification scheme on its own: valid deliveries, each kind of invalid one, rotation.

Signatures are made here as each sender documents them (Standard Webhooks through its
reference package), never by the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks import Webhook as Signer

from workbench.triggers.webhooks import (
    CREDENTIAL_HEADERS,
    TOLERANCE,
    Refusal,
    ReplayGuard,
    Verified,
    build_scheme,
)

STANDARD_OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
STANDARD_NEW = "whsec_" + "c2Vjb25kLWtleS1mb3Itcm90YXRpb24tdGVzdHM="
BODY = b'{"type": "order.paid", "data": {"order": 42}}'


def refused(status: int, error: str, verify: Any, *args: Any) -> Refusal:
    with pytest.raises(Refusal) as info:
        verify(*args)
    assert (info.value.status, info.value.error) == (status, error), str(info.value)
    return info.value


# ------------------------------------------------------------------ Standard Webhooks


def standard(
    secret: str, body: bytes = BODY, msg_id: str = "msg_1", at: float | None = None
) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    signature = Signer(secret).sign(msg_id, datetime.fromtimestamp(stamp, UTC), body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": signature}


def test_standard_accepts_a_signed_delivery() -> None:
    now = time.time()
    delivery = build_scheme("standard", [STANDARD_OLD]).verify(BODY, standard(STANDARD_OLD), now)
    assert delivery.id == "msg_1"
    assert delivery.type == "order.paid"
    assert delivery.data == {"type": "order.paid", "data": {"order": 42}}
    assert delivery.timestamp == int(now)
    assert delivery.fingerprint == f"msg_1\n{int(now)}"
    assert not delivery.repeatable


def test_standard_rotation_several_secrets_and_several_signatures() -> None:
    now = time.time()
    rotating = build_scheme("standard", [STANDARD_OLD, STANDARD_NEW])
    assert rotating.verify(BODY, standard(STANDARD_NEW), now).id == "msg_1"
    assert rotating.verify(BODY, standard(STANDARD_OLD), now).id == "msg_1"
    both = standard(STANDARD_NEW)
    both["webhook-signature"] += " " + standard(STANDARD_OLD)["webhook-signature"]
    assert build_scheme("standard", [STANDARD_OLD]).verify(BODY, both, now).id == "msg_1"
    refused(401, "InvalidSignature", build_scheme("standard", [STANDARD_OLD]).verify, BODY,
            standard(STANDARD_NEW), now)  # fmt: skip


def test_standard_refuses_each_kind_of_bad_request() -> None:
    scheme = build_scheme("standard", [STANDARD_OLD])
    now = time.time()
    good = standard(STANDARD_OLD)
    refused(401, "InvalidSignature", scheme.verify, BODY.replace(b"42", b"43"), good, now)
    other_id = {**good, "webhook-id": "msg_2"}
    refused(401, "InvalidSignature", scheme.verify, BODY, other_id, now)
    stale = standard(STANDARD_OLD, at=now - TOLERANCE - 1)
    refused(400, "StaleTimestamp", scheme.verify, BODY, stale, now)
    future = standard(STANDARD_OLD, at=now + TOLERANCE + 5)
    refused(400, "StaleTimestamp", scheme.verify, BODY, future, now)
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        missing = {k: v for k, v in good.items() if k != name}
        assert name in refused(400, "MissingHeader", scheme.verify, BODY, missing, now).message
    for stamp in ("soon", "nan", "inf", "1e400"):
        bad = {**good, "webhook-timestamp": stamp}
        refused(400, "BadTimestamp", scheme.verify, BODY, bad, now)


@pytest.mark.parametrize(
    "signature",
    ["v1" + "A" * 44, "v1,abc,def", "v1,@@@not-base64@@@", "v1,a  v1,b", "v1,Zm9v,extra"],
)
def test_standard_turns_the_packages_plain_exceptions_into_400(signature: str) -> None:
    scheme = build_scheme("standard", [STANDARD_OLD])
    headers = {**standard(STANDARD_OLD), "webhook-signature": signature}
    refusal = refused(400, "MalformedSignature", scheme.verify, BODY, headers, time.time())
    assert "v1,<base64>" in refusal.message


def test_standard_refuses_a_body_that_is_not_utf8() -> None:
    scheme = build_scheme("standard", [STANDARD_OLD])
    headers = standard(STANDARD_OLD)
    refused(400, "BodyNotText", scheme.verify, b"\xff\xfe\x00", headers, time.time())


def test_standard_keeps_a_body_that_is_not_json_as_text() -> None:
    scheme = build_scheme("standard", [STANDARD_OLD])
    delivery = scheme.verify(b"plain", standard(STANDARD_OLD, b"plain"), time.time())
    assert (delivery.data, delivery.type) == ("plain", "webhook")


def test_standard_reads_json_after_a_byte_order_mark_and_keeps_an_empty_body_as_none() -> None:
    scheme = build_scheme("standard", [STANDARD_OLD])
    body = b'\xef\xbb\xbf{"type": "order.paid", "n": 1}'
    delivery = scheme.verify(body, standard(STANDARD_OLD, body), time.time())
    assert (delivery.data, delivery.type) == ({"type": "order.paid", "n": 1}, "order.paid")
    empty = scheme.verify(b"", standard(STANDARD_OLD, b""), time.time())
    assert (empty.data, empty.type) == (None, "webhook")


# ------------------------------------------------------------------ Slack


def slack(secret: str, body: bytes, at: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return {"x-slack-request-timestamp": stamp, "x-slack-signature": "v0=" + digest.hexdigest()}


SLACK_EVENT = json.dumps(
    {"type": "event_callback", "event_id": "Ev01", "event": {"type": "app_mention", "text": "hi"}}
).encode()


def test_slack_accepts_a_signed_event_with_its_event_id() -> None:
    scheme = build_scheme("slack", ["old-slack-secret", "new-slack-secret"])
    for secret in ("old-slack-secret", "new-slack-secret"):
        delivery = scheme.verify(SLACK_EVENT, slack(secret, SLACK_EVENT), time.time())
        assert (delivery.id, delivery.type, delivery.reply) == ("Ev01", "app_mention", None)


def test_slack_derives_an_id_from_body_and_timestamp_without_event_id() -> None:
    scheme = build_scheme("slack", ["slack-secret"])
    body = b"command=%2Fdeploy&text=now"
    now = time.time()
    first = scheme.verify(body, slack("slack-secret", body, now), now)
    again = scheme.verify(body, slack("slack-secret", body, now), now)
    later = scheme.verify(body, slack("slack-secret", body, now + 1), now)
    assert first.id == again.id != later.id
    assert first.data == "command=%2Fdeploy&text=now"


def test_slack_answers_url_verification_with_its_challenge() -> None:
    body = b'{"type": "url_verification", "challenge": "3eZbrw1aB", "token": "x"}'
    delivery = build_scheme("slack", ["slack-secret"]).verify(
        body, slack("slack-secret", body), time.time()
    )
    assert delivery.reply == {"challenge": "3eZbrw1aB"}


def test_slack_refuses_each_kind_of_bad_request() -> None:
    scheme = build_scheme("slack", ["slack-secret"])
    now = time.time()
    good = slack("slack-secret", SLACK_EVENT)
    refused(401, "InvalidSignature", scheme.verify, SLACK_EVENT + b" ", good, now)
    refused(401, "InvalidSignature", scheme.verify, SLACK_EVENT, slack("other", SLACK_EVENT), now)
    stale = slack("slack-secret", SLACK_EVENT, at=now - 301)
    refused(400, "StaleTimestamp", scheme.verify, SLACK_EVENT, stale, now)
    bad_form = {**good, "x-slack-signature": "sha256=" + "0" * 64}
    refused(400, "MalformedSignature", scheme.verify, SLACK_EVENT, bad_form, now)
    for name in good:
        missing = {k: v for k, v in good.items() if k != name}
        refused(400, "MissingHeader", scheme.verify, SLACK_EVENT, missing, now)
    non_ascii = {**good, "x-slack-signature": "v0=\u00e9\u00e9"}
    refused(401, "InvalidSignature", scheme.verify, SLACK_EVENT, non_ascii, now)


# ------------------------------------------------------------------ GitHub


def github(secret: str, body: bytes, delivery: str = "72d3162e-cc78") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "x-hub-signature-256": f"sha256={digest}",
        "x-github-delivery": delivery,
        "x-github-event": "push",
    }


def test_github_accepts_a_signed_delivery_under_either_secret() -> None:
    scheme = build_scheme("github", ["gh-old-secret", "gh-new-secret"])
    for secret in ("gh-old-secret", "gh-new-secret"):
        delivery = scheme.verify(BODY, github(secret, BODY), time.time())
        assert (delivery.id, delivery.type) == ("72d3162e-cc78", "push")
        assert delivery.repeatable
        assert delivery.fingerprint == hmac.new(secret.encode(), BODY, "sha256").hexdigest()


def test_github_refuses_each_kind_of_bad_request() -> None:
    scheme = build_scheme("github", ["gh-secret"])
    now = time.time()
    good = github("gh-secret", BODY)
    refused(401, "InvalidSignature", scheme.verify, BODY[:-1], good, now)
    refused(401, "InvalidSignature", scheme.verify, BODY, github("other", BODY), now)
    sha1 = {**good, "x-hub-signature-256": "sha1=" + "0" * 40}
    refused(400, "MalformedSignature", scheme.verify, BODY, sha1, now)
    for name in ("x-hub-signature-256", "x-github-delivery"):
        missing = {k: v for k, v in good.items() if k != name}
        refused(400, "MissingHeader", scheme.verify, BODY, missing, now)


# ------------------------------------------------------------------ Stripe


STRIPE_EVENT = b'{"id": "evt_1N", "type": "payment_intent.succeeded", "object": "event"}'


def stripe(secrets: list[str], body: bytes, at: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    signed = stamp.encode() + b"." + body
    parts = [f"t={stamp}"] + [
        "v1=" + hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets
    ]
    return {"stripe-signature": ",".join([*parts, "v0=" + "0" * 64])}


def test_stripe_accepts_any_v1_signature_under_any_secret() -> None:
    scheme = build_scheme("stripe", ["whsec_new"])
    now = time.time()
    delivery = scheme.verify(STRIPE_EVENT, stripe(["whsec_old", "whsec_new"], STRIPE_EVENT), now)
    assert (delivery.id, delivery.type) == ("evt_1N", "payment_intent.succeeded")
    rotating = build_scheme("stripe", ["whsec_old", "whsec_new"])
    assert rotating.verify(STRIPE_EVENT, stripe(["whsec_old"], STRIPE_EVENT), now).id == "evt_1N"


def test_stripe_refuses_each_kind_of_bad_request() -> None:
    scheme = build_scheme("stripe", ["whsec_test"])
    now = time.time()
    good = stripe(["whsec_test"], STRIPE_EVENT)
    refused(401, "InvalidSignature", scheme.verify, STRIPE_EVENT.upper(), good, now)
    refused(401, "InvalidSignature", scheme.verify, STRIPE_EVENT, stripe(["x"], STRIPE_EVENT), now)
    stale = stripe(["whsec_test"], STRIPE_EVENT, at=now - 301)
    refused(400, "StaleTimestamp", scheme.verify, STRIPE_EVENT, stale, now)
    refused(400, "MissingHeader", scheme.verify, STRIPE_EVENT, {}, now)
    for header in ("v1=abc", "t=123", "garbage", "t=,v1="):
        bad = {"stripe-signature": header}
        refused(400, "MalformedSignature", scheme.verify, STRIPE_EVENT, bad, now)
    no_id = b'{"type": "x"}'
    refused(400, "NotAnEvent", scheme.verify, no_id, stripe(["whsec_test"], no_id), now)


# ------------------------------------------------------------------ bearer


TOKEN = "bearer-token-0123456789"


def test_bearer_accepts_either_token_and_takes_the_id_from_the_headers() -> None:
    scheme = build_scheme("bearer", [TOKEN, TOKEN + "-next"])
    auth = {"authorization": f"Bearer {TOKEN}-next"}
    assert scheme.verify(BODY, {**auth, "idempotency-key": "k1"}, 0).id == "k1"
    assert scheme.verify(BODY, {**auth, "x-request-id": "r1"}, 0).id == "r1"
    hashed = scheme.verify(BODY, {"authorization": f"bearer {TOKEN}"}, 0)
    assert hashed.id == hashlib.sha256(BODY).hexdigest()
    assert (hashed.type, hashed.fingerprint) == ("order.paid", None)


def test_bearer_refuses_a_missing_or_wrong_token_with_a_challenge() -> None:
    scheme = build_scheme("bearer", [TOKEN])
    missing = refused(401, "MissingToken", scheme.verify, BODY, {}, 0)
    assert missing.headers == {"WWW-Authenticate": "Bearer"}
    for given in (f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer", "Bearer \u00e9"):
        refusal = refused(401, "InvalidToken", scheme.verify, BODY, {"authorization": given}, 0)
        assert TOKEN not in str(refusal)


def test_credential_headers_cover_every_scheme() -> None:
    assert {
        "authorization",
        "webhook-signature",
        "x-slack-signature",
        "x-hub-signature-256",
        "stripe-signature",
        "cookie",
    } <= CREDENTIAL_HEADERS


# ------------------------------------------------------------------ replays


def test_replay_guard_refuses_exact_repeats_and_lets_redeliveries_pass() -> None:
    guard = ReplayGuard()
    now = time.time()
    first = Verified(id="msg_1", data=None, fingerprint="msg_1\n100", expires=now + 300)
    guard.check(first, now=now)
    guard.remember(first, now=now)
    with pytest.raises(Refusal, match="409 Replay"):
        guard.check(first, now=now)
    retry = Verified(id="msg_1", data=None, fingerprint="msg_1\n160", expires=now + 360)
    guard.check(retry, now=now)  # signed anew: a sender's retry
    guard.check(first, now=now + 301)  # forgotten once its timestamp is out of the window


def test_replay_guard_for_github_refuses_the_signature_under_another_id() -> None:
    guard = ReplayGuard()
    now = time.time()
    first = Verified(id="d-1", data=None, fingerprint="abc", expires=now + 300, repeatable=True)
    guard.remember(first, now=now)
    guard.check(first, now=now)  # GitHub's redelivery: the same request, the same id
    forged = Verified(id="d-2", data=None, fingerprint="abc", expires=now + 300, repeatable=True)
    with pytest.raises(Refusal, match="409 Replay"):
        guard.check(forged, now=now)


def test_replay_guard_is_bounded_and_forgets_expired_entries() -> None:
    guard = ReplayGuard(limit=100)
    now = time.time()
    for n in range(250):
        guard.remember(
            Verified(id=str(n), data=None, fingerprint=str(n), expires=now + 300), now=now
        )
    assert len(guard) == 100
    guard.remember(Verified(id="x", data=None, fingerprint="x", expires=now + 900), now=now + 400)
    assert len(guard) == 1
