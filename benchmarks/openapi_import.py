"""OpenAPI import time per spec in ../shared/specs, against parsing the same file.

Goal: median import time (``load_spec``: read, parse, convert, list every operation) of
at most 200 ms. Baseline, measured in the same run: ``json.loads`` (or the YAML load) of
the same file's bytes. Each figure is the median of REPEAT runs (default 5).

    python benchmarks/openapi_import.py [REPEAT]      # WORKBENCH_SPECS=folder to override
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from workbench.openapi import load_spec

GOAL_MS = 200.0
SPECS = Path(os.environ.get("WORKBENCH_SPECS", Path(__file__).parents[2] / "shared" / "specs"))
SUFFIXES = (".json", ".yaml", ".yml")


def median_ms(function: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def baseline(path: Path) -> Any:
    """What a plain reader does: parse the file, nothing else."""
    raw = path.read_bytes()
    if path.suffix == ".json":
        return json.loads(raw)
    return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def main() -> int:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    files = sorted(p for p in SPECS.glob("*") if p.suffix in SUFFIXES)
    if not files:
        print(f"no specs in {SPECS}")
        return 1
    load_spec(files[0])  # warm up: imports, caches
    rows = []
    print(f"{'spec':46} {'ops':>5} {'parse ms':>9} {'import ms':>10} {'ratio':>6}")
    for path in files:
        operations = len(load_spec(path).operations)
        parse = median_ms(lambda p=path: baseline(p), repeat)  # type: ignore[misc]
        full = median_ms(lambda p=path: load_spec(p), repeat)  # type: ignore[misc]
        rows.append((parse, full))
        ratio = full / parse if parse else float("inf")
        print(f"{path.stem[:46]:46} {operations:>5} {parse:>9.1f} {full:>10.1f} {ratio:>5.2f}x")
    parse_median = statistics.median(p for p, _ in rows)
    import_median = statistics.median(f for _, f in rows)
    total_parse, total_import = sum(p for p, _ in rows), sum(f for _, f in rows)
    print(f"\nspecs:                          {len(files)}")
    print(f"median parse (baseline):        {parse_median:8.1f} ms")
    print(f"median import:                  {import_median:8.1f} ms")
    print(f"ratio of medians import/parse:  {import_median / parse_median:8.2f}x")
    print(f"total parse / total import:     {total_parse:8.1f} / {total_import:.1f} ms")
    print(f"slowest import:                 {max(f for _, f in rows):8.1f} ms")
    ok = import_median <= GOAL_MS
    print(f"goal (median import <= {GOAL_MS:.0f} ms): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
