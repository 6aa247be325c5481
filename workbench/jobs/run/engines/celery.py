"""The Celery engine: runs are Celery tasks, spread over workers through Redis or RabbitMQ.

The scheduler *publishes*: a task message carries only the run id. Celery workers
*execute*: each loads the run from the shared run store and executes it with an
:class:`~workbench.jobs.run.execution.Executor`, which writes the record back there (no Celery
result backend). Tasks are acknowledged late, rejected when their worker is lost, and
prefetched one at a time, so the task of a worker that dies is delivered again; the
executor makes any repeated delivery harmless (a finished run is left alone, a live one
too, a lost one is recorded and re-run once).

The broker comes from ``WORKBENCH_CELERY_BROKER`` or workbench.toml::

    [jobs]
    broker = "redis://127.0.0.1:6379/0"        # or "amqp://guest:guest@127.0.0.1:5672//"
    queue = "workbench"                        # the task queue (WORKBENCH_CELERY_QUEUE)
    visibility_timeout = 3600                  # Redis: seconds before an unacknowledged
                                               # task is delivered again

``wb worker --engine celery`` starts a worker in the foreground (threads, warm kernels);
``celery -A workbench.jobs.run.engines.celery worker`` works too.

Example:
    >>> settings = CelerySettings("redis://127.0.0.1:6379/5", queue="etl")
    >>> make_app(settings).conf.task_default_queue
    'etl'
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery  # type: ignore[import-untyped]

from workbench import paths
from workbench.config.interpolate import resolve
from workbench.errors import ConfigError
from workbench.jobs.run.engines import Engine
from workbench.jobs.run.execution import DEFAULT_TTL, Executor
from workbench.jobs.run.papermill_engine import close_thread_loop
from workbench.jobs.run.record import worker_name
from workbench.jobs.run.store import RunStore
from workbench.redaction import get_logger, register_secret

log = get_logger(__name__)

ENV_BROKER = "WORKBENCH_CELERY_BROKER"
ENV_QUEUE = "WORKBENCH_CELERY_QUEUE"
ENV_VISIBILITY = "WORKBENCH_CELERY_VISIBILITY_TIMEOUT"
DEFAULT_QUEUE = "workbench"
DEFAULT_VISIBILITY = 3600.0
TASK = "workbench.run"


@dataclass(frozen=True)
class CelerySettings:
    """Where the tasks go: the broker URL, the queue, Redis's visibility timeout."""

    broker: str
    queue: str = DEFAULT_QUEUE
    visibility_timeout: float = DEFAULT_VISIBILITY
    source: str = "the Celery settings"

    @property
    def display_broker(self) -> str:
        """The broker URL without its password."""
        from kombu.utils.url import maybe_sanitize_url

        return str(maybe_sanitize_url(self.broker))


def celery_settings(start: Path | None = None) -> CelerySettings:
    """The settings from the environment, else ``[jobs]`` in workbench.toml files."""
    found: dict[str, Any] = {}
    source = "[jobs] in workbench.toml"
    for path in (paths.user_file(), paths.project_file(start)):
        if path is not None and path.is_file():
            jobs = _jobs_table(path)
            found.update({k: (v, f"{path}: [jobs] {k}") for k, v in jobs.items()})
    for key, variable in (
        ("broker", ENV_BROKER),
        ("queue", ENV_QUEUE),
        ("visibility_timeout", ENV_VISIBILITY),
    ):
        if os.environ.get(variable):
            found[key] = (os.environ[variable], variable)
    if "broker" not in found:
        raise ConfigError(
            f"the celery engine needs a broker: set {ENV_BROKER} or broker in the [jobs] table "
            'of workbench.toml (e.g. broker = "redis://127.0.0.1:6379/0")'
        )
    broker, source = found["broker"]
    if not isinstance(broker, str) or not broker.startswith(("redis://", "rediss://", "amqp")):
        raise ConfigError(f"{source}: expected a redis:// or amqp:// URL")
    queue, where = found.get("queue", (DEFAULT_QUEUE, source))
    if not isinstance(queue, str) or not queue:
        raise ConfigError(f"{where}: expected a queue name")
    timeout, where = found.get("visibility_timeout", (DEFAULT_VISIBILITY, source))
    try:
        visibility = float(timeout)
    except (TypeError, ValueError):
        visibility = 0.0
    if not visibility > 0:
        raise ConfigError(f"{where}: expected a number of seconds above 0, got {timeout!r}")
    _register_password(broker)
    return CelerySettings(broker, queue, visibility, source)


def _jobs_table(path: Path) -> dict[str, Any]:
    from workbench.config.entries import read_table

    jobs = read_table(path, "jobs")
    wanted = {k: v for k, v in jobs.items() if k in ("broker", "queue", "visibility_timeout")}
    if "broker" in wanted:
        from workbench.config.secrets import default_secret_store

        wanted["broker"] = resolve(
            wanted["broker"],
            where=f"{path}: [jobs] broker",
            secrets=lambda name: default_secret_store().get(name),
        )
    return wanted


def _register_password(url: str) -> None:
    from kombu.utils.url import url_to_parts

    password = url_to_parts(url).password
    if password:
        register_secret(password)


def make_app(settings: CelerySettings | None = None) -> Celery:
    """A Celery app for ``settings`` (read when first needed), with the run task."""
    app = Celery("workbench", set_as_current=False)
    app.add_defaults(lambda: _conf(settings or celery_settings()))
    app.task(name=TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)(run_task)
    return app


def _conf(settings: CelerySettings) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "broker_url": settings.broker,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": settings.queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "task_ignore_result": True,
        "worker_prefetch_multiplier": 1,
        "worker_enable_remote_control": False,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "task_serializer": "json",
        "accept_content": ["json"],
    }
    if settings.broker.startswith("redis"):
        conf["broker_transport_options"] = {
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": max(1.0, min(10.0, settings.visibility_timeout / 2)),
            "unacked_restore_throttle": 1,
        }
    return conf


# ---------------------------------------------------------------- the worker side

_lock = threading.Lock()
_executor: Executor | None = None
_options: dict[str, Any] = {"ttl": DEFAULT_TTL, "size": 2}


def run_task(run_id: str) -> str | None:
    """The task: execute run ``run_id`` from the run store; how it ended (None: not here)."""
    try:
        run = _worker_executor().execute(run_id)
    finally:
        close_thread_loop()
    return None if run is None else run.status.value


def _worker_executor() -> Executor:
    global _executor
    with _lock:
        if _executor is None:
            from workbench.jobs.run.kernels import KernelPool
            from workbench.jobs.run.store import default_store

            pool = KernelPool(int(_options["size"]))
            _executor = Executor(default_store(), ttl=float(_options["ttl"]), pool=pool)
        return _executor


class CeleryEngine(Engine):
    """Publishes runs as tasks to the broker; :meth:`serve` executes them here too."""

    name = "celery"
    redelivers = True

    def __init__(
        self,
        store: RunStore,
        *,
        settings: CelerySettings | None = None,
        size: int = 2,
        ttl: float = DEFAULT_TTL,
        worker: str | None = None,
    ) -> None:
        super().__init__(store)
        self.settings = settings or celery_settings()
        self.app = make_app(self.settings)
        self.size = size
        self.ttl = ttl
        self.worker = worker or worker_name()

    def __repr__(self) -> str:
        return f"CeleryEngine({self.settings.display_broker!r}, queue={self.settings.queue!r})"

    def submit(self, run_id: str) -> None:
        """Publish the task of run ``run_id``."""
        self.app.send_task(TASK, args=[run_id], queue=self.settings.queue)

    def serve(self, stop: threading.Event) -> int:
        """Run a Celery worker in this thread (the main one) until ``stop`` is set or a
        signal stops it; ``size`` threads, each run on a warm kernel. Its exit code."""
        from celery.signals import worker_ready  # type: ignore[import-untyped]

        _options.update(size=self.size, ttl=self.ttl)
        ready, finished = threading.Event(), threading.Event()

        def on_ready(**_: Any) -> None:
            ready.set()

        worker_ready.connect(on_ready, weak=False)
        watcher = threading.Thread(
            target=_stop_when,
            args=(stop, ready, finished),
            name="workbench-celery-stop",
            daemon=True,
        )
        watcher.start()
        worker = self.app.Worker(
            hostname=f"workbench-{os.getpid()}@{socket.gethostname()}",
            pool="threads",
            concurrency=self.size,
            queues=[self.settings.queue],
            loglevel="INFO",
            quiet=True,
            without_heartbeat=True,
            without_gossip=True,
            without_mingle=True,
            redirect_stdouts=False,
        )
        try:
            worker.start()
        finally:
            finished.set()
            ready.set()
            stop.set()
            worker_ready.disconnect(on_ready)
            _close_executor()
        return int(worker.exitcode or 0)

    def close(self) -> None:
        """Close the connections to the broker."""
        self.app.close()


def _stop_when(stop: threading.Event, ready: threading.Event, finished: threading.Event) -> None:
    """Once ``stop`` is set, ask the worker (in the main thread) for a warm shutdown."""
    stop.wait()
    ready.wait()
    if not finished.is_set():
        os.kill(os.getpid(), signal.SIGTERM)


def _close_executor() -> None:
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        if executor.pool is not None:
            executor.pool.close()
        executor.close()


app = make_app()
"""The app ``celery -A workbench.jobs.run.engines.celery worker`` finds; configured lazily."""
