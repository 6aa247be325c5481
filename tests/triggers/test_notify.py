"""The failure message: to an http endpoint, a RabbitMQ queue, Redis subscribers and Slack
(its spec's chat.postMessage, against a local server); never with a secret in it."""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from servers import JsonHandler, serve

import workbench as wb
from workbench.config.secrets import default_secret_store
from workbench.errors import ConfigError
from workbench.jobs.run.record import Run, Status
from workbench.jobs.schedule.schedules import Schedule
from workbench.triggers.notify import check_target, failure_message, notify

SLACK_SPEC = Path(__file__).parents[3] / "shared" / "specs" / "slack.com.json"
SECRET = "api-k3y-7f3e9c01"


def failed_run(error: str = f"refused with key {SECRET}") -> tuple[Schedule, Run]:
    default_secret_store().set("billing/key", SECRET)
    schedule = Schedule("billing", "/jobs/billing.ipynb", "@daily")
    run = Run.new(schedule.notebook, job=schedule.name)
    run.start()
    run.finish(Status.FAILED, exit_code=12, error_class="RuntimeError", error_message=error)
    return schedule, run


def connection(text: str) -> None:
    Path("workbench.toml").write_text(text)


def test_the_message_names_job_run_and_error_with_secrets_masked() -> None:
    schedule, run = failed_run()
    message = failure_message(schedule.name, schedule.notebook, run, attempts=3)
    assert message["job"] == "billing" and message["run_id"] == run.id
    assert message["error"] == "RuntimeError: refused with key ***"
    assert message["text"] == (
        f"Workbench job billing failed after 3 attempts (failed): "
        f"RuntimeError: refused with key ***; run {run.id}"
    )
    assert SECRET not in json.dumps(message)


def test_an_http_connection_gets_a_post_of_json() -> None:
    received: list[tuple[str, Any]] = []

    class Hook(JsonHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_json(202, {"accepted": True})

    schedule, run = failed_run()
    with serve(Hook) as url:
        connection(f'[connections.ops]\nconnector = "http"\nbase_url = "{url}"\n')
        check_target("ops:/hooks/failed")
        result = notify("ops:/hooks/failed", failure_message(schedule.name, schedule.notebook, run))
    assert result.data == {"accepted": True}
    ((path, body),) = received
    assert path == "/hooks/failed"
    assert (body["job"], body["run_id"], body["status"]) == ("billing", run.id, "failed")
    assert SECRET not in json.dumps(body)


def test_a_rabbitmq_connection_publishes_to_the_queue_named() -> None:
    queue = f"wb-test-failures-{secrets.token_hex(4)}"
    default_secret_store().set("mq/password", "guest")
    connection(
        '[connections.mq]\nconnector = "rabbitmq"\nhost = "127.0.0.1"\n'
        'password = { secret = "mq/password" }\n'
    )
    schedule, run = failed_run()
    with wb.connect("mq") as mq:
        mq.declare_queue(queue, durable=False)
        try:
            notify(f"mq:{queue}", failure_message(schedule.name, schedule.notebook, run))
            got = mq.get(queue).data
        finally:
            mq.delete_queue(queue)
    (row,) = got
    text = json.dumps(row, default=str)
    assert run.id in text and "billing" in text and SECRET not in text


def test_a_redis_connection_publishes_to_the_channel_named() -> None:
    import redis

    channel = f"wb-test-failures-{secrets.token_hex(4)}"
    connection('[connections.cache]\nconnector = "redis"\nhost = "127.0.0.1"\n')
    client = redis.Redis(host="127.0.0.1", port=6379)
    pubsub = client.pubsub()
    pubsub.subscribe(channel)
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"  # type: ignore[index]
    schedule, run = failed_run()
    try:
        notify(f"cache:{channel}", failure_message(schedule.name, schedule.notebook, run))
        message = pubsub.get_message(timeout=5)
    finally:
        pubsub.close()
        client.close()
    assert message is not None
    body = json.loads(message["data"])
    assert body["run_id"] == run.id and SECRET not in message["data"].decode()


def test_a_slack_connection_posts_the_text_to_the_channel() -> None:
    received: list[dict[str, list[str]]] = []
    lock = threading.Lock()

    class FakeSlack(JsonHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            with lock:
                received.append({"path": [self.path], **urllib.parse.parse_qs(body)})
            self.send_json(200, {"ok": True, "channel": "C1", "ts": "1.2"})

    wb.Connector.from_openapi(SLACK_SPEC, name="slack")
    default_secret_store().set("slack/bot-token", "xoxb-test-0001")
    schedule, run = failed_run()
    with serve(FakeSlack) as url:
        connection(
            f'[connections.team]\nconnector = "slack"\nmode = "live"\nbase_url = "{url}"\n'
            'token = { secret = "slack/bot-token" }\n'
        )
        check_target("team:#data-alerts")
        notify("team:#data-alerts", failure_message(schedule.name, schedule.notebook, run))
    (form,) = received
    assert form["path"] == ["/chat.postMessage"]
    assert form["channel"] == ["#data-alerts"]
    assert form["text"][0].startswith("Workbench job billing failed after 1 attempt (failed)")
    assert SECRET not in form["text"][0]


def test_targets_that_cannot_carry_a_message_are_refused_up_front() -> None:
    connection(
        '[connections.mq]\nconnector = "rabbitmq"\n'
        '[connections.db]\nconnector = "sqlite"\npath = "x.db"\n'
    )
    with pytest.raises(ConfigError, match="publish needs a destination; give it as mq:DESTINATION"):
        check_target("mq")
    with pytest.raises(ConfigError, match="connector 'sqlite' has no action to send a message"):
        check_target("db:anything")
