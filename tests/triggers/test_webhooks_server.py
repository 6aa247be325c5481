"""The webhook trigger over real HTTP: answers only once stored, 503 when the reader stops,
the status of each kind of refusal, shared servers, batching, redeliveries and replays."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook as Signer

from workbench.connectors.webhook import Webhook, WebhookConfig
from workbench.errors import ConfigError
from workbench.sdk import Event
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source
from workbench.triggers.webhooks import receiving

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOKEN = "server-test-token-0123456789"


def hooks(connection: str = "hooks", path: str = "/hooks/in", **fields: Any) -> Webhook:
    settings: dict[str, Any] = {"path": path, "verify": "standard", "secret": SECRET, "port": 0}
    return Webhook(WebhookConfig(**{**settings, **fields}), connection=connection)


def signed(body: bytes, msg_id: str, at: float | None = None) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    signature = Signer(SECRET).sign(msg_id, datetime.fromtimestamp(stamp, UTC), body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def until_receiving(connector: Webhook) -> None:
    config = connector.config
    wait_for(lambda: receiving(config.host, config.port, config.path))


class HeldInbox(Inbox):
    """An inbox whose puts wait for ``release`` and are counted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.putting = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.batches: list[int] = []

    def put(self, events: Any, **kwargs: Any) -> int:
        events = list(events)
        if events:
            self.putting.set()
            self.release.wait(30)
            self.batches.append(len(events))
        return super().put(events, **kwargs)


@contextmanager
def reading(connector: Webhook, inbox: Inbox) -> Iterator[threading.Thread]:
    """``read_source`` of the connector's trigger into ``inbox`` in a thread."""
    stop = threading.Event()
    thread = threading.Thread(
        target=read_source, args=(connector, "received", {}, inbox), kwargs={"stop": stop}
    )
    thread.start()
    try:
        until_receiving(connector)
        yield thread
    finally:
        stop.set()
        if isinstance(inbox, HeldInbox):
            inbox.release.set()
        thread.join(30)
        assert not thread.is_alive()


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[HeldInbox]:
    opened = HeldInbox.open(tmp_path / "events.db")
    yield opened
    opened.close()


def post_later(
    url: str, body: bytes, headers: dict[str, str]
) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def send() -> None:
        out.append(httpx.post(url, content=body, headers=headers, timeout=30))

    thread = threading.Thread(target=send)
    thread.start()
    return thread, out


def test_a_delivery_is_answered_only_once_it_is_stored(inbox: HeldInbox) -> None:
    connector = hooks()
    inbox.release.clear()
    with reading(connector, inbox):
        body = b'{"type": "order.paid", "order": 42}'
        sender, answers = post_later(connector.url, body, signed(body, "msg_held"))
        assert inbox.putting.wait(10)
        time.sleep(0.3)
        assert answers == [] and sender.is_alive()  # the reader holds it: still waiting
        assert inbox.count() == 0
        inbox.release.set()
        sender.join(10)
        assert answers[0].status_code == 200
        assert answers[0].json() == {"status": "stored", "id": "msg_held"}
        stored = inbox.events()[0].event
    assert (stored.source, stored.id, stored.type) == ("hooks.received", "msg_held", "order.paid")
    assert stored.data == {"type": "order.paid", "order": 42}
    assert stored.headers["webhook-id"] == "msg_held"
    assert "webhook-signature" not in stored.headers


def test_closing_the_reader_answers_its_waiting_requests_503() -> None:
    connector = hooks()
    batches = connector.received(max_events=None, timeout=None)
    assert next(batches) is None
    url = connector.url
    body = b'{"n": 1}'
    sender, answers = post_later(url, body, signed(body, "msg_closed"))
    batch = next(b for b in batches if b)
    assert [e.id for e in batch] == ["msg_closed"]
    time.sleep(0.2)
    assert answers == []
    batches.close()  # not stored: the sender must retry
    sender.join(10)
    assert answers[0].status_code == 503
    assert answers[0].headers["retry-after"] == "5"
    assert answers[0].json()["error"] == "Unavailable"
    again = httpx.post(url, content=body, headers=signed(body, "msg_closed"))
    assert again.status_code == 503  # the route, with no reader, while the server lingers


def test_redelivery_is_acknowledged_once_stored_and_a_replay_is_refused(
    inbox: HeldInbox,
) -> None:
    connector = hooks()
    body = b'{"type": "invoice.paid"}'
    first = signed(body, "msg_retry", at=time.time() - 60)
    with reading(connector, inbox), httpx.Client() as http:
        assert http.post(connector.url, content=body, headers=first).status_code == 200
        replay = http.post(connector.url, content=body, headers=first)
        assert (replay.status_code, replay.json()["error"]) == (409, "Replay")
        retry = http.post(connector.url, content=body, headers=signed(body, "msg_retry"))
        assert retry.status_code == 200
    assert inbox.count() == 1


def test_each_kind_of_refusal_has_its_status_and_a_short_json_body(inbox: HeldInbox) -> None:
    connector = hooks(max_body=1000)
    body = b'{"type": "x"}'
    with reading(connector, inbox), httpx.Client() as http:
        base = connector.url.removesuffix("/hooks/in")
        cases = {
            "unknown path": (http.post(base + "/elsewhere", content=body), 404),
            "wrong method": (http.get(connector.url), 405),
            "bad signature": (
                http.post(connector.url, content=body + b" ", headers=signed(body, "m1")),
                401,
            ),
            "stale": (
                http.post(
                    connector.url, content=body, headers=signed(body, "m2", time.time() - 301)
                ),
                400,
            ),
            "no headers": (http.post(connector.url, content=body), 400),
            "declared too large": (http.post(connector.url, content=b"x" * 1001), 413),
            "streamed too large": (
                http.post(connector.url, content=iter([b"x" * 600, b"y" * 600])),
                413,
            ),
        }
        for name, (response, status) in cases.items():
            assert response.status_code == status, name
            answer = response.json()
            assert set(answer) == {"error", "message"}, name
            assert "Traceback" not in response.text and SECRET not in response.text
        assert cases["wrong method"][0].headers["allow"] == "POST"
        good = http.post(connector.url + "/", content=body, headers=signed(body, "m3"))
        assert good.status_code == 200
    assert [s.event.id for s in inbox.events()] == ["m3"]


def test_a_route_without_a_reader_answers_503_beside_one_that_reads(inbox: HeldInbox) -> None:
    orders = hooks("orders", "/hooks/orders")
    refunds = hooks("refunds", "/hooks/refunds")
    body = b'{"type": "x"}'
    with reading(orders, inbox):
        refund_batches = refunds.received(max_events=None, timeout=None)
        assert next(refund_batches) is None
        refunds_url = refunds.url
        assert orders.url.rsplit("/", 2)[0] == refunds_url.rsplit("/", 2)[0]  # one server
        refund_batches.close()
        no_reader = httpx.post(refunds_url, content=body, headers=signed(body, "r1"))
        assert no_reader.status_code == 503
        assert httpx.post(orders.url, content=body, headers=signed(body, "o1")).status_code == 200
    assert [s.event.source for s in inbox.events()] == ["orders.received"]


def test_a_second_reader_of_the_same_route_is_refused() -> None:
    first = hooks("first", "/hooks/shared")
    batches = first.received(max_events=None, timeout=None)
    assert next(batches) is None
    try:
        with pytest.raises(ConfigError, match="already being received by connection 'first'"):
            next(hooks("second", "/hooks/shared").received())
    finally:
        batches.close()


def test_a_taken_port_fails_with_the_connection_named() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        connector = hooks("busy", port=port)
        with pytest.raises(ConfigError, match=rf"connection 'busy': cannot listen on .*:{port}"):
            next(connector.received())


def test_slack_url_verification_is_answered_and_stores_nothing(inbox: HeldInbox) -> None:
    import hashlib
    import hmac

    connector = hooks("slack_events", "/slack/events", verify="slack", secret="slack-sign-s3cret")
    body = b'{"type": "url_verification", "challenge": "ch4ll3nge", "token": "t"}'
    stamp = str(int(time.time()))
    digest = hmac.new(b"slack-sign-s3cret", f"v0:{stamp}:".encode() + body, hashlib.sha256)
    headers = {"x-slack-request-timestamp": stamp, "x-slack-signature": "v0=" + digest.hexdigest()}
    with reading(connector, inbox):
        answer = httpx.post(connector.url, content=body, headers=headers)
    assert (answer.status_code, answer.json()) == (200, {"challenge": "ch4ll3nge"})
    assert inbox.count() == 0


def test_a_bearer_token_is_never_stored(inbox: HeldInbox) -> None:
    connector = hooks("tokens", "/hooks/token", verify="bearer", secret=TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "k-9", "X-Custom": "kept"}
    with reading(connector, inbox):
        assert httpx.post(connector.url, content=b"not json", headers=headers).status_code == 200
    event = inbox.events()[0].event
    assert (event.id, event.data, event.headers["x-custom"]) == ("k-9", "not json", "kept")
    assert "authorization" not in event.headers
    assert TOKEN not in event.model_dump_json()


def test_no_log_line_carries_the_query_string(
    inbox: HeldInbox, caplog: pytest.LogCaptureFixture
) -> None:
    connector = hooks()
    caplog.set_level(logging.DEBUG)
    body = b'{"type": "x"}'
    with reading(connector, inbox):
        httpx.post(connector.url + "?key=query-s3cret", content=body)
        url = connector.url + "?key=query-s3cret"
        assert httpx.post(url, content=body, headers=signed(body, "q1")).status_code == 200
    served = [r for r in caplog.records if r.name.startswith(("workbench", "uvicorn"))]
    assert any("refused" in r.getMessage() for r in served)
    assert all("query-s3cret" not in r.getMessage() for r in served)


def test_requests_waiting_together_become_one_batch_and_a_lone_one_is_not_held(
    inbox: HeldInbox,
) -> None:
    connector = hooks()
    with reading(connector, inbox), httpx.Client() as http:
        body = b'{"type": "x"}'
        started = time.perf_counter()
        assert (
            http.post(connector.url, content=body, headers=signed(body, "lone")).status_code == 200
        )
        assert time.perf_counter() - started < 0.5  # no wait for a batch to fill
        inbox.release.clear()
        inbox.putting.clear()
        first = post_later(connector.url, body, signed(body, "first"))
        assert inbox.putting.wait(10)  # the reader is storing "first"; the rest gather

        clients = [httpx.Client(timeout=30) for _ in range(16)]
        requests = [signed(body, f"many-{n}") for n in range(16)]

        def send(n: int) -> int:
            return clients[n].post(connector.url, content=body, headers=requests[n]).status_code

        with ThreadPoolExecutor(16) as pool:
            answers = pool.map(send, range(16))
            time.sleep(1.5)
            inbox.release.set()
            statuses: Sequence[int] = list(answers)
        for client in clients:
            client.close()
        first[0].join(10)
    assert statuses == [200] * 16
    assert inbox.count() == 18
    assert inbox.batches[:2] == [1, 1] and inbox.batches[2] >= 8, inbox.batches  # together


def test_max_events_and_timeout_bound_a_reading() -> None:
    connector = hooks("bounded", "/hooks/bounded")
    started = time.monotonic()
    items = list(connector.received(max_events=5, timeout=0.6))
    assert all(item is None for item in items)
    assert 0.5 < time.monotonic() - started < 3


def test_events_carry_the_signed_time(inbox: HeldInbox) -> None:
    connector = hooks()
    at = int(time.time()) - 30
    body = b'{"type": "x"}'
    with reading(connector, inbox):
        assert (
            httpx.post(connector.url, content=body, headers=signed(body, "t1", at)).status_code
            == 200
        )
    event: Event = inbox.events()[0].event
    assert event.time == datetime.fromtimestamp(at, UTC)


class ThreadNoting(Inbox):
    """An inbox that notes the thread of each put of events."""

    threads: list[str]

    def put(self, events: Any, **kwargs: Any) -> int:
        events = list(events)
        if events:
            self.threads = [*getattr(self, "threads", []), threading.current_thread().name]
        return super().put(events, **kwargs)


def test_read_to_the_end_the_loop_stores_and_the_reader_sees_what_was_stored(
    tmp_path: Path,
) -> None:
    from workbench.triggers.reader import stored_batches

    connector = hooks()
    inbox = ThreadNoting.open(tmp_path / "events.db")
    seen: list[tuple[list[str], int]] = []
    stop = threading.Event()

    def read() -> None:
        for batch, new in stored_batches(connector, "received", {}, inbox, stop=stop):
            seen.append(([e.id for e in batch], new))
            stop.set()

    thread = threading.Thread(target=read)
    thread.start()
    until_receiving(connector)
    assert connector.trigger_sink is not None  # a reading to the end offers its sink
    body = b'{"type": "x"}'
    assert httpx.post(connector.url, content=body, headers=signed(body, "s1")).status_code == 200
    assert inbox.count() == 1  # stored before the 2xx, by the server's loop
    assert [name.split()[0] for name in inbox.threads] == ["webhooks"]
    thread.join(10)
    assert seen == [(["s1"], 1)]
    assert connector.trigger_sink is None  # the reading is over
    inbox.close()


class FailingInbox(Inbox):
    """An inbox whose puts of events fail, as a full disk would."""

    def put(self, events: Any, **kwargs: Any) -> int:
        if list(events):
            raise OSError("database or disk is full")
        return super().put(events, **kwargs)


def test_a_store_failing_on_the_loop_answers_503_and_ends_the_reader(tmp_path: Path) -> None:
    connector = hooks()
    inbox = FailingInbox.open(tmp_path / "events.db")
    failure: list[BaseException] = []

    def read() -> None:
        try:
            read_source(connector, "received", {}, inbox)
        except OSError as exc:
            failure.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    until_receiving(connector)
    body = b'{"type": "x"}'
    answer = httpx.post(connector.url, content=body, headers=signed(body, "f1"))
    thread.join(10)
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert [str(exc) for exc in failure] == ["database or disk is full"]
    assert not thread.is_alive()
    inbox.close()


def test_batches_stored_together_reach_the_reader_as_one_notice_and_a_failure_after_them() -> None:
    from workbench.sdk.trigger import Stored
    from workbench.triggers.webhooks.handoff import Handoff

    loop = asyncio.new_event_loop()
    try:
        handoff = Handoff(loop, sink=lambda events: len(events))
        for n in range(3):  # what the loop puts after three stores and a failed one
            handoff._ready.put(Stored([Event(source="hooks.received", id=str(n))], new=1))
        handoff._ready.put(OSError("disk full"))
        notices = handoff.stored_batches(timeout=1.0)
        first = next(notices)
        assert isinstance(first, Stored)
        assert [e.id for e in first] == ["0", "1", "2"] and first.new == 3
        with pytest.raises(OSError, match="disk full"):
            next(notices)
    finally:
        loop.close()
