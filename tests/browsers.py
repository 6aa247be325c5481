"""A private JupyterLab server and headless Chromium (Debian's, through Playwright) for tests.

``jupyter_lab`` starts ``jupyter-lab`` on a free loopback port with a token; every bit of
Jupyter and IPython state (config, data, runtime, workspaces, settings, history, home) goes
into a folder the caller owns, while the prebuilt lab extensions of the interpreter's
environment stay visible. The ``python3`` kernel is this interpreter. The server, its kernels
and the browser are always stopped on the way out, failing or not.

Example:
    >>> kernel = kernel_json(Path("/venv/bin/python"))
    >>> kernel["argv"][:3]
    ['/venv/bin/python', '-m', 'ipykernel_launcher']
    >>> 1024 <= free_port() <= 65535
    True
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psutil

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KERNEL_NAME = "Python 3 (ipykernel)"
START_TIMEOUT = 60.0
"""Seconds the server may take to answer ``/api/status``."""

SETTINGS = {
    # Every cell stays in the page, so off-screen outputs can be read and clicked.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No news or update toasts over the notebook.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def kernel_json(python: Path) -> dict[str, Any]:
    """The kernelspec of an ipykernel run by the ``python`` interpreter."""
    return {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNEL_NAME,
        "language": "python",
        "metadata": {"debugger": False},
    }


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server: its base URL, token, notebook folder and log file."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        """The page that opens the notebook ``name`` (relative to ``root``)."""
        return f"{self.url}/lab/tree/{name}?token={self.token}"

    def api(self, path: str) -> Any:
        """GET ``/api/<path>`` with the token and return the decoded JSON."""
        headers = {"Authorization": f"token {self.token}"}
        response = httpx.get(f"{self.url}/api/{path}", headers=headers, timeout=5)
        response.raise_for_status()
        return response.json()

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines the server wrote, for failure messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def lab_environment(state: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The server's environment: ``env`` with Jupyter, IPython and home inside ``state``."""
    folders = {
        "JUPYTER_CONFIG_DIR": state / "config",
        "JUPYTER_DATA_DIR": state / "data",
        "JUPYTER_RUNTIME_DIR": state / "runtime",
        "JUPYTER_PATH": state / "path",
        "IPYTHONDIR": state / "ipython",
        "HOME": state / "home",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    spec = folders["JUPYTER_PATH"] / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps(kernel_json(Path(sys.executable)), indent=1))
    settings = folders["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings"
    for plugin, values in SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        target = settings / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    merged = dict(env)
    merged.pop("JUPYTER_PREFER_ENV_PATH", None)
    merged.update({name: str(folder) for name, folder in folders.items()})
    merged["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', os.defpath)}"
    return merged


def lab_command(port: int, root: Path, state: Path) -> list[str]:
    """The ``jupyter-lab`` command line: loopback only, no browser, no network lookups."""
    return [
        str(Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]


@contextmanager
def jupyter_lab(
    root: Path, state: Path, env: Mapping[str, str], timeout: float = START_TIMEOUT
) -> Iterator[Lab]:
    """Run JupyterLab serving ``root`` until the block ends; its own files go under ``state``.

    The kernels inherit ``env`` (plus the Jupyter folders), so they see the caller's
    Workbench config and data folders. The server and every process it started are stopped
    on exit.
    """
    token = secrets.token_hex(16)
    port = free_port()
    environment = lab_environment(state, env)
    environment["JUPYTER_TOKEN"] = token
    lab = Lab(f"http://127.0.0.1:{port}", token, root, state / "lab.log")
    with lab.log.open("wb") as log:
        process = subprocess.Popen(
            lab_command(port, root, state),
            env=environment,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(lab, process, timeout)
        yield lab
    finally:
        _stop(lab, process)


def _wait_until_up(lab: Lab, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"jupyter-lab exited with code {process.returncode} before answering "
                f"/api/status; its log ends with:\n{lab.log_tail()}"
            )
        with suppress(httpx.HTTPError):
            lab.api("status")
            return
        time.sleep(0.1)
    raise TimeoutError(
        f"jupyter-lab did not answer {lab.url}/api/status within {timeout:.0f} s; "
        f"its log ends with:\n{lab.log_tail()}"
    )


def _stop(lab: Lab, process: subprocess.Popen[bytes]) -> None:
    """Ask the server to shut down (it stops its kernels); kill whatever is left."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        with suppress(httpx.HTTPError):
            headers = {"Authorization": f"token {lab.token}"}
            httpx.post(f"{lab.url}/api/shutdown", headers=headers, timeout=5)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    for child in children:
        with suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=5)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven through Playwright; closed when the block ends."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        raise FileNotFoundError(f"{CHROMIUM} is missing; `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


ALL_CELLS_RUN = r"""() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p.textContent));
}"""
"""True in the page once every code cell shows an execution count (none pending)."""


def open_notebook(page: Page, lab: Lab, name: str, timeout: float = 60) -> None:
    """Open notebook ``name`` in Lab and wait until its kernel is started, connected and idle.

    Before a kernel exists the toolbar shows "No Kernel" next to an idle indicator, and cells
    run then are silently dropped; so the kernel's name must show first, and the server must
    see the page's connection to an idle kernel.
    """
    from playwright.sync_api import expect

    page.goto(lab.notebook_url(name))
    toolbar = page.locator(".jp-NotebookPanel-toolbar")
    kernel = toolbar.locator(".jp-KernelName")
    expect(kernel).to_have_text(KERNEL_NAME, timeout=timeout * 1000)
    indicator = toolbar.locator(".jp-Notebook-ExecutionIndicator")
    expect(indicator).to_have_attribute("data-status", "idle", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while not any(k["execution_state"] == "idle" and k["connections"] for k in lab.api("kernels")):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no connected idle kernel after {timeout:.0f} s: {lab.log_tail()}")
        time.sleep(0.1)


def run_all_cells(page: Page, timeout: float = 60) -> None:
    """Run > Run All Cells from the menu bar, then wait until every code cell has run."""
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    page.wait_for_function(ALL_CELLS_RUN, polling=200, timeout=timeout * 1000)


def error_outputs(page: Page) -> list[str]:
    """The text of every traceback shown in the page's cell outputs."""
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return [text for text in errors.all_inner_texts() if "Traceback" in text or "Error" in text]


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """Save a PNG of the page as ``folder/name.png``, print its path and return it."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path
