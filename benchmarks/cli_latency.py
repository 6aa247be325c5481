"""`wb` command latency: `wb --help`, `wb catalog` (warm and cold cache) and a misspelt
`wb run` parameter, against a bare `python -c pass` measured in the same run.

Goals: `wb catalog` under 500 ms (warm cache), a misspelt parameter refused under 500 ms,
`wb --help` under 300 ms. Each figure is the median of fresh processes. The cold catalog
removes the cache file before each run (it then imports every connector package). The
config and data folders are private to the run, never the user's.

    python benchmarks/cli_latency.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RUNS = 9
COLD_RUNS = 3
GOALS_MS = {"wb catalog (warm cache)": 500.0, "wb run -p misspelt=1": 500.0, "wb --help": 300.0}
ROOT = Path(__file__).resolve().parents[1]
WB = Path(sys.executable).parent / "wb"
HOME = Path(tempfile.mkdtemp(prefix="wb-bench-"))
ENV = {
    **os.environ,
    "WORKBENCH_CONFIG_DIR": str(HOME / "config"),
    "WORKBENCH_DATA_DIR": str(HOME / "data"),
    "WORKBENCH_SECRET_BACKEND": "file",
}
CACHE = HOME / "data" / "catalog-cache.json"


def median_ms(command: list[str], runs: int, before: Callable[[], None] | None = None) -> float:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        subprocess.run(command, env=ENV, cwd=HOME, capture_output=True, check=False)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def drop_cache() -> None:
    CACHE.unlink(missing_ok=True)


def main() -> int:
    notebook = HOME / "quickstart.ipynb"
    shutil.copy(ROOT / "notebooks" / "quickstart.ipynb", notebook)
    refused = subprocess.run(
        [str(WB), "run", str(notebook), "-p", "statuss", "1"], env=ENV, capture_output=True
    )
    if refused.returncode == 0 or b"statuss" not in refused.stderr:
        print("wb run did not refuse the misspelt parameter", refused.stderr.decode()[-300:])
        return 1
    subprocess.run([str(WB), "catalog"], env=ENV, capture_output=True, check=True)
    time.sleep(2.5)  # the cache is written once its inputs have settled
    subprocess.run([str(WB), "catalog"], env=ENV, capture_output=True, check=True)

    figures = {
        "python -c pass (baseline)": median_ms([sys.executable, "-c", "pass"], RUNS),
        "wb --help": median_ms([str(WB), "--help"], RUNS),
        "wb catalog (warm cache)": median_ms([str(WB), "catalog"], RUNS),
        "wb run -p misspelt=1": median_ms(
            [str(WB), "run", str(notebook), "-p", "statuss", "1"], RUNS
        ),
        "wb catalog (cold cache)": median_ms([str(WB), "catalog"], COLD_RUNS, drop_cache),
    }
    bare = figures["python -c pass (baseline)"]
    for name, ms in figures.items():
        print(f"{name:28} {ms:8.1f} ms  {ms / bare:6.1f}x the baseline")
    ok = True
    for name, goal in GOALS_MS.items():
        met = figures[name] < goal
        ok &= met
        print(f"goal ({name} under {goal:.0f} ms): {'met' if met else 'MISSED'}")
    shutil.rmtree(HOME, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
