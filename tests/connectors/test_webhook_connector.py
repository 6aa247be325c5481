"""The webhook connector: its connection settings and their errors, secrets kept secret,
``check``, and a reader process killed while senders deliver (nothing lost, nothing twice)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook as Signer

import workbench as wb
from workbench import registry
from workbench.config.secrets import default_secret_store
from workbench.connectors.webhook import Webhook, WebhookConfig
from workbench.errors import ActionArgumentError, ConfigError
from workbench.redaction import redact
from workbench.triggers.inbox import Inbox

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEXT_SECRET = "whsec_" + "bmV4dC1rZXktZm9yLWNvbm5lY3Rvci10ZXN0cw=="


def write_config(project: Path, text: str) -> Path:
    path = project / "workbench.toml"
    path.write_text(text, encoding="utf-8")
    return path


def connection(name: str = "orders_hooks", **fields: str) -> str:
    lines = [f"[connections.{name}]", 'connector = "webhook"']
    lines += [f"{key} = {value}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def test_the_connector_is_registered_with_its_trigger() -> None:
    assert registry.get_connector("webhook") is Webhook
    row = registry.catalog("webhook").to_dict("records")[0]
    assert (row["triggers"], row["actions"], row["package"]) == (1, 0, "workbench")
    assert list(Webhook.trigger_specs) == ["received"]
    assert Webhook.trigger_specs["received"].follows


def test_a_connection_reads_its_secrets_from_the_store_and_keeps_them_secret(
    project: Path,
) -> None:
    store = default_secret_store()
    store.set("orders/webhook", SECRET)
    store.set("orders/webhook-next", NEXT_SECRET)
    write_config(
        project,
        connection(
            path='"/hooks/orders"',
            secret='[{ secret = "orders/webhook" }, { secret = "orders/webhook-next" }]',
            port="8799",
        ),
    )
    hooks = wb.connect("orders_hooks")
    assert isinstance(hooks, Webhook)
    assert hooks.config.secrets == [SECRET, NEXT_SECRET]
    assert hooks.check() == (
        "would listen on http://127.0.0.1:8799/hooks/orders (verify standard, 2 secrets)"
    )
    shown = [repr(hooks.config), str(hooks.config.public_fields()), repr(hooks)]
    shown.append(str(wb.connections().to_dict("records")))
    for text in shown:
        assert SECRET not in text and NEXT_SECRET not in text
    assert redact(f"key {SECRET}") == "key ***"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"verify": '"hmac"', "secret": '"x"'},
            "field 'verify': expected 'standard', 'slack', 'github', 'stripe' or 'bearer', "
            "got 'hmac'",
        ),
        (
            {"verify": '"github"'},
            "field 'secret' is required for verify 'github' (expected "
            'secret = { secret = "NAME" }, or a list of them during a key rotation)',
        ),
        (
            {"path": '"hooks/orders"', "verify": '"github"', "secret": '"gh-secret"'},
            "field 'path': expected a path starting with / such as /hooks/orders",
        ),
        (
            {"secret": '"not a standard secret!"'},
            "field 'secret': expected a Standard Webhooks secret: whsec_ followed by base64 "
            "for verify 'standard', got ***",
        ),
        (
            {"verify": '"bearer"', "secret": '["a-long-enough-token-1", "short-one"]'},
            "field 'secret': expected a token of at least 16 characters for verify 'bearer' "
            "(secret 2 of 2), got ***",
        ),
        ({"verify": '"slack"', "secret": '"s"', "port": "70000"}, "field 'port'"),
        ({"verify": '"slack"', "secret": '"s"', "max_body": "0"}, "field 'max_body'"),
    ],
)
def test_bad_settings_name_the_file_connection_field_and_what_was_expected(
    project: Path, fields: dict[str, str], expected: str
) -> None:
    path = write_config(project, connection(**fields))
    with pytest.raises(ConfigError) as info:
        wb.connect("orders_hooks")
    message = str(info.value)
    assert message.startswith(f"{path}: connection 'orders_hooks': ")
    assert expected in message
    assert "short-one" not in message and "not a standard secret!" not in message


def test_check_says_when_a_reader_is_receiving() -> None:
    hooks = Webhook(
        WebhookConfig(path="/hooks/check", verify="slack", secret="slack-s3cret", port=0),
        connection="checked",
    )
    assert (
        hooks.check() == "would listen on http://127.0.0.1:0/hooks/check (verify slack, 1 secret)"
    )
    reading = hooks.received(max_events=None, timeout=None)
    assert next(reading) is None
    try:
        described = hooks.check()
        assert described.startswith("receiving on http://127.0.0.1:")
        assert described.endswith("/hooks/check (verify slack, 1 secret)")
        assert ":0/" not in described
    finally:
        reading.close()


def test_trigger_arguments_are_validated() -> None:
    hooks = Webhook(WebhookConfig(verify="github", secret="gh-s3cret"), connection="args")
    with pytest.raises(ActionArgumentError, match="max_events"):
        hooks.received(max_events="many")  # type: ignore[arg-type]


READER = """
import sys
import workbench as wb
from workbench.triggers.inbox import Inbox
from workbench.triggers.reader import read_source

read_source(wb.connect("orders_hooks"), "received", {}, Inbox.open(sys.argv[1]))
"""

DELIVERIES = 150


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_a_reader_killed_while_senders_deliver_loses_nothing_and_stores_nothing_twice(
    project: Path, tmp_path: Path
) -> None:
    port = free_port()
    default_secret_store().set("orders/webhook", SECRET)
    write_config(
        project,
        connection(path='"/hooks/orders"', secret='{ secret = "orders/webhook" }', port=str(port)),
    )
    script = tmp_path / "reader.py"
    script.write_text(READER, encoding="utf-8")
    database = tmp_path / "events.db"
    url = f"http://127.0.0.1:{port}/hooks/orders"
    signer = Signer(SECRET)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, str(script), str(database)],
            cwd=project,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    answered: list[str] = []
    kills: list[int] = []
    deadline = time.monotonic() + 70

    def sender(ids: list[str]) -> None:
        with httpx.Client(timeout=5) as http:
            for msg_id in ids:
                body = f'{{"type": "order.paid", "order": "{msg_id}"}}'
                while time.monotonic() < deadline:
                    stamp = datetime.now(UTC)  # a retry is signed anew, as a sender's is
                    headers = {
                        "webhook-id": msg_id,
                        "webhook-timestamp": str(int(stamp.timestamp())),
                        "webhook-signature": signer.sign(msg_id, stamp, body),
                    }
                    try:
                        status = http.post(url, content=body, headers=headers).status_code
                    except httpx.TransportError:
                        status = 0
                    if status == 200:
                        answered.append(msg_id)
                        break
                    time.sleep(0.05)

    ids = [f"order-{n}" for n in range(DELIVERIES)]
    senders = [threading.Thread(target=sender, args=(ids[i::4],)) for i in range(4)]
    reader = start()
    try:
        for thread in senders:
            thread.start()
        rng = random.Random(7)
        for threshold in (DELIVERIES // 4, DELIVERIES // 2, 3 * DELIVERIES // 4):
            moment = threshold + rng.randrange(8)  # a random moment while deliveries flow
            while len(answered) < moment and time.monotonic() < deadline:
                time.sleep(0.001)
            os.killpg(reader.pid, signal.SIGKILL)
            reader.wait()
            kills.append(len(answered))
            reader = start()
        for thread in senders:
            thread.join(max(1.0, deadline - time.monotonic()))
    finally:
        os.killpg(reader.pid, signal.SIGKILL)
        reader.wait()
    assert sorted(answered) == sorted(ids)
    inbox = Inbox.open(database)
    try:
        stored = [s.event.id for s in inbox.events()]
    finally:
        inbox.close()
    assert sorted(stored) == sorted(ids)  # each answered one stored, none twice
    assert len(kills) == 3 and kills[-1] < DELIVERIES  # killed while deliveries flowed
