"""Forged, tampered, stale, replayed and incomplete deliveries against the real server, read
into an inbox by ``read_source``: every one refused with 4xx and none stored."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook as Signer

from workbench.connectors.webhook import Webhook, WebhookConfig
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source
from workbench.triggers.webhooks import receiving

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW = "whsec_" + "cm90YXRlZC1rZXktZm9yLXNlY3VyaXR5LXRlc3Rz"
WRONG = "whsec_" + "d3Jvbmcta2V5LW5vdC1jb25maWd1cmVk"
EACH = 1000
SENDERS = 4
LIMIT = 4096

Request = tuple[bytes, dict[str, str]]


def sign(secret: str, msg_id: str, body: bytes, at: float | None = None) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    signature = Signer(secret).sign(msg_id, datetime.fromtimestamp(stamp, UTC), body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": signature}


def body_for(n: int) -> bytes:
    return b'{"type": "order.paid", "order": %d, "note": "abc"}' % n


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[tuple[Webhook, Inbox]]:
    config = WebhookConfig(
        path="/hooks/secure", verify="standard", secret=[OLD, NEW], port=0, max_body=LIMIT
    )
    connector = Webhook(config, connection="secure")
    inbox = Inbox.open(tmp_path / "events.db")
    stop = threading.Event()
    thread = threading.Thread(
        target=read_source, args=(connector, "received", {}, inbox), kwargs={"stop": stop}
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not receiving(config.host, config.port, config.path):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    yield connector, inbox
    stop.set()
    thread.join(30)
    inbox.close()


def send_all(url: str, requests: list[Request]) -> Counter[int]:
    """Send ``requests`` from a few keep-alive clients; the count of each status."""

    def sender(part: list[Request]) -> Counter[int]:
        seen: Counter[int] = Counter()
        with httpx.Client(timeout=30) as http:
            for body, headers in part:
                seen[http.post(url, content=body, headers=headers).status_code] += 1
        return seen

    parts = [requests[i::SENDERS] for i in range(SENDERS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        return sum(pool.map(sender, parts), Counter())


def flipped(body: bytes, n: int) -> bytes:
    at = n % len(body)
    return body[:at] + bytes([body[at] ^ 0x01]) + body[at + 1 :]


ATTACKS: dict[str, Callable[[int], Request]] = {
    "bad signature": lambda n: (body_for(n), sign(WRONG, f"bad-{n}", body_for(n))),
    "flipped body byte": lambda n: (flipped(body_for(n), n), sign(OLD, f"flip-{n}", body_for(n))),
    "timestamp 301 s old": lambda n: (
        body_for(n),
        sign(NEW, f"stale-{n}", body_for(n), at=time.time() - 301),
    ),
    "missing header": lambda n: (
        body_for(n),
        {
            k: v
            for k, v in sign(OLD, f"miss-{n}", body_for(n)).items()
            if k != ("webhook-id", "webhook-timestamp", "webhook-signature")[n % 3]
        },
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_forged_deliveries_are_refused_and_none_is_stored(
    hooks: tuple[Webhook, Inbox], attack: str
) -> None:
    connector, inbox = hooks
    statuses = send_all(connector.url, [ATTACKS[attack](n) for n in range(EACH)])
    assert sum(statuses.values()) == EACH
    assert all(400 <= status < 500 for status in statuses), statuses
    assert inbox.count() == 0


def test_a_replayed_request_is_refused_every_time(hooks: tuple[Webhook, Inbox]) -> None:
    connector, inbox = hooks
    body = body_for(1)
    original = (body, sign(OLD, "msg_original", body))
    assert send_all(connector.url, [original]) == Counter({200: 1})
    statuses = send_all(connector.url, [original] * EACH)
    assert statuses == Counter({409: EACH})
    assert inbox.count() == 1


def test_rotated_dual_signatures_and_redeliveries(hooks: tuple[Webhook, Inbox]) -> None:
    connector, inbox = hooks
    requests = []
    for n in range(50):
        body, msg_id = body_for(n), f"dual-{uuid.uuid4().hex}"
        headers = sign(NEW, msg_id, body)
        headers["webhook-signature"] += " " + sign(OLD, msg_id, body)["webhook-signature"]
        requests.append((body, headers))
    only_new = (body_for(99), sign(NEW, "only-new", body_for(99)))
    assert send_all(connector.url, [*requests, only_new]) == Counter({200: 51})
    first = (body_for(7), sign(OLD, "redelivered", body_for(7), at=time.time() - 20))
    retry = (body_for(7), sign(NEW, "redelivered", body_for(7)))
    assert send_all(connector.url, [first]) == Counter({200: 1})
    assert send_all(connector.url, [retry]) == Counter({200: 1})
    assert inbox.count() == 52
    assert [s.event.id for s in inbox.events()].count("redelivered") == 1


def test_a_body_over_the_limit_gets_413(hooks: tuple[Webhook, Inbox]) -> None:
    connector, inbox = hooks
    big = b'{"pad": "' + b"x" * LIMIT + b'"}'
    declared = (big, sign(OLD, "big-1", big))
    assert send_all(connector.url, [declared]) == Counter({413: 1})
    with httpx.Client() as http:
        chunks = iter([big[:3000], big[3000:]])
        streamed = http.post(connector.url, content=chunks, headers=sign(OLD, "big-2", big))
    assert streamed.status_code == 413
    assert inbox.count() == 0
