"""`import workbench` time, against the bare interpreter start and `import pandas`.

Goal: under 300 ms, and no connector driver imported. Each figure is the median of
fresh interpreter runs (`python -X importtime` is not used: it slows imports down).

    python benchmarks/import_time.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

RUNS = 15
GOAL_MS = 300.0
DRIVERS = (
    "sqlalchemy",
    "psycopg",
    "pymysql",
    "boto3",
    "pika",
    "aio_pika",
    "redis",
    "paho",
    "nats",
    "aiokafka",
    "httpx",
    "pandas",
)


def median_ms(code: str) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    bare = median_ms("pass")
    workbench = median_ms("import workbench")
    first_use = median_ms("from workbench import connect, catalog")
    pandas = median_ms("import pandas")
    loaded = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, json, workbench; print(json.dumps(list(sys.modules)))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    drivers = sorted({m.split(".")[0] for m in loaded} & set(DRIVERS))
    own = workbench - bare
    print(f"interpreter start (baseline): {bare:7.1f} ms")
    print(f"import workbench:             {workbench:7.1f} ms  ({own:.1f} ms over the baseline)")
    print(f"from workbench import connect: {first_use:6.1f} ms  (SDK and pydantic, no driver)")
    print(f"import pandas (for scale):    {pandas:7.1f} ms")
    print(f"ratio workbench / baseline:   {workbench / bare:7.2f}x")
    print(f"ratio workbench / pandas:     {workbench / pandas:7.2f}x")
    print(f"drivers imported:             {', '.join(drivers) or 'none'}")
    ok = workbench < GOAL_MS and not drivers
    print(f"goal (import under {GOAL_MS:.0f} ms, no driver): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
