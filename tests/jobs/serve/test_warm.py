"""Warm sessions: setup once per kernel, a clean namespace per request, a bounded queue,
kernels replaced when they die, time out or wear out; and a load test with a kernel killed
midway: every request answered, none with another's values, one run record each."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from served import serve_app

from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore
from workbench.jobs.serve.app import RUN_HEADER, create_app

SETUP = "import os, itertools, time\nimport workbench as wb\nserved = itertools.count(1)"
REQUEST = (
    "leftover = globals().get('mine')\n"
    "mine = n\n"
    "time.sleep(pause)\n"
    "wb.respond({'n': n, 'pid': os.getpid(), 'served': next(served), 'leftover': leftover})"
)


def probe(folder: Path) -> Path:
    parameters = nbformat.v4.new_code_cell("n = 0\npause = 0.0")
    parameters.metadata["tags"] = ["parameters"]
    setup = nbformat.v4.new_code_cell(SETUP)
    setup.metadata["tags"] = ["setup"]
    nb = nbformat.v4.new_notebook(
        cells=[parameters, setup, nbformat.v4.new_code_cell(REQUEST)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


@contextmanager
def served(folder: Path, store: RunStore, **options: Any) -> Iterator[httpx.Client]:
    app = create_app(probe(folder), token=None, store=store, **options)
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=120) as client:
        yield client


def test_setup_runs_once_and_every_request_starts_clean(project: Path, store: RunStore) -> None:
    with served(project, store, pool_size=1) as client:
        answers = [client.get("/probe", params={"n": n}).json() for n in range(5)]
    assert [a["n"] for a in answers] == list(range(5))
    assert len({a["pid"] for a in answers}) == 1  # one warm kernel
    assert [a["served"] for a in answers] == [1, 2, 3, 4, 5]  # setup's state, made once
    assert {a["leftover"] for a in answers} == {None}  # nothing left by the request before
    assert len(store.runs(job="probe")) == 5


def test_a_full_queue_answers_429_with_retry_after(project: Path, store: RunStore) -> None:
    with served(project, store, pool_size=1, queue=1) as client, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda n: client.get(f"/probe?n={n}&pause=1"), range(4)))
    codes = Counter(a.status_code for a in answers)
    assert codes[200] >= 2 and codes[429] >= 1, codes
    busy = next(a for a in answers if a.status_code == 429)
    assert busy.headers["retry-after"] == "1" and busy.json()["error"] == "Busy"
    assert store.get(busy.headers[RUN_HEADER]).error_class == "Busy"


def test_worn_and_timed_out_sessions_are_replaced(project: Path, store: RunStore) -> None:
    with served(project, store, pool_size=1, max_requests=2, timeout=2) as client:
        pids = [client.get("/probe", params={"n": n}).json()["pid"] for n in range(2)]
        while True:  # the worn kernel serves on, until its replacement is ready
            pids.append(client.get("/probe", params={"n": len(pids)}).json()["pid"])
            if pids[-1] != pids[0] or len(pids) > 200:
                break
        pids.append(client.get("/probe", params={"n": len(pids)}).json()["pid"])
        slow = client.get("/probe", params={"n": 900, "pause": 30})
        after = client.get("/probe", params={"n": 1000})
    assert pids[0] == pids[1] != pids[-2] == pids[-1]  # a new kernel after two requests
    assert set(pids) == {pids[0], pids[-1]}  # and the worn one left
    assert slow.status_code == 504
    assert after.status_code == 200 and after.json()["n"] == 1000


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_two_thousand_requests_with_a_kernel_killed_midway(project: Path, store: RunStore) -> None:
    total, clients = 2000, 8
    answers: dict[int, httpx.Response] = {}
    lock = threading.Lock()
    killed: list[int] = []
    with served(project, store, pool_size=2) as client:

        def send(first: int) -> None:
            for n in range(first, total, clients):
                response = client.get("/probe", params={"n": n})
                with lock:
                    answers[n] = response
                if len(answers) >= total // 2 and not killed:
                    with lock:
                        if not killed and response.status_code == 200:
                            killed.append(response.json()["pid"])
                            os.kill(killed[0], signal.SIGKILL)

        started = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(send, range(clients)))
        elapsed = time.monotonic() - started
    assert len(answers) == total and killed
    codes = Counter(r.status_code for r in answers.values())
    assert set(codes) <= {200, 429, 503}, codes
    for n, response in answers.items():
        if response.status_code == 200:
            assert response.json()["n"] == n  # never another request's values
            assert response.json()["leftover"] is None
        else:
            assert response.json()["error"] and response.json()["message"]
    runs = store.runs(job="probe", limit=total * 2)
    assert len(runs) == total  # one record per answered request
    assert Counter(r.status is Status.SUCCEEDED for r in runs)[True] == codes[200]
    assert {r.headers[RUN_HEADER] for r in answers.values()} == {r.id for r in runs}
    print(f"\n{total} requests from {clients} clients in {elapsed:.1f} s: {dict(codes)}")
