"""Bulk API 2.0 query jobs: create, wait for ``JobComplete``, read the CSV result pages.

A job is created with ``POST /services/data/vXX.X/jobs/query``; Salesforce then moves it
through ``UploadComplete`` and ``InProgress`` to ``JobComplete`` (or ``Failed`` /
``Aborted``). Its results are CSV pages: each answer's ``Sforce-Locator`` header names the
next page, ``null`` after the last.

Example:
    >>> from workbench.connectors.salesforce.sandbox import SandboxTransport, SANDBOX_URL
    >>> import httpx
    >>> client = httpx.Client(base_url=SANDBOX_URL, transport=SandboxTransport())
    >>> def send(method, path, params=None, body=None):
    ...     return client.request(method, path, params=params, json=body)
    >>> job = QueryJob(send,
    ...                "/services/data/v62.0", "crm.bulk_query", poll_interval=0.01)
    >>> frame, info = job.run("SELECT Id, Name FROM Account WHERE Rating = 'Hot'", page_size=1)
    >>> frame["Name"].tolist(), info["state"], job.pages
    (['United Oil & Gas Corp.', 'Edge Communications'], 'JobComplete', 2)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.connectors.salesforce.errors import SalesforceError
from workbench.connectors.salesforce.records import csv_frame
from workbench.sdk import progress_bar

if TYPE_CHECKING:
    import httpx
    import pandas as pd

Send = Callable[..., "httpx.Response"]
"""Sends ``(method, path, params=..., body=...)`` (``body`` as JSON); the checked answer."""
WAITING = ("UploadComplete", "InProgress", "Open")
ENDED = ("Failed", "Aborted")


class QueryJob:
    """One Bulk API 2.0 query job, sent through ``send`` under ``data_path``."""

    def __init__(
        self, send: Send, data_path: str, label: str, *, poll_interval: float = 2.0
    ) -> None:
        self.send = send
        self.data_path = data_path
        self.label = label
        self.poll_interval = poll_interval
        self.pages = 0
        self.last: httpx.Response | None = None

    def run(
        self,
        soql: str,
        *,
        include_deleted: bool = False,
        page_size: int | None = None,
        max_wait: float = 3600.0,
    ) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The job's records as a DataFrame (text columns), and the job's last info."""
        operation = "queryAll" if include_deleted else "query"
        created = self.send(
            "POST", f"{self.data_path}/jobs/query", body={"operation": operation, "query": soql}
        ).json()
        info = self.wait(str(created["id"]), max_wait)
        return self.results(info, page_size), info

    def wait(self, job_id: str, max_wait: float) -> dict[str, Any]:
        """Look at the job every ``poll_interval`` seconds until it is complete."""
        deadline = time.monotonic() + max_wait
        while True:
            info: dict[str, Any] = self.send("GET", f"{self.data_path}/jobs/query/{job_id}").json()
            state = str(info.get("state"))
            if state == "JobComplete":
                return info
            if state in ENDED:
                reason = info.get("errorMessage") or "no reason given"
                raise SalesforceError(
                    f"{self.label}: Bulk API query job {job_id} ended {state}: {reason}",
                    code=f"JOB_{state.upper()}",
                )
            if time.monotonic() >= deadline:
                raise SalesforceError(
                    f"{self.label}: Bulk API query job {job_id} is still {state} after "
                    f"{max_wait:g} s; read it later or raise max_wait",
                    code="JOB_TIMEOUT",
                )
            time.sleep(self.poll_interval)

    def results(self, info: dict[str, Any], page_size: int | None) -> pd.DataFrame:
        """Every CSV page of a complete job, followed by ``Sforce-Locator``."""
        path = f"{self.data_path}/jobs/query/{info['id']}/results"
        total = info.get("numberRecordsProcessed")
        texts: list[str] = []
        locator: str | None = None
        with progress_bar(total=total if isinstance(total, int) else None, unit=" records") as bar:
            while True:
                params: dict[str, Any] = {}
                if page_size:
                    params["maxRecords"] = page_size
                if locator:
                    params["locator"] = locator
                answer = self.send("GET", path, params=params)
                self.last, self.pages = answer, self.pages + 1
                texts.append(answer.text)
                count = answer.headers.get("Sforce-NumberOfRecords", "0")
                bar.update(int(count) if count.isdigit() else 0)
                locator = answer.headers.get("Sforce-Locator")
                if not locator or locator == "null":
                    return csv_frame(texts)
