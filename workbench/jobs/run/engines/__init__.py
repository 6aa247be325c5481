"""Engines execute queued runs: ``local`` (threads and warm kernels in this process) or
``celery`` (tasks on Celery workers, through Redis or RabbitMQ).

An engine is small: :meth:`Engine.submit` hands it the id of a run recorded as ``queued``
(the run's timeout travels in its lease, see :mod:`workbench.jobs.run.leases`), and
:attr:`Engine.active` says which runs it holds in this process. :meth:`Engine.enqueue`
records a run and submits it. Engines are found by name in a registry, as papermill finds
its engines: the built-ins are registered like a plugin's, and a package may add one
through the entry-point group ``workbench.engines``.

Example:
    >>> sorted(engine_names())[:2]
    ['celery', 'local']
    >>> get_engine("locl")
    Traceback (most recent call last):
    ...
    workbench.errors.ConfigError: no engine named 'locl'; did you mean 'local'?
"""

from __future__ import annotations

import difflib
import importlib
import threading
import time
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.errors import ConfigError, JobError

if TYPE_CHECKING:
    from workbench.jobs.run.prepare import PreparedRun
    from workbench.jobs.run.record import Run
    from workbench.jobs.run.store import RunStore

ENTRY_POINT_GROUP = "workbench.engines"


class Engine:
    """Executes runs handed over by id."""

    name: ClassVar[str] = ""
    redelivers: ClassVar[bool] = False
    """True when a run whose worker died is delivered again without help (a broker)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def submit(self, run_id: str) -> None:
        """Hand over queued run ``run_id`` for execution."""
        raise NotImplementedError(f"{type(self).__name__}.submit")

    @property
    def active(self) -> set[str]:
        """The runs this engine holds in this process: waiting or executing."""
        return set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no run is active here; False if ``timeout`` passed first."""
        return True

    def serve(self, stop: threading.Event) -> int:
        """Execute runs in this process until ``stop`` is set; the exit code.

        The local engine executes on its own threads, so this only waits; the celery
        engine runs a Celery worker here.
        """
        while not stop.wait(0.5):
            pass
        return 0

    def interrupt(self) -> None:
        """Stop the runs this engine executes in this process, if it can (Ctrl-C)."""

    def close(self) -> None:
        """Release threads, kernels and connections."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def enqueue(
        self,
        notebook: str | Path | PreparedRun,
        parameters: Mapping[str, Any] | None = None,
        *,
        job: str | None = None,
        timeout: float | None = None,
        output: str | Path | None = None,
    ) -> Run:
        """Record a queued run of ``notebook`` (prepared first: parameters and timeout
        checked, see :func:`~workbench.jobs.run.prepare.prepare_run`) and submit it."""
        from workbench.jobs.run.leases import Leases
        from workbench.jobs.run.prepare import PreparedRun, prepare_run
        from workbench.jobs.run.record import Run

        if isinstance(notebook, PreparedRun):
            prepared = notebook
        else:
            prepared = prepare_run(notebook, parameters, job=job, timeout=timeout)
        run = Run.new(str(prepared.path), job=prepared.job, parameters=prepared.parameters)
        if output is not None:
            run.output = str(Path(output).expanduser().resolve())
        self.store.add(run)
        Leases(self.store).offer(run.id, timeout=prepared.timeout)
        self.submit(run.id)
        return run

    def run(
        self,
        prepared: PreparedRun,
        *,
        output: str | Path | None = None,
        poll: float = 0.05,
    ) -> Run:
        """Queue ``prepared``, wait for it to end, and return its final record.

        Interrupted (Ctrl-C), the engine stops the run where it can and records how it ended.
        """
        run = self.enqueue(prepared, output=output)
        try:
            while True:
                current = self.store.get(run.id)
                if current.status.finished:
                    return current
                self.wait_for(run.id, poll)
        except KeyboardInterrupt:
            self.interrupt()
            raise

    def wait_for(self, run_id: str, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for run ``run_id`` to end (engines may wake early)."""
        time.sleep(timeout)


EngineFactory = Callable[..., Engine]
_engines: dict[str, EngineFactory | str] = {
    "local": "workbench.jobs.run.engines.local:LocalEngine",
    "celery": "workbench.jobs.run.engines.celery:CeleryEngine",
}
_plugins_loaded = False


def register_engine(name: str, factory: EngineFactory | str) -> None:
    """Make ``factory`` (or ``"module:attribute"``, imported when first used) engine ``name``."""
    _engines[name] = factory


def engine_names() -> list[str]:
    """The names of the known engines."""
    _load_plugins()
    return sorted(_engines)


def get_engine(name: str, store: RunStore | None = None, **options: Any) -> Engine:
    """A new engine ``name`` on ``store`` (the configured run store by default)."""
    _load_plugins()
    factory = _engines.get(name)
    if factory is None:
        close = difflib.get_close_matches(name, list(_engines), n=2)
        hint = "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""
        raise ConfigError(f"no engine named {name!r}{hint}")
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as exc:
            raise JobError(f"engine {name!r} cannot be loaded from {module}: {exc}") from None
        _engines[name] = factory
    if store is None:
        from workbench.jobs.run.store import default_store

        store = default_store()
    engine: Engine = factory(store, **options)
    return engine


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for point in entry_points(group=ENTRY_POINT_GROUP):
        _engines.setdefault(point.name, point.value)
