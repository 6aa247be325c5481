"""Webhooks through a real `wb worker` that is killed: 10,000 signed deliveries from 8
senders, the worker SIGKILLed three times while they flow and started again; every
delivery is answered, stored once and handled once by its binding (a handler call that a
kill cut short before its success was recorded is made again: at most one group per kill).
Then the two scenario notebooks' webhook half: a delivery appends one row to a sheet."""

from __future__ import annotations

import json
import random
import signal
import socket
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import nbformat
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from specs import SPECS
from standardwebhooks import Webhook as Signer
from workers import processes, wait_for

from workbench.cli import cli
from workbench.config.secrets import default_secret_store
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore
from workbench.triggers.dispatch import GROUP, DeliveryState, deliveries
from workbench.triggers.inbox import Inbox
from workbench.triggers.tables import DELIVERIES

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
COUNT = 10_000
SENDERS = 8
KILLS = 3
SCENARIOS = Path(__file__).parents[2] / "notebooks" / "scenarios"
STAMP = "2024-05-06T12:00:00Z"

HANDLERS = """
import sqlite3
from pathlib import Path
import workbench as wb

calls = sqlite3.connect(Path(__file__).with_name("calls.db"), isolation_level=None,
                        check_same_thread=False)
calls.execute("create table if not exists calls (id text)")

@wb.on("shop_hooks", "received", name="record", type="order.paid")
def record(event):
    calls.execute("insert into calls values (?)", (event.id,))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hooks_connection(project: Path, port: int) -> str:
    default_secret_store().set("shop/webhook-secret", SECRET)
    (project / "workbench.toml").write_text(
        '[connections.shop_hooks]\nconnector = "webhook"\npath = "/hooks/shop"\n'
        f'verify = "standard"\nsecret = {{ secret = "shop/webhook-secret" }}\nport = {port}\n'
    )
    return f"http://127.0.0.1:{port}/hooks/shop"


def deliver(url: str, ids: list[str], answered: list[str], deadline: float) -> None:
    """Send each delivery until it is answered 2xx, signed anew for each try (as a
    sender's retry is)."""
    signer = Signer(SECRET)
    with httpx.Client(timeout=10) as http:
        for msg_id in ids:
            paid = {"order_id": msg_id, "customer": "Ada Lovelace", "total": 42.5}
            body = json.dumps({"type": "order.paid", "timestamp": STAMP, "data": paid})
            while time.monotonic() < deadline:
                stamp = datetime.now(UTC)
                headers = {
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(int(stamp.timestamp())),
                    "webhook-signature": signer.sign(msg_id, stamp, body),
                    "content-type": "application/json",
                }
                try:
                    status = http.post(url, content=body, headers=headers).status_code
                except httpx.TransportError:
                    status = 0
                if 200 <= status < 300:
                    answered.append(msg_id)
                    break
                time.sleep(0.05)


def handled(store: RunStore) -> int:
    ended = sa.select(sa.func.count()).where(DELIVERIES.c.state == "succeeded")
    with store.engine.connect() as connection:
        return int(connection.execute(ended).scalar_one())


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_ten_thousand_deliveries_through_three_kills_are_each_handled_once(
    project: Path, store: RunStore, tmp_path: Path
) -> None:
    url = hooks_connection(project, free_port())
    (project / "handlers.py").write_text(HANDLERS)
    ids = [f"msg-{n:05d}" for n in range(COUNT)]
    answered: list[str] = []
    deadline = time.monotonic() + 200
    rng = random.Random()
    marks = sorted(rng.sample(range(COUNT // 10, COUNT * 9 // 10), KILLS))
    options = ("worker", "--handlers", "handlers.py", "--interval", "0.2")
    with processes(tmp_path / "logs") as started:
        worker = started.start(*options, cwd=project)
        senders = [
            threading.Thread(target=deliver, args=(url, ids[i::SENDERS], answered, deadline))
            for i in range(SENDERS)
        ]
        began = time.monotonic()
        for sender in senders:
            sender.start()
        for mark in marks:
            assert wait_for(lambda m=mark: len(answered) >= m, 120), started.logs()
            time.sleep(rng.uniform(0, 0.1))  # a random moment while deliveries flow
            started.kill(worker)
            worker = started.start(*options, cwd=project)
        for sender in senders:
            sender.join(max(1.0, deadline - time.monotonic()))
        answered_in = time.monotonic() - began
        assert wait_for(lambda: handled(store) >= COUNT, 60), started.logs()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, started.logs()
    assert sorted(answered) == ids  # every delivery answered 2xx in the end
    stored = Counter(s.event.id for s in Inbox(store).events())
    assert sorted(stored) == ids and set(stored.values()) == {1}  # stored once each
    states = Counter(d.state for d in deliveries(store, limit=COUNT * 2))
    assert states == {DeliveryState.SUCCEEDED: COUNT}  # one delivery each, handled
    with sqlite3.connect(project / "calls.db") as db:
        calls = Counter(row[0] for row in db.execute("select id from calls"))
    assert sorted(calls) == ids  # none lost
    repeated = sum(n - 1 for n in calls.values())
    assert repeated <= KILLS * GROUP
    print(
        f"\n{COUNT} deliveries from {SENDERS} senders through {KILLS} SIGKILLs: answered in "
        f"{answered_in:.1f} s ({COUNT / answered_in:.0f}/s), each stored and handled once; "
        f"{repeated} handler calls made again after a kill"
    )


@pytest.mark.slow
def test_a_signed_delivery_appends_one_row_to_the_sheet(
    project: Path, store: RunStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_SPECS", str(SPECS))
    url = hooks_connection(project, free_port())
    notebook = SCENARIOS / "webhook_to_sheet.ipynb"
    added = CliRunner().invoke(
        cli,
        ["trigger", "add", str(notebook), "--on", "shop_hooks.received", "type=order.paid",
         "--name", "to-sheet"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    answered: list[str] = []
    with processes(tmp_path / "logs") as started:
        worker = started.start("worker", "--pool", "1", "--interval", "0.2", cwd=project)
        deliver(url, ["msg-paid-1"], answered, time.monotonic() + 60)
        assert answered == ["msg-paid-1"], started.logs()

        def ended() -> bool:
            return any(r.status.finished for r in store.runs(job="to-sheet"))

        assert wait_for(ended, 120), started.logs()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, started.logs()
    (run,) = store.runs(job="to-sheet")
    assert run.status is Status.SUCCEEDED, run.describe()
    nb = nbformat.read(run.output or "", as_version=4)  # type: ignore[no-untyped-call]
    lines = [
        line
        for cell in nb.cells
        for output in cell.get("outputs", [])
        for line in output.get("text", "").splitlines()
        if line.startswith("{")
    ]
    assert [json.loads(line) for line in lines] == [
        {
            "delivery": "msg-paid-1",
            "row": ["msg-paid-1", "Ada Lovelace", 42.5, STAMP],
            "sheet_calls": 1,
        }
    ]
