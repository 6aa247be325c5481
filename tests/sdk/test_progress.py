"""Progress bars: drawn on a terminal and in a notebook, never written into redirected output."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

from jupyter_client.manager import start_new_kernel

SCRIPT = """
from workbench.sdk.progress import progress_bar
with progress_bar(total=3, unit=" records") as bar:
    for _ in range(3):
        bar.update(1)
print("done")
"""


def test_no_bar_is_written_into_redirected_output(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    with log.open("w") as err:
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=err, check=True
        )
    assert out.stdout == b"done\n"
    assert log.read_text() == ""


def test_a_bar_is_drawn_on_a_terminal() -> None:
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        subprocess.run([sys.executable, "-c", SCRIPT], stderr=follower, check=True, timeout=60)
        drawn = os.read(leader, 65536).decode()
    finally:
        os.close(leader)
        os.close(follower)
    assert "0/3" in drawn and "records/s" in drawn


def test_a_bar_is_drawn_as_a_widget_in_a_notebook() -> None:
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute(SCRIPT)
        shown: list[str] = []
        while True:
            message = client.get_iopub_msg(timeout=60)
            content = message["content"]
            if message["msg_type"] == "display_data":
                shown.extend(content["data"])
            if message["msg_type"] == "status" and content["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "application/vnd.jupyter.widget-view+json" in shown
