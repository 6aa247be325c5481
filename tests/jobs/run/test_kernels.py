"""The kernel pool: kernels started ahead, used once, replaced, and never left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.errors import ConfigError
from workbench.jobs.run.kernels import KernelPool, start_kernel, stop_kernel


def gone(pid: int, within: float = 10.0) -> bool:
    """True once no process has ``pid`` (waiting up to ``within`` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_used_kernel_is_shut_down_and_replaced(tmp_path: Path) -> None:
    with KernelPool(size=1, cwd=tmp_path) as pool:
        assert pool.wait_full(60)
        first = pool.take()
        assert first is not None and first.alive and first.cwd == tmp_path
        assert pool.take() is None  # none ready until the replacement has started
        pool.release(first)
        assert first.pid is not None and gone(first.pid)
        assert pool.wait_full(60)
        second = pool.take(wait=5)
        assert second is not None and second.pid != first.pid
        assert pool.started == 2
        pool.release(second)


def test_closing_the_pool_stops_every_kernel(tmp_path: Path) -> None:
    pool = KernelPool(size=2, cwd=tmp_path)
    assert pool.wait_full(60)
    pids = [kernel.pid for kernel in list(pool._ready)]
    pool.close()
    assert len(pids) == 2 and all(pid is not None and gone(pid) for pid in pids)
    assert pool.take() is None


def test_a_kernel_that_died_while_waiting_is_not_handed_out(tmp_path: Path) -> None:
    with KernelPool(size=1, cwd=tmp_path) as pool:
        assert pool.wait_full(60)
        dead = pool._ready[0]
        dead.kill()
        deadline = time.monotonic() + 10
        while dead.alive and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not dead.alive
        kernel = pool.take(wait=60)
        assert kernel is not None and kernel is not dead and kernel.alive
        pool.release(kernel)


def test_kernels_left_in_a_pool_stop_when_the_interpreter_exits(tmp_path: Path) -> None:
    script = (
        "from workbench.jobs.run.kernels import KernelPool\n"
        "pool = KernelPool(size=1)\n"
        "assert pool.wait_full(60)\n"
        "print(pool._ready[0].pid, flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=90, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert gone(int(done.stdout), within=0.3)  # not the kernel noticing its parent left (~1 s)


def test_a_cold_kernel_starts_in_the_folder_given(tmp_path: Path) -> None:
    kernel = start_kernel(cwd=tmp_path)
    pid = kernel.pid
    try:
        assert kernel.alive and kernel.cwd == tmp_path
        assert Path(f"/proc/{kernel.pid}/cwd").resolve() == tmp_path.resolve()
        assert kernel.language_info["name"] == "python"
    finally:
        stop_kernel(kernel)
    assert pid is not None and gone(pid)


@pytest.mark.parametrize("size", [0, -1, 1.5, True])
def test_the_pool_size_must_be_a_whole_number_of_at_least_one(size: object) -> None:
    with pytest.raises(ConfigError, match="KernelPool size: expected a whole number >= 1"):
        KernelPool(size=size)  # type: ignore[arg-type]
