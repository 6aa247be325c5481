"""The orders API (notebooks/scenarios/orders_api.ipynb) served by ``wb serve``, under load.

Clients send ``GET /orders?status=...&limit=10`` over real HTTP to a server in this process
(uvicorn on a loopback port), in two loads: four concurrent clients sending back to back
(on a small machine this saturates the CPU: every request costs a kernel start), then one
client pacing its requests (a pause between them, as a lightly used API sees). Measured in
the same run, against two named baselines serving the same answer:

- ``floor``: a plain starlette endpoint calling ``wb.connect("shop").query(...)`` itself:
  the cost of the query and HTTP alone, no notebook.
- ``papermill``: a starlette endpoint running the notebook with plain
  ``papermill.execute_notebook`` per request (a kernel started for each), then reading the
  response from the output notebook: what serving a notebook costs without warm kernels.

Printed: requests/s and p50 / p99 latency of each, and the ratios. Goals: paced, the p50
latency of ``wb serve`` is at most a tenth of papermill's (a warm kernel skips the kernel
start and the imports); with four concurrent clients it keeps up with papermill per request
(at least 0.9x its requests/s: both are bound by starting a kernel per request).

    python benchmarks/serve.py [REQUESTS]        # concurrent requests to wb serve (default 40)
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "scenarios" / "orders_api.ipynb"
CLIENTS = 4
POOL = 2  # wb serve's default
TOKEN = "benchmark-token-0123456789abcdef"  # noqa: S105 - a throwaway for this run
STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")
PACE = 2.5  # seconds between the paced client's requests
PACED = 6  # requests the paced client sends
GOAL_THROUGHPUT = 0.9
GOAL_PACED_P50 = 0.1


@contextmanager
def running(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a thread; yields its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def load(
    url: str, requests: int, clients: int = CLIENTS, pause: float = 0.0
) -> tuple[float, list[float]]:
    """``requests`` GETs from ``clients`` concurrent clients, each pausing ``pause`` seconds
    after each answer: (requests/s, latencies in seconds)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}

    def client(index: int) -> list[float]:
        times = []
        with httpx.Client(base_url=url, headers=headers, timeout=300) as http:
            for n in range(index, requests, clients):
                status = STATUSES[n % len(STATUSES)]
                started = time.perf_counter()
                response = http.get("/orders", params={"status": status, "limit": "10"})
                times.append(time.perf_counter() - started)
                rows = response.json()
                if response.status_code != 200 or {r["status"] for r in rows} != {status}:
                    raise RuntimeError(f"wrong answer: {response.status_code} {response.text}")
                time.sleep(pause)
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [t for times in pool.map(client, range(clients)) for t in times]
    return requests / (time.perf_counter() - started), latencies


def floor_app() -> Any:
    """The same query and JSON records, answered by a plain starlette endpoint."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    import workbench as wb
    from workbench.jobs.serve.respond import to_json

    sql = (
        "select id, customer_id, status, ordered_at, shipped_at, total from orders"
        " where status = :status order by ordered_at desc, id limit :limit"
    )

    def answer(status: str, limit: int) -> Any:
        import pandas as pd

        orders = wb.connect("shop").query(sql, status=status, limit=limit).df
        orders["ordered_at"] = pd.to_datetime(orders["ordered_at"])
        orders["shipped_at"] = pd.to_datetime(orders["shipped_at"])
        return to_json(orders)

    async def orders(request: Request) -> JSONResponse:
        status, limit = request.query_params["status"], int(request.query_params["limit"])
        return JSONResponse(answer(status, limit))

    return Starlette(routes=[Route("/orders", orders)])


def papermill_app(folder: Path) -> Any:
    """The notebook run by plain papermill per request, a kernel started for each."""
    import json

    import anyio
    import papermill
    from jupyter_core.utils import ensure_event_loop
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from workbench.jobs.serve.respond import find_response

    def run(status: str, limit: int) -> Any:
        loop = ensure_event_loop()
        output = Path(tempfile.mkstemp(suffix=".ipynb", dir=folder)[1])
        try:
            papermill.execute_notebook(
                str(NOTEBOOK),
                str(output),
                parameters={"status": status, "limit": limit},
                progress_bar=False,
                cwd=str(NOTEBOOK.parent),
            )
            return find_response(json.loads(output.read_text()))
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            output.unlink()

    async def orders(request: Request) -> JSONResponse:
        status, limit = request.query_params["status"], int(request.query_params["limit"])
        payload = await anyio.to_thread.run_sync(run, status, limit)
        return JSONResponse(payload["body"], payload["status"])

    return Starlette(routes=[Route("/orders", orders)])


def measure(name: str, url: str, requests: int, *, paced: bool = False) -> tuple[float, float]:
    """Print and return requests/s and p50 ms of one load against ``url``."""
    if paced:
        rate, latencies = load(url, requests, clients=1, pause=PACE)
    else:
        rate, latencies = load(url, requests)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    p50, p99 = statistics.median(latencies) * 1000, cuts[98] * 1000
    shown = "-" if paced else f"{rate:.2f}"
    print(f"{name:<36}{requests:>6}{shown:>10}{p50:>10.0f}{p99:>10.0f}")
    return rate, p50


def main() -> int:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory(prefix="wb-bench-serve-") as folder:
        return run(requests, Path(folder))


def run(requests: int, scratch: Path) -> int:
    os.environ["WORKBENCH_DATA_DIR"] = str(scratch / "data")  # run outputs and the sample db
    os.environ["WORKBENCH_CONFIG_DIR"] = str(scratch / "config")
    os.environ["WORKBENCH_RUN_STORE"] = str(scratch / "runs.db")
    from workbench.jobs.serve.app import create_app

    apps = {
        "floor: starlette + query": floor_app,
        f"wb serve --pool {POOL}": lambda: create_app(
            NOTEBOOK, token=TOKEN, route="/orders", pool_size=POOL
        ),
        "papermill per request": lambda: papermill_app(scratch),
    }
    counts = {"floor": requests * 25, "wb": requests, "papermill": 12}
    figures: dict[str, dict[str, tuple[float, float]]] = {}
    print(f"GET /orders?status=...&limit=10 over loopback HTTP; {os.cpu_count()} CPUs")
    print(f"{'load and server':<36}{'reqs':>6}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, make in apps.items():
        key = name.split()[0].rstrip(":")
        with running(make()) as url:
            load(url, CLIENTS)  # warm: the first requests pay imports and the sample database
            concurrent = measure(f"{CLIENTS} clients: {name}", url, counts[key])
            time.sleep(PACE)  # let a pool refill
            paced = measure(f"paced:     {name}", url, PACED, paced=True)
        figures[key] = {"concurrent": concurrent, "paced": paced}
    wb, floor, plain = figures["wb"], figures["floor"], figures["papermill"]
    throughput = wb["concurrent"][0] / plain["concurrent"][0]
    paced_p50 = wb["paced"][1] / plain["paced"][1]
    print(f"{CLIENTS} clients, wb serve / papermill:   {throughput:8.3f}x req/s  "
          f"{wb['concurrent'][1] / plain['concurrent'][1]:8.3f}x p50")  # fmt: skip
    print(f"{CLIENTS} clients, wb serve / floor:       "
          f"{wb['concurrent'][0] / floor['concurrent'][0]:8.3f}x req/s  "
          f"{wb['concurrent'][1] / floor['concurrent'][1]:8.1f}x p50")  # fmt: skip
    print(f"paced, wb serve / papermill:       {'':>15}  {paced_p50:8.3f}x p50")
    print(f"paced, wb serve / floor:           {'':>15}  "
          f"{wb['paced'][1] / floor['paced'][1]:8.1f}x p50")  # fmt: skip
    ok = throughput >= GOAL_THROUGHPUT and paced_p50 <= GOAL_PACED_P50
    print(
        f"goal (paced p50 <= {GOAL_PACED_P50:.1f}x papermill's; with {CLIENTS} clients req/s "
        f">= {GOAL_THROUGHPUT:.1f}x papermill's): {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
