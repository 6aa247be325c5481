"""Notebooks as jobs: running them, scheduling them, serving them.

=============================  ==========================================================
module                         what it holds
=============================  ==========================================================
``run.prepare``                :func:`prepare_run`: the notebook loaded, parameters and
                               timeout checked, before any kernel (every run goes here)
``run.parameters``             the ``parameters`` cell read with ``ast``; values checked
``run.record``                 :class:`Run`, one run's record, and its :class:`Status`
``run.store``                  :class:`RunStore`: SQLite by default, PostgreSQL from config
``run.kernels``                :class:`KernelPool` of started kernels; cold starts
``run.papermill_engine``       the papermill engine that executes on a started kernel
``run.outputs``                the executed notebook: first error; redacted, written atomically
``run.secrets``                the secret values a run could reveal, registered before it starts
``run.runner``                 :func:`run_notebook`: a prepared run executed and recorded
``run.leases``                 run leases and their heartbeat; taking over a lost run
``run.execution``              executing a queued run once, whoever delivers it
``run.engines``                where runs execute: ``local`` (threads, warm kernels), ``celery``
``run.preload``                warming pool kernels with the notebook's imports
``schedule.cron``              :class:`Schedule`: cron slots, timezones, the misfire policies
``schedule.schedules``         schedules as bindings of a notebook to the cron source
``schedule.worker``            ``wb worker``: reads every bound source (the schedules' among
                               them), dispatches the events, runs the notebooks
``serve.app``                  the HTTP app that runs a notebook per request (``wb serve``)
``serve.spec``                 the OpenAPI document of a served notebook
``serve.http_server``          host, token and route rules; running the app with uvicorn
``serve.respond``              :func:`respond`: a served notebook's HTTP response
=============================  ==========================================================

Example:
    >>> from workbench import jobs
    >>> jobs.Status.TIMED_OUT.finished
    True
"""

import typing as _typing

from workbench.lazy import lazy_getattr as _lazy_getattr

_EXPORTS = {
    "KernelPool": "workbench.jobs.run.kernels",
    "Run": "workbench.jobs.run.record",
    "RunStore": "workbench.jobs.run.store",
    "Status": "workbench.jobs.run.record",
    "run_notebook": "workbench.jobs.run.runner",
}

__all__ = ["KernelPool", "Run", "RunStore", "Status", "run_notebook"]

if _typing.TYPE_CHECKING:
    from workbench.jobs.run.kernels import KernelPool
    from workbench.jobs.run.record import Run, Status
    from workbench.jobs.run.runner import run_notebook
    from workbench.jobs.run.store import RunStore


__getattr__ = _lazy_getattr(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)
