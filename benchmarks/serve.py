"""The orders API (notebooks/scenarios/orders_api.ipynb) served four ways, under one load.

Each server runs in a process of its own on a loopback port; Debian's ``wrk`` sends
``GET /orders?status=shipped&limit=10`` from 4 connections for ``SECONDS`` each (its own
process, so the load generator is not the bottleneck), after a warm-up. Measured in one run:

- ``wb serve``: warm sessions (the default), 2 kernels that ran the notebook's setup cell;
- ``wb serve --isolate``: a fresh warm kernel per request, 2 kept ready;
- ``kernel gateway``: Jupyter Kernel Gateway in notebook-http mode with 2 prespawned
  kernels, serving a copy of the notebook written its way (the setup cell unannotated, the
  request cell under ``# GET /orders``), installed into this environment from PyPI when
  missing;
- ``floor``: a bare starlette endpoint running the same query and the same JSON records.

Printed: requests/s, p50 and p99 of each, and the ratios. Goals: ``wb serve`` at least 1.5x
Kernel Gateway's requests/s and at least 0.25x the floor's, with a p99 under 100 ms.

    python benchmarks/serve.py [SECONDS]
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import nbformat

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "scenarios" / "orders_api.ipynb"
BIN = Path(sys.executable).parent
CONNECTIONS = 4
KERNELS = 2
PATH = "/orders?status=shipped&limit=10"
SQL = (
    "select id, customer_id, status, ordered_at, shipped_at, total from orders"
    " where status = :status order by ordered_at desc, id limit :limit"
)
GOAL_GATEWAY = 1.5
GOAL_FLOOR = 0.25
GOAL_P99_MS = 100.0
WARM, ISOLATE, GATEWAY, FLOOR_NAME = (
    "wb serve",
    "wb serve --isolate",
    "kernel gateway",
    "floor: starlette + query",
)

FLOOR = f"""
import sys
import pandas as pd
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

import workbench as wb
from workbench.jobs.serve.respond import to_json

shop = wb.connect("shop")


async def orders(request):
    status, limit = request.query_params["status"], int(request.query_params["limit"])
    frame = shop.query({SQL!r}, status=status, limit=limit).df
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
    return JSONResponse(to_json(frame))


app = Starlette(routes=[Route("/orders", orders)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False)
"""

GATEWAY_SETUP = (
    'import json\n\nimport pandas as pd\n\nimport workbench as wb\n\nshop = wb.connect("shop")'
)
GATEWAY_REQUEST = f"""# GET /orders
args = json.loads(REQUEST).get("args", {{}})
status = args.get("status", ["shipped"])[0]
limit = int(args.get("limit", ["10"])[0])
frame = shop.query({SQL!r}, status=status, limit=limit).df
frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
print(frame.to_json(orient="records", date_format="iso"))"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], port: int, env: dict[str, str], log: Path) -> Iterator[str]:
    """``command`` started in a process of its own; yields its URL once it answers."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, env=env, cwd=NOTEBOOK.parent)
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(url + PATH, timeout=30, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk(url: str, seconds: float) -> dict[str, float]:
    """One wrk run against ``url``: requests/s, p50 and p99 in ms, non-2xx answers."""
    binary = shutil.which("wrk")
    if binary is None:
        sys.exit("serve: the load generator wrk is not installed (apt-get install wrk)")
    command = [binary, "-t1", f"-c{CONNECTIONS}", f"-d{seconds:.0f}s", "--timeout", "60s"]
    command += ["--latency", url + PATH]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": rate,
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
        "non2xx": float(errors.group(1)) if errors else 0.0,
    }


def _latency(out: str, mark: str) -> float:
    found = re.search(rf"{mark}\s+([\d.]+)(us|ms|s)\b", out)
    if found is None:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def gateway_notebook(folder: Path) -> Path:
    setup = nbformat.v4.new_code_cell(GATEWAY_SETUP)
    request = nbformat.v4.new_code_cell(GATEWAY_REQUEST)
    nb = nbformat.v4.new_notebook(cells=[setup, request])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "orders_gateway.ipynb"
    nbformat.write(nb, path)
    return path


def kernel_gateway() -> Path:
    """The ``jupyter-kernelgateway`` command, installed from PyPI when missing."""
    command = BIN / "jupyter-kernelgateway"
    if not command.exists():
        print("installing jupyter_kernel_gateway from PyPI into this environment", flush=True)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "jupyter_kernel_gateway"]
        subprocess.run(pip, check=True)
    return command


def commands(scratch: Path) -> dict[str, tuple[list[str], int]]:
    ports = {name: free_port() for name in ("warm", "isolate", "gateway", "floor")}
    wb = [str(BIN / "wb"), "serve", str(NOTEBOOK), "--route", "/orders", "--no-auth"]
    wb += ["--pool", str(KERNELS), "--quiet"]
    floor_script = scratch / "floor.py"
    floor_script.write_text(FLOOR, encoding="utf-8")
    gateway = [
        str(kernel_gateway()),
        "--KernelGatewayApp.api=kernel_gateway.notebook_http",
        f"--KernelGatewayApp.seed_uri={gateway_notebook(scratch)}",
        f"--KernelGatewayApp.prespawn_count={KERNELS}",
        "--KernelGatewayApp.ip=127.0.0.1",
        f"--KernelGatewayApp.port={ports['gateway']}",
    ]
    return {
        "wb serve": ([*wb, "--port", str(ports["warm"])], ports["warm"]),
        "wb serve --isolate": (
            [*wb, "--isolate", "--port", str(ports["isolate"])],
            ports["isolate"],
        ),
        "kernel gateway": (gateway, ports["gateway"]),
        "floor: starlette + query": (
            [sys.executable, str(floor_script), str(ports["floor"])],
            ports["floor"],
        ),
    }


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    with tempfile.TemporaryDirectory(prefix="wb-bench-serve-") as folder:
        return run(seconds, Path(folder))


def run(seconds: float, scratch: Path) -> int:
    env = {
        **os.environ,
        "WORKBENCH_DATA_DIR": str(scratch / "data"),
        "WORKBENCH_CONFIG_DIR": str(scratch / "config"),
        "WORKBENCH_RUN_STORE": str(scratch / "runs.db"),
    }
    print(f"GET {PATH} from wrk, {CONNECTIONS} connections, {seconds:.0f} s; {KERNELS} kernels; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'server':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}")
    figures: dict[str, dict[str, Any]] = {}
    for name, (command, port) in commands(scratch).items():
        with server(command, port, env, scratch / f"{port}.log") as url:
            answer = httpx.get(url + PATH, timeout=60, trust_env=False).json()
            if not answer or {row["status"] for row in answer} != {"shipped"}:
                raise RuntimeError(f"{name} answered wrongly: {json.dumps(answer)[:300]}")
            wrk(url, 2)  # warm-up
            figures[name] = found = wrk(url, seconds)
        print(f"{name:<28}{found['rate']:>10.1f}{found['p50']:>10.1f}{found['p99']:>10.1f}"
              f"{found['non2xx']:>9.0f}")  # fmt: skip
    warm, gateway, floor = (
        figures["wb serve"],
        figures["kernel gateway"],
        figures["floor: starlette + query"],
    )
    versus_gateway = warm["rate"] / gateway["rate"]
    versus_floor = warm["rate"] / floor["rate"]
    print(f"wb serve / kernel gateway:       {versus_gateway:8.2f}x req/s")
    print(f"wb serve / floor:                {versus_floor:8.2f}x req/s")
    isolated = figures[ISOLATE]["rate"]
    print(f"wb serve / wb serve --isolate:   {warm['rate'] / max(isolated, 1e-9):8.1f}x req/s")
    ok = (
        versus_gateway >= GOAL_GATEWAY
        and versus_floor >= GOAL_FLOOR
        and warm["p99"] < GOAL_P99_MS
        and warm["non2xx"] == 0
    )
    print(
        f"goal (>= {GOAL_GATEWAY}x kernel gateway, >= {GOAL_FLOOR}x floor, p99 < "
        f"{GOAL_P99_MS:.0f} ms): {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
