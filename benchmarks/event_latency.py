"""Event latency: an event entering the inbox to the first cell of its bound notebook
executing, through the worker's dispatch on warm kernels, against
`papermill.execute_notebook` started per event in the same process; then the rate of
in-process `@wb.on` dispatch.

The notebook's first cell records `time.time()`; its `event` parameter carries the moment
the event was stored. Each event waits until the pool is full again (a ready kernel), as
a worker with idle capacity has. The handler part stores events in batches of 500 and
counts how fast the dispatcher hands them to a handler (the inbox already holding them),
and end to end (stored and handled). Goals: p50 under 150 ms; at least 5,000 events/s
dispatched to an in-process handler.

    python benchmarks/event_latency.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HOME = Path(tempfile.mkdtemp(prefix="wb-bench-"))
os.environ["WORKBENCH_CONFIG_DIR"] = str(HOME / "config")  # never the user's folders
os.environ["WORKBENCH_DATA_DIR"] = str(HOME / "data")

import nbformat  # noqa: E402
import papermill  # noqa: E402

from workbench.jobs.run.engines.local import LocalEngine  # noqa: E402
from workbench.jobs.run.store import RunStore  # noqa: E402
from workbench.jobs.schedule.worker import Worker  # noqa: E402
from workbench.sdk import Event  # noqa: E402
from workbench.triggers.bindings import Binding, BindingStore  # noqa: E402
from workbench.triggers.dispatch import DeliveryState, Dispatcher, deliveries  # noqa: E402

GOAL_MS = 150.0
GOAL_RATE = 5000.0
EVENTS = 30
BASELINE_EVENTS = 8
WARMUP = 3
HANDLED = 20_000
BATCH = 500


def bound_notebook(folder: Path) -> Path:
    first = nbformat.v4.new_code_cell("import time\n\nstarted = time.time()\nprint(repr(started))")
    parameters = nbformat.v4.new_code_cell("event = {}")
    parameters.metadata["tags"] = ["parameters"]
    last = nbformat.v4.new_code_cell("print(started - event['data']['stored'])")
    nb = nbformat.v4.new_notebook(cells=[first, parameters, last])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "bound.ipynb"
    nbformat.write(nb, path)
    return path


def first_cell(path: str | Path) -> float:
    return float(nbformat.read(path, as_version=4).cells[0].outputs[0].text)


def worker_latencies(store: RunStore, notebook: Path) -> list[float]:
    BindingStore(store).add(Binding("bound", "bench", "events", notebook=str(notebook)))
    with LocalEngine(store, size=2, ttl=10) as engine:
        worker = Worker(engine, interval=0.5, sources=False)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        latencies: list[float] = []
        for n in range(WARMUP + EVENTS):
            engine.kernels.wait_full(60)
            stored = time.time()
            worker.inbox.put([Event(source="bench.events", id=str(n), data={"stored": stored})])
            while True:
                done = [d for d in deliveries(store) if d.state is DeliveryState.SUCCEEDED]
                if len(done) > n:
                    break
                time.sleep(0.01)
            if n >= WARMUP:
                run = store.get(done[0].run_id or "")
                latencies.append((first_cell(run.output or "") - stored) * 1000)
        worker.stop()
        thread.join(30)
    return latencies


def papermill_latencies(notebook: Path) -> list[float]:
    latencies = []
    for n in range(BASELINE_EVENTS):
        output = HOME / "out" / f"{n}.ipynb"
        output.parent.mkdir(exist_ok=True)
        started = time.time()
        event = {"data": {"stored": started}}
        papermill.execute_notebook(
            notebook, output, parameters={"event": event}, kernel_name="python3", progress_bar=False
        )
        latencies.append((first_cell(output) - started) * 1000)
    return latencies


def handler_rates(store: RunStore) -> tuple[float, float]:
    """Events/s dispatched to an in-process handler, and stored plus dispatched."""
    BindingStore(store).add(Binding("count", "bench", "many", kind="handler"))
    seen = [0]

    def handler(event: Event) -> None:
        seen[0] += 1

    dispatcher = Dispatcher(store, handlers={"count": handler}, batch=BATCH)
    started = time.perf_counter()
    for start in range(0, HANDLED, BATCH):
        dispatcher.inbox.put(
            [
                Event(source="bench.many", id=str(n), data={"n": n})
                for n in range(start, start + BATCH)
            ]
        )
    stored = time.perf_counter()
    while seen[0] < HANDLED:
        dispatcher.tick()
    ended = time.perf_counter()
    return HANDLED / (ended - stored), HANDLED / (ended - started)


def main() -> int:
    notebook = bound_notebook(HOME)
    store = RunStore(HOME / "runs.db")
    warm = worker_latencies(store, notebook)
    base = papermill_latencies(notebook)
    dispatched, end_to_end = handler_rates(store)
    store.close()
    warm_p50, base_p50 = statistics.median(warm), statistics.median(base)
    p90 = statistics.quantiles(warm, n=10)[-1]
    print(f"cores: {os.cpu_count()}   events: {EVENTS} bound, {BASELINE_EVENTS} papermill")
    print("event stored -> first cell of the bound notebook executing:")
    print(f"  papermill.execute_notebook per event p50: {base_p50:8.1f} ms  (baseline)")
    print(f"  worker dispatch, warm kernels p50:        {warm_p50:8.1f} ms  (p90 {p90:.1f} ms)")
    print(f"  ratio worker / baseline:                  {warm_p50 / base_p50:8.3f}x")
    print(f"in-process handler (@wb.on), {HANDLED} events in batches of {BATCH}:")
    print(f"  dispatched to the handler:                {dispatched:8.0f} events/s")
    print(f"  stored and dispatched:                    {end_to_end:8.0f} events/s")
    ok = warm_p50 < GOAL_MS and dispatched >= GOAL_RATE
    print(
        f"goals (p50 < {GOAL_MS:.0f} ms, >= {GOAL_RATE:.0f} events/s dispatched): "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        code = main()
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
    sys.exit(code)
