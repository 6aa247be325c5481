"""Notebook run latency: a `run_notebook` request to its first cell executing, on a warm
kernel from a `KernelPool`, against plain `papermill.execute_notebook` in the same process.

The notebook is trivial: its first cell records `time.time()`; a parameter is injected
after it, as in a real job. Latency is the time from just before the call to that
timestamp. Warm runs wait until the pool is full again before each request, so each one
measures a ready kernel; the cold path (no pool) and papermill start a kernel per run. Then
throughput: trivial runs back to back for a fixed time, warm (the pool refills in the
background) vs cold. Goal: warm p50 <= 100 ms.

    python benchmarks/run_latency.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="wb-bench-"))
os.environ["WORKBENCH_CONFIG_DIR"] = str(HOME / "config")  # never the user's folders
os.environ["WORKBENCH_DATA_DIR"] = str(HOME / "data")

import nbformat  # noqa: E402
import papermill  # noqa: E402

from workbench.jobs.run.kernels import KernelPool  # noqa: E402
from workbench.jobs.run.runner import run_notebook  # noqa: E402
from workbench.jobs.run.store import RunStore  # noqa: E402

GOAL_MS = 100.0
WARM_RUNS = 30
COLD_RUNS = 8
WARMUP = 3
THROUGHPUT_SECONDS = 10.0


def trivial_notebook(folder: Path) -> Path:
    first = nbformat.v4.new_code_cell("import time\n\nstarted = time.time()\nprint(repr(started))")
    parameters = nbformat.v4.new_code_cell("requested = 0.0")
    parameters.metadata["tags"] = ["parameters"]
    last = nbformat.v4.new_code_cell("print(started - requested)")
    nb = nbformat.v4.new_notebook(cells=[first, parameters, last])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "trivial.ipynb"
    nbformat.write(nb, path)
    return path


def first_cell_ms(output: Path, requested: float) -> float:
    nb = nbformat.read(output, as_version=4)
    return (float(nb.cells[0].outputs[0].text) - requested) * 1000


def measure(
    runs: int, once: Callable[[float, Path], None], before: Callable[[], None]
) -> list[float]:
    """Latencies (ms) of ``runs`` calls of ``once(requested, output)`` after ``WARMUP`` more."""
    latencies = []
    for i in range(WARMUP + runs):
        before()
        output = HOME / "out" / f"{i}.ipynb"
        requested = time.time()
        once(requested, output)
        if i >= WARMUP:
            latencies.append(first_cell_ms(output, requested))
    return latencies


def throughput(once: Callable[[float, Path], None]) -> float:
    """Trivial runs per minute, one after another for ``THROUGHPUT_SECONDS``."""
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < THROUGHPUT_SECONDS:
        once(time.time(), HOME / "out" / "throughput.ipynb")
        done += 1
    return done * 60 / (time.perf_counter() - started)


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> int:
    notebook = trivial_notebook(HOME)
    store = RunStore(HOME / "runs.db")

    def baseline(requested: float, output: Path) -> None:
        papermill.execute_notebook(
            notebook,
            output,
            parameters={"requested": requested},
            kernel_name="python3",
            progress_bar=False,
        )

    def cold(requested: float, output: Path) -> None:
        run = run_notebook(notebook, {"requested": requested}, output=output, store=store)
        run.raise_for_status()

    with KernelPool(size=2) as pool:

        def warm(requested: float, output: Path) -> None:
            run = run_notebook(
                notebook, {"requested": requested}, output=output, store=store, pool=pool
            )
            run.raise_for_status()

        def refilled() -> None:
            pool.wait_full(60)

        warm_ms = measure(WARM_RUNS, warm, refilled)
        warm_rate = throughput(warm)
    base_ms = measure(COLD_RUNS, baseline, lambda: None)
    cold_ms = measure(COLD_RUNS, cold, lambda: None)
    cold_rate = throughput(cold)
    store.close()

    warm_p50, base_p50, cold_p50 = (statistics.median(v) for v in (warm_ms, base_ms, cold_ms))
    print(f"cores: {os.cpu_count()}   runs: {WARM_RUNS} warm, {COLD_RUNS} cold and papermill")
    print("request -> first cell executing:")
    print(f"  papermill.execute_notebook p50:  {base_p50:8.1f} ms  (baseline)")
    print(f"  run_notebook, cold kernel p50:   {cold_p50:8.1f} ms")
    print(f"  run_notebook, warm pool p50:     {warm_p50:8.1f} ms  (p90 {p(warm_ms, 90):.1f} ms)")
    print(f"  ratio warm / baseline:           {warm_p50 / base_p50:8.3f}x")
    print(f"trivial runs per minute, back to back for {THROUGHPUT_SECONDS:.0f} s:")
    print(f"  cold (a kernel per run):         {cold_rate:8.1f}")
    print(f"  warm (pool of 2, refilling):     {warm_rate:8.1f}  ({warm_rate / cold_rate:.2f}x)")
    ok = warm_p50 <= GOAL_MS
    print(f"goal (warm p50 <= {GOAL_MS:.0f} ms):       {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        code = main()
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
    sys.exit(code)
