"""The celery engine through the real Redis and RabbitMQ of this machine: 20 runs on two
`wb worker --engine celery` processes, one killed mid-run; every run done exactly once."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from workers import processes, wait_for, write_notebook

from workbench.errors import ConfigError
from workbench.jobs.run.engines.celery import (
    CeleryEngine,
    CelerySettings,
    celery_settings,
    make_app,
)
from workbench.jobs.run.leases import LOST, Leases
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore

BROKERS = {
    "redis": "redis://127.0.0.1:6379/11",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


@pytest.fixture(params=sorted(BROKERS))
def settings(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CelerySettings]:
    """A broker with a queue of this test's own, deleted afterwards."""
    queue = f"wb-test-{secrets.token_hex(4)}"
    monkeypatch.setenv("WORKBENCH_CELERY_BROKER", BROKERS[request.param])
    monkeypatch.setenv("WORKBENCH_CELERY_QUEUE", queue)
    monkeypatch.setenv("WORKBENCH_CELERY_VISIBILITY_TIMEOUT", "4")
    chosen = celery_settings()
    yield chosen
    app = make_app(chosen)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)
    app.close()
    if request.param == "redis":
        import redis

        with redis.Redis.from_url(BROKERS["redis"]) as client:
            leftovers = client.keys(f"*{queue}*")
            if leftovers:
                client.delete(*leftovers)


def test_settings_come_from_the_environment_or_workbench_toml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WORKBENCH_CELERY_BROKER", raising=False)
    with pytest.raises(ConfigError, match="the celery engine needs a broker"):
        celery_settings()
    Path("workbench.toml").write_text(
        '[jobs]\nbroker = "amqp://jobs:${MQ_PASSWORD}@127.0.0.1:5672//"\nqueue = "etl"\n'
    )
    monkeypatch.setenv("MQ_PASSWORD", "mq-pa55-4f1d")
    found = celery_settings()
    assert (found.queue, found.visibility_timeout) == ("etl", 3600.0)
    assert found.display_broker == "amqp://jobs:**@127.0.0.1:5672//"
    monkeypatch.setenv("WORKBENCH_CELERY_BROKER", "http://not-a-broker")
    with pytest.raises(
        ConfigError, match="WORKBENCH_CELERY_BROKER: expected a redis:// or amqp:// URL"
    ):
        celery_settings()


@pytest.mark.slow
def test_twenty_runs_on_two_workers_one_killed_mid_run(
    settings: CelerySettings, store: RunStore, project: Path, tmp_path: Path
) -> None:
    notebook = write_notebook(
        project / "job.ipynb", "n = 0", "import time; time.sleep(1.0)\nprint(n)"
    )
    options = ("worker", "--engine", "celery", "--no-events", "--pool", "2", "--lease", "3")
    with processes(tmp_path / "logs") as started, CeleryEngine(store, settings=settings) as engine:
        doomed, survivor = started.start(*options), started.start(*options)
        queued = [engine.enqueue(notebook, {"n": n}, job="celery-job") for n in range(20)]
        doomed_name = f"{socket.gethostname()}:{doomed.pid}"

        def doomed_is_running() -> bool:
            return any(
                r.status is Status.RUNNING and r.worker == doomed_name
                for r in store.runs(job="celery-job", limit=100)
            )

        assert wait_for(doomed_is_running, 60), started.logs()
        started.kill(doomed)
        killed_at = time.monotonic()

        def all_done() -> bool:
            counts = [r.status for r in store.runs(job="celery-job", limit=100)]
            return counts.count(Status.SUCCEEDED) >= 20 and Status.RUNNING not in counts

        assert wait_for(all_done, 120, step=0.5), started.logs()
        time.sleep(1)  # a late duplicate would show up now
        assert survivor.poll() is None, started.logs()
    runs = {r.id: r for r in store.runs(job="celery-job", limit=100)}
    succeeded = [r for r in runs.values() if r.status is Status.SUCCEEDED]
    lost = [r for r in runs.values() if r.status is Status.KILLED]
    assert len(succeeded) == 20, started.logs()
    assert sorted(r.parameters["n"] for r in succeeded) == list(range(20))  # none twice
    assert 1 <= len(lost) <= 2 and {r.error_class for r in lost} == {LOST}
    leases = Leases(store)
    for run in lost:
        lease = leases.get(run.id)
        assert lease is not None and runs[lease.replaced_by].status is Status.SUCCEEDED  # type: ignore[index]
        assert run.worker == doomed_name
    assert {r.worker for r in succeeded} >= {f"{socket.gethostname()}:{survivor.pid}"}
    assert set(runs) == {r.id for r in queued} | {leases.get(r.id).replaced_by for r in lost}  # type: ignore[union-attr]
    assert time.monotonic() - killed_at < 120
