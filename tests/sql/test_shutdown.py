"""A script that leaves its database connections open still exits without a word on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import workbench as wb

    pg = wb.connect("postgresql", host="127.0.0.1", user="postgres", database="postgres")
    print(pg.query("select 41 + 1 as n").data, type(pg._adbc).__module__)
    """
)


def run(script: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "_ADBC_DRIVER_MANAGER_WARN_UNCLOSED_RESOURCE": "1",  # the driver's unclosed warning
    }
    return subprocess.run(
        [sys.executable, "-X", "dev", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_open_adbc_and_psycopg_connections_are_closed_before_shutdown() -> None:
    done = run(SCRIPT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[{'n': 42}] adbc_driver_manager.dbapi\n"
    assert done.stderr == ""


def test_a_connection_held_in_a_cycle_is_closed_too() -> None:
    done = run(SCRIPT + "pg.me = pg\nimport collections\ncollections.held = pg\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_closed_connection_is_left_alone() -> None:
    done = run(SCRIPT + "pg.close()\npg.close()\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
