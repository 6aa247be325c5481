"""The public surface: a sorted, complete __all__ and a fast import that loads no driver."""

from __future__ import annotations

import json
import subprocess
import sys

import workbench
import workbench.sdk

DRIVERS = ["sqlalchemy", "psycopg", "pymysql", "boto3", "pika", "aio_pika", "redis", "httpx"]


def test_all_is_sorted_and_complete() -> None:
    assert workbench.__all__ == sorted(workbench.__all__)
    assert set(workbench.__all__) == set(workbench._EXPORTS)
    for name in workbench.__all__:
        assert getattr(workbench, name) is not None
    assert {n for n in dir(workbench) if not n.startswith("_")} == set(workbench.__all__)


def test_sdk_all_is_sorted_and_importable() -> None:
    assert workbench.sdk.__all__ == sorted(workbench.sdk.__all__)
    assert all(hasattr(workbench.sdk, n) for n in workbench.sdk.__all__)


def test_import_loads_no_driver_and_no_pandas() -> None:
    code = "import sys, json, workbench; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not {m for m in loaded for d in [*DRIVERS, "pandas", "pydantic"] if m.split(".")[0] == d}
