"""`wb serve`: its refusals, then a real server process answering HTTP and stopping cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from workbench.cli import cli

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "scenarios" / "orders_api.ipynb"
WB = str(Path(sys.executable).parent / "wb")
TOKEN = "cli-serve-token-0123456789abcdef"
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - refused, never bound


@pytest.fixture(autouse=True)
def no_token_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_SERVE_TOKEN", raising=False)


@pytest.mark.parametrize(
    ("args", "env", "code", "words"),
    [
        (["--host", ANY_ADDRESS, "--no-auth"], {}, 3, "only allowed on a loopback host"),
        ([], {}, 3, "wb serve needs a bearer token"),
        ([], {"WORKBENCH_SERVE_TOKEN": "short"}, 3, "at least 16 characters"),
        (["--token-secret", "api/none"], {}, 5, "no secret named 'api/none'"),
        (["--route", "/healthz", "--no-auth"], {}, 3, "--route"),
        (["--port", "70000", "--no-auth"], {}, 2, "70000"),
    ],
)
def test_refusals(args: list[str], env: dict[str, str], code: int, words: str) -> None:
    result = CliRunner().invoke(cli, ["serve", str(NOTEBOOK), *args], env=env)
    assert result.exit_code == code, result.output
    assert words in result.output


def test_a_missing_notebook_is_refused() -> None:
    result = CliRunner().invoke(cli, ["serve", "nowhere.ipynb", "--no-auth"])
    assert result.exit_code == 10
    assert "no such notebook" in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_wb_serve_answers_requests_and_logs_no_query_or_token(tmp_path: Path) -> None:
    stored = subprocess.run(
        [WB, "secrets", "set", "orders-api/token"], input=TOKEN, text=True, capture_output=True
    )
    assert stored.returncode == 0, stored.stderr
    port = free_port()
    env = {**os.environ, "WORKBENCH_RUN_STORE": str(tmp_path / "runs.db")}
    args = ["serve", str(NOTEBOOK), "--port", str(port), "--route", "/orders", "--pool", "1"]
    process = subprocess.Popen(
        [WB, *args, "--token-secret", "orders-api/token"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(f"serving {NOTEBOOK} at http://127.0.0.1:{port}/orders"), first
        url = f"http://127.0.0.1:{port}/orders"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        response = httpx.get(url, params={"status": "cancelled", "limit": 2}, headers=headers,
                             timeout=120)  # fmt: skip
        assert response.status_code == 200, response.text
        assert [row["status"] for row in response.json()] == ["cancelled"] * 2
        assert httpx.get(url, timeout=30).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "GET /orders 200" in err and "GET /orders 401" in err
    assert "cancelled" not in err and TOKEN not in err + out  # no query string, no token
    runs = subprocess.run([WB, "runs", "--job", "orders"], env=env, capture_output=True, text=True)
    assert runs.stdout.count("succeeded") == 1
