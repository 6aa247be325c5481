"""A notebook served over real HTTP: responses, failures, secrets, kernels, timeouts."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import nbformat
import pytest
from served import serve_app

from workbench.config.secrets import default_secret_store
from workbench.errors import ConfigError, JobError
from workbench.jobs.run.record import Status
from workbench.jobs.run.store import RunStore
from workbench.jobs.serve.app import MAX_BODY, RUN_HEADER, create_app

TOKEN = "serve-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def notebook(folder: Path, name: str, parameters: str, *cells: str) -> Path:
    first = nbformat.v4.new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[first, *(nbformat.v4.new_code_cell(c) for c in cells)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    opened = RunStore(tmp_path / "runs.db")
    yield opened
    opened.close()


@pytest.fixture(params=["warm", "isolate"])
def mode(request: pytest.FixtureRequest) -> str:
    """Both serving modes: warm sessions (the default) and a fresh kernel per request."""
    return str(request.param)


@contextmanager
def served(path: Path, store: RunStore, **options: object) -> Iterator[httpx.Client]:
    options.setdefault("token", TOKEN)
    options.setdefault("pool_size", 1)
    app = create_app(path, store=store, **options)  # type: ignore[arg-type]
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=120) as client:
        yield client


PROBE = (
    "import os, time\n"
    "import workbench as wb\n"
    "time.sleep(pause)\n"
    'wb.respond({"pid": os.getpid(), "pause": pause}, status=201, headers={"X-Probe": "yes"})'
)


@pytest.mark.slow
def test_concurrent_requests_each_run_on_a_kernel_of_their_own(
    project: Path, store: RunStore
) -> None:
    path = notebook(project, "probe", "pause = 0.0", PROBE)
    with served(path, store, token=None, pool_size=2, isolate=True) as client:
        assert client.get("/healthz").json()["route"] == "/probe"
        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(lambda _: client.get("/probe?pause=0.5"), range(4)))
    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    assert all(r.headers["x-probe"] == "yes" for r in responses)
    pids = [r.json()["pid"] for r in responses]
    assert len(set(pids)) == 4, pids  # one kernel per request
    runs = [store.get(r.headers[RUN_HEADER]) for r in responses]
    assert {(run.job, run.status, run.parameters["pause"]) for run in runs} == {
        ("probe", Status.SUCCEEDED, 0.5)
    }


def test_a_failing_cell_answers_500_with_its_error_and_no_secret(
    project: Path, store: RunStore, mode: str
) -> None:
    canary = "serve-canary-" + secrets.token_hex(12)
    default_secret_store().set("api/token", canary)
    path = notebook(
        project,
        "leaky",
        'name = "api/token"',
        "from workbench.config.secrets import default_secret_store\n"
        "token = default_secret_store().get(name)",
        'raise RuntimeError(f"refused with token {token}")',
    )
    with served(path, store, route="/leaky/", isolate=mode == "isolate") as client:
        response = client.get("/leaky", headers=AUTH)
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "RuntimeError"
    assert body["message"] == "refused with token ***"
    assert body["cell"] == 2
    assert canary not in response.text
    assert "Traceback" not in response.text
    run = store.get(response.headers[RUN_HEADER])
    assert run.status is Status.FAILED
    assert canary not in Path(run.output or "").read_text()


def test_a_notebook_that_never_responds_answers_500(
    project: Path, store: RunStore, mode: str
) -> None:
    path = notebook(project, "silent", "n = 1", "n + 1")
    with served(path, store, isolate=mode == "isolate") as client:
        response = client.post("/silent", json={"n": 2}, headers=AUTH)
    assert response.status_code == 500
    assert response.json()["error"] == "NoResponse"
    assert "without calling wb.respond" in response.json()["message"]
    run = store.get(response.headers[RUN_HEADER])
    assert (run.status, run.error_class) == (Status.FAILED, "NoResponse")


def test_a_bad_respond_call_answers_500_naming_the_fault(
    project: Path, store: RunStore, mode: str
) -> None:
    path = notebook(
        project,
        "odd",
        "n = 1",
        "from workbench.jobs.serve.respond import respond\nrespond({'rows': [object()]})",
    )
    with served(path, store, isolate=mode == "isolate") as client:
        response = client.get("/odd", headers=AUTH)
        too_big = client.post("/odd", content=b"[" + b" " * MAX_BODY + b"]", headers=AUTH)
    assert response.status_code == 500
    assert response.json()["error"] == "JobError"
    assert "body['rows'][0] is a builtins.object" in response.json()["message"]
    assert too_big.status_code == 413


@pytest.mark.slow
def test_a_run_past_its_timeout_answers_504(project: Path, store: RunStore, mode: str) -> None:
    path = notebook(project, "slow", "seconds = 60", "import time\ntime.sleep(seconds)")
    with served(path, store, timeout=1.5, preload=False, isolate=mode == "isolate") as client:
        response = client.get("/slow", headers=AUTH)
    assert response.status_code == 504
    assert response.json()["error"] == "JobTimeoutError"
    assert store.get(response.headers[RUN_HEADER]).status is Status.TIMED_OUT


def test_a_missing_notebook_or_a_bad_option_fails_at_start(project: Path) -> None:
    with pytest.raises(JobError, match="no such notebook"):
        create_app(project / "nowhere.ipynb", token=TOKEN)
    path = notebook(project, "fine", "n = 1", "n")
    with pytest.raises(ConfigError, match="--pool: expected a whole number >= 1, got 0"):
        create_app(path, token=TOKEN, pool_size=0)
    with pytest.raises(ConfigError, match="at least 16 characters"):
        create_app(path, token="short")
    with pytest.raises(ConfigError, match="--timeout: expected a number of seconds above 0"):
        create_app(path, token=TOKEN, timeout=0)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"]["name"] = "no-such-kernel"
    nbformat.write(nb, path)
    with pytest.raises(JobError, match="no Jupyter kernel named 'no-such-kernel'"):
        create_app(path, token=TOKEN)
