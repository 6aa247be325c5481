"""Run notebooks/quickstart.ipynb as a job and print what it produced.

Used by ``make demo``. The run is recorded in the run store (``wb runs`` lists it); the
executed notebook and the CSV it writes go to build/demo/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import workbench as wb

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
OUT = ROOT / "build" / "demo"
STATUS = "shipped"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    executed = OUT / "quickstart.ipynb"
    print(f"Running {NOTEBOOK.relative_to(ROOT)} as a job (wb.run_notebook) ...", flush=True)
    run = wb.run_notebook(
        NOTEBOOK,
        {"status": STATUS, "output_folder": str(OUT)},
        output=executed,
        cwd=OUT,
    )
    print(run.describe())
    run.raise_for_status()
    csv = OUT / f"{STATUS}_orders_per_customer.csv"
    table = pd.read_csv(csv)
    print(f"\nShipped orders per customer (top 10 of {len(table)} customers):\n")
    print(table.head(10).to_string(index=False))
    print(f"\nExecuted notebook: {executed}  (run {run.id}; `wb runs` lists it)")
    print(f"CSV written:       {csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
