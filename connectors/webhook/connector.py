"""The webhook connector: an HTTP route whose verified deliveries are a trigger's events."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.connectors.webhook.config import WebhookConfig
from workbench.sdk import Connector, Event, trigger
from workbench.sdk.triggers.webhooks import build_scheme, receive, receiving, route_url


class Webhook(Connector):
    """Webhooks over HTTP, verified by signature (Standard Webhooks, Slack, GitHub, Stripe)
    or a bearer token, each stored in the inbox before it is answered 2xx.

    The trigger ``received`` starts (or joins) a server on the connection's host and port;
    several webhook connections on one host:port share it, a route each. A sender's retry
    of a stored delivery is answered 2xx and dropped by the inbox; an exact replay of a
    signed request is refused with 409. Bodies over ``max_body`` get 413, wrong signatures
    401, stale or malformed headers 400, and a route with no reader 503 (the sender
    retries). See :mod:`workbench.triggers.webhooks` for each scheme.

    Example:
        >>> from workbench.connectors.webhook import Webhook, WebhookConfig
        >>> hooks = Webhook(WebhookConfig(path="/hooks/orders", verify="github",
        ...                               secret=["old-secret", "new-secret"]),
        ...                 connection="orders_hooks")
        >>> hooks.check()
        'would listen on http://127.0.0.1:8787/hooks/orders (verify github, 2 secrets)'
    """

    name = "webhook"
    title = "Webhook"
    category = "api"
    auth_kinds = ("standard", "slack", "github", "stripe", "bearer")
    config_model = WebhookConfig
    config: WebhookConfig

    @property
    def url(self) -> str:
        """The URL senders deliver to: with the port bound while a reader is receiving
        (a ``port = 0`` connection gets a free one), else the configured port."""
        return route_url(self.config.host, self.config.port, self.config.path)

    def check(self) -> str:
        """What the trigger listens on: ``would listen on URL (verify SCHEME, N secrets)``,
        or ``receiving on URL (...)`` while a reader in this process takes its deliveries."""
        config = self.config
        count = len(config.secrets)
        how = f"verify {config.verify}, {count} secret{'s' * (count != 1)}"
        running = receiving(config.host, config.port, config.path)
        return f"{'receiving on' if running else 'would listen on'} {self.url} ({how})"

    @trigger
    def received(
        self, max_events: int | None = 100, timeout: float | None = 10.0
    ) -> Iterator[list[Event] | None]:
        """Verified webhook deliveries to the connection's route, in batches.

        Each request is answered 2xx only once its batch is in the inbox (when the reader
        resumes the generator); requests still waiting when it is closed get 503 with
        ``Retry-After``. The event's ``data`` is the JSON body (other bodies as text), its
        ``headers`` the request's without signatures, tokens or cookies.

        Args:
            max_events: stop after this many events (None: never)
            timeout: stop after this many seconds without a delivery (None: never)

        Example:
            >>> import threading, httpx
            >>> from workbench.connectors.webhook import Webhook, WebhookConfig
            >>> token = "doctest-token-0123456789"
            >>> hooks = Webhook(WebhookConfig(path="/in", verify="bearer", secret=token,
            ...                               port=0), connection="doc_hooks")
            >>> reading = hooks.received(max_events=1, timeout=10)
            >>> next(reading) is None                # the server is up; nothing yet
            True
            >>> answers = []
            >>> sender = threading.Thread(target=lambda: answers.append(httpx.post(
            ...     hooks.url, json={"order": 7}, headers={"Authorization": f"Bearer {token}",
            ...                                           "Idempotency-Key": "order-7"})))
            >>> sender.start()
            >>> batch = next(b for b in reading if b)
            >>> [(e.id, e.data) for e in batch], answers   # not answered before it is stored
            ([('order-7', {'order': 7})], [])
            >>> next(reading, "done")                 # stored: resume, and it is answered
            'done'
            >>> sender.join(); answers[0].status_code
            200
        """
        config = self.config
        yield from receive(
            self.connection,
            "received",
            build_scheme(config.verify, config.secrets),
            path=config.path,
            host=config.host,
            port=config.port,
            max_body=config.max_body,
            max_events=max_events,
            timeout=timeout,
            sink=self.trigger_sink,
        )
