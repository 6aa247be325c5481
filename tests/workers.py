"""Scheduled-job test helpers: small notebooks, `wb worker` processes, polling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import nbformat

WB = str(Path(sys.executable).parent / "wb")


def write_notebook(path: Path, parameters: str, *cells: str) -> Path:
    """A notebook whose first cell (tagged ``parameters``) is ``parameters``."""
    first = nbformat.v4.new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[first, *(nbformat.v4.new_code_cell(c) for c in cells)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def wait_for(condition: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


class Processes:
    """`wb` processes started by a test, each in its own process group, all killed at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(
        self, *args: str, name: str = "worker", cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [WB, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(os.environ),
            start_new_session=True,
        )
        log.close()
        self.started.append(process)
        return process

    def log(self, index: int, name: str = "worker") -> str:
        return (self.folder / f"{name}-{index}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker process only (its kernels see their parent go and exit)."""
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def close(self) -> None:
        for process in self.started:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                process.wait(10)


@contextmanager
def processes(folder: Path) -> Iterator[Processes]:
    """Start `wb` processes; every one of them (and its process group) is killed after."""
    folder.mkdir(parents=True, exist_ok=True)
    started = Processes(folder)
    try:
        yield started
    finally:
        started.close()
