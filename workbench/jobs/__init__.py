"""Notebooks as jobs: papermill runs, the run store, warm kernels, schedules, workers, serve.

==============  ================================================================
module          what it holds
==============  ================================================================
``parameters``  the ``parameters`` cell read with ``ast``; values checked and converted
``run``         :class:`Run`, one run's record, and its :class:`Status`
``store``       :class:`RunStore`: SQLite by default, PostgreSQL from config; ``METADATA``
``kernels``     :class:`KernelPool` of started kernels; cold starts; killing a kernel
``engine``      the papermill engine that executes on a kernel already started
``outputs``     the executed notebook: its first error; redacted, written atomically
``secrets``     the secret values a run could reveal, registered before it starts
``runner``      :func:`run_notebook`, the whole run from parameters to record
``tables``      the scheduler's tables: schedules, slots, run leases
``schedules``   :class:`Schedule` definitions (cron, timezone, retries, catch-up)
``leases``      run leases and their heartbeat; taking over a lost run
``scheduler``   slots due, the misfire policies, claiming a slot once, retries
``execution``   executing a queued run once, whoever delivers it and how often
``worker``      the ``wb worker`` loop
``engines``     where runs execute: ``local`` (threads, warm kernels), ``celery``
``notify``      the message sent when a scheduled run finally fails
``respond``     :func:`respond`: a served notebook's HTTP response
``serve``       the HTTP app that runs a notebook per request (``wb serve``)
``serve_spec``  the OpenAPI document of a served notebook
``http_server`` host, token and route rules; running the app with uvicorn
``preload``     warming pool kernels with the notebook's imports
==============  ================================================================

Example:
    >>> from workbench import jobs
    >>> jobs.Status.TIMED_OUT.finished
    True
"""

import importlib as _importlib
import typing as _typing

_EXPORTS = {
    "KernelPool": "workbench.jobs.kernels",
    "Run": "workbench.jobs.run",
    "RunStore": "workbench.jobs.store",
    "Status": "workbench.jobs.run",
    "run_notebook": "workbench.jobs.runner",
}

__all__ = ["KernelPool", "Run", "RunStore", "Status", "run_notebook"]

if _typing.TYPE_CHECKING:
    from workbench.jobs.kernels import KernelPool
    from workbench.jobs.run import Run, Status
    from workbench.jobs.runner import run_notebook
    from workbench.jobs.store import RunStore


def __getattr__(name: str) -> _typing.Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'workbench.jobs' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
