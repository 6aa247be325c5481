"""DataFrame into PostgreSQL: ``insert_df`` against a raw psycopg COPY.

1,000,000 rows x 6 columns (int64, float64, str, zoned timestamp, bool, float) into a
scratch table of the local ``test`` database. Baselines, measured in the same run on the
same frame: psycopg ``COPY ... FROM STDIN`` fed with ``copy.write_row`` per row (what
the psycopg docs show), and the same COPY fed with ``DataFrame.to_csv`` text; the faster
is the reference. The table is truncated before every run; runs go in turns, two rounds,
medians compared. Goal: ``insert_df`` <= 1.2x the faster raw COPY. Tables are dropped.

    python benchmarks/insert_df.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import uuid
from collections.abc import Callable

import numpy as np
import pandas as pd
import psycopg

from workbench.connectors.postgresql import Postgresql, PostgresqlConfig

ROWS = 1_000_000
ROUNDS = 2
GOAL = 1.2
URI = "postgresql://postgres@127.0.0.1:5432/test"


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    return pd.DataFrame(
        {
            "id": np.arange(ROWS, dtype="int64"),
            "amount": rng.random(ROWS) * 1000,
            "label": [f"label {i}" for i in range(ROWS)],
            "at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(ROWS), "s"),
            "flag": np.arange(ROWS) % 3 == 0,
            "score": rng.random(ROWS),
        }
    )


def main() -> int:
    table = f"wb_bench_{uuid.uuid4().hex[:8]}"
    data = frame()
    columns = ", ".join(data.columns)
    db = Postgresql(PostgresqlConfig(url=URI))
    conn = psycopg.connect(URI)
    conn.execute(
        f"create table {table} (id bigint, amount double precision, label text, "
        f"at timestamptz, flag boolean, score double precision)"
    )
    conn.commit()

    def copy_rows() -> None:
        with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in data.itertuples(index=False, name=None):
                copy.write_row(row)
        conn.commit()

    def copy_csv() -> None:
        buffer = io.StringIO()
        data.to_csv(buffer, index=False, header=False)
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
        ):
            copy.write(buffer.getvalue())
        conn.commit()

    runs: dict[str, Callable[[], object]] = {
        "workbench insert_df": lambda: db.insert_df(table, data),
        "psycopg COPY write_row": copy_rows,
        "psycopg COPY to_csv": copy_csv,
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    try:
        for _ in range(ROUNDS):
            for name, run in runs.items():
                conn.execute(f"truncate {table}")
                conn.commit()
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
                count = conn.execute(f"select count(*) from {table}").fetchone()
                conn.commit()
                assert count is not None, name
                assert count[0] == ROWS, (name, count)
    finally:
        conn.execute(f"drop table if exists {table}")
        conn.commit()
        conn.close()
        db.close()
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"PostgreSQL: {ROWS:,} rows x 6 columns from a DataFrame")
    for name, seconds in sorted(medians.items(), key=lambda kv: kv[1]):
        print(f"  {name:<26} {seconds:7.3f} s")
    best = min(medians["psycopg COPY write_row"], medians["psycopg COPY to_csv"])
    ratio = medians["workbench insert_df"] / best
    print(f"  insert_df / fastest raw COPY = {ratio:.2f}x (goal <= {GOAL})")
    print("PASS" if ratio <= GOAL else "FAIL: goal missed")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
