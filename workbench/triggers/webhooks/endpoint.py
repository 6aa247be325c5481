"""One webhook route: read the body within its limit, verify it, hand it to the reader.

The answer is short JSON, ``{"status": "stored", "id": ...}`` once the event is in the
inbox, or ``{"error": ..., "message": ...}`` naming the problem: 413 for a body over the
limit (refused from its declared length before it is read, or as soon as it streams past
the limit), 400 for missing or malformed headers and stale timestamps, 401 for a wrong
signature or token, 409 for a replay, 503 with ``Retry-After`` when no reader is taking
deliveries or the reader stopped before storing it. Never a traceback, never a secret.

Example:
    >>> from workbench.triggers.webhooks.schemes import build_scheme
    >>> endpoint = Endpoint("hooks", "/hooks/orders", build_scheme("github", ["gh-s3cret"]))
    >>> endpoint.source, endpoint.reader is None
    ('hooks.received', True)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

from workbench.redaction import get_logger, redact
from workbench.sdk.event import Event
from workbench.triggers.webhooks.delivery import Refusal, Verified
from workbench.triggers.webhooks.handoff import STORED, Handoff
from workbench.triggers.webhooks.replay import ReplayGuard
from workbench.triggers.webhooks.scheme import Scheme
from workbench.triggers.webhooks.schemes import CREDENTIAL_HEADERS

log = get_logger("workbench.webhooks")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

MAX_BODY = 1024 * 1024  # bytes
RETRY_AFTER = "5"  # seconds a sender is asked to wait when no reader takes deliveries
_JSON = json.JSONEncoder(separators=(",", ":"))
_quoted: Callable[[str], str] = json.encoder.encode_basestring_ascii


class Endpoint:
    """The ASGI handler of one connection's route (POST only; the listener checks)."""

    def __init__(
        self,
        connection: str,
        path: str,
        scheme: Scheme,
        *,
        max_body: int = MAX_BODY,
        trigger: str = "received",
    ) -> None:
        self.connection, self.path, self.scheme, self.max_body = connection, path, scheme, max_body
        self.source = f"{connection}.{trigger}"
        self.guard = ReplayGuard()
        self.reader: Handoff | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body = await read_body(headers, receive, self.max_body)
            now = time.time()
            delivery = self.scheme.verify(body, headers, now)
            self.guard.check(delivery, now=now)
            if delivery.reply is not None:
                await answer(send, 200, delivery.reply)
                return
            await self._deliver(delivery, headers, send)
        except Refusal as refusal:
            log.info("%s: %s %s refused: %s", self.connection, scope["method"], self.path, refusal)
            await refuse(send, refusal)
        except _Gone:
            return
        except Exception as exc:  # a fault of the server itself: no details to the sender
            log.error(
                "%s: %s %s failed: %s",
                self.connection,
                scope["method"],
                self.path,
                redact(f"{type(exc).__name__}: {exc}"),
            )
            await refuse(send, Refusal(500, "ServerError", "the delivery could not be taken"))

    async def _deliver(self, delivery: Verified, headers: Mapping[str, str], send: Send) -> None:
        reader = self.reader
        if reader is None:
            raise _no_reader()
        stamp = delivery.timestamp
        event = Event(  # validated: pydantic's core builds it faster than model_construct
            source=self.source,
            id=delivery.id,
            type=delivery.type,
            time=datetime.fromtimestamp(stamp, UTC) if stamp is not None else datetime.now(UTC),
            subject=None,
            data=delivery.data,
            headers={k: v for k, v in headers.items() if k not in CREDENTIAL_HEADERS},
        )
        slot: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if not reader.submit(event, slot):
            raise _no_reader()
        status = await slot
        if status != STORED:
            raise _no_reader("the reader stopped before storing the delivery; retry later")
        self.guard.remember(delivery, now=time.time())
        log.debug("%s: stored %s", self.connection, delivery.id)
        await stored(send, delivery.id)


class _Gone(Exception):
    """The sender disconnected before its body was read."""


def _no_reader(
    message: str = "no reader is taking deliveries on this route; retry later",
) -> Refusal:
    return Refusal(503, "Unavailable", message, {"Retry-After": RETRY_AFTER})


async def read_body(headers: Mapping[str, str], receive: Receive, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(limit: int) -> Refusal:
    return Refusal(413, "TooLarge", f"the body is over the limit of {limit} bytes")


async def answer(
    send: Send, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> None:
    """Send ``body`` as a JSON response."""
    content = _JSON.encode(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(content))]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


async def stored(send: Send, delivery_id: str) -> None:
    """Send ``{"status": "stored", "id": ...}``: what :func:`answer` sends for it, built
    without a JSON encoder, as every stored delivery is answered this way.

    Example:
        >>> import asyncio
        >>> sent = []
        >>> async def send(message): sent.append(message)
        >>> asyncio.run(stored(send, 'msg-"1"'))
        >>> sent[0]["status"], json.loads(sent[1]["body"])
        (200, {'status': 'stored', 'id': 'msg-"1"'})
    """
    content = b'{"status":"stored","id":%s}' % _quoted(delivery_id).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(content))]
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    await send({"type": "http.response.body", "body": content})


async def refuse(send: Send, refusal: Refusal) -> None:
    """Send ``refusal`` as ``{"error", "message"}`` with its status and headers."""
    body = {"error": refusal.error, "message": redact(refusal.message)}
    await answer(send, refusal.status, body, refusal.headers)
