"""Prism, the independent OpenAPI mock server, on a loopback port for connector tests.

Prism (npm ``@stoplight/prism-cli``, installed by ``make test`` into tools/prism) is
started in mock mode: a request that breaks the spec (a path, a parameter, a body, the
security) is answered with an error status or with the ``sl-violations`` header saying
what Prism found wrong. (``--errors`` is not used: it also fails Prism's own answers
where a vendor's examples do not match its schemas, as some of Slack's do.) :class:`Exchanges` keeps
every request a connector sent and Prism's verdict on it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PRISM = ROOT / "tools" / "prism" / "node_modules" / ".bin" / "prism"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def prism_server(document: dict[str, Any], folder: Path) -> Iterator[str]:
    """Prism mocking ``document`` (written to ``folder``); yields its base URL."""
    assert PRISM.exists(), f"{PRISM} is missing; `make test` installs it with npm"
    port = _free_port()
    served = folder / "spec.json"
    served.write_text(json.dumps(document))
    log = folder / "prism.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PRISM), "mock", "--host", "127.0.0.1", "--port", str(port), str(served)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"prism exited with {process.returncode}:\n{log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"prism did not listen within 180 s:\n{log.read_text()[-2000:]}")
                time.sleep(0.25)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


class Exchanges:
    """The requests a client sent to Prism, with the violations Prism reported."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def attach(self, client: httpx.Client) -> None:
        """Record every response ``client`` receives (before the connector's own hooks)."""
        client.event_hooks["response"].insert(0, self._keep)

    def _keep(self, response: httpx.Response) -> None:
        response.read()
        self.responses.append(response)

    def violations(self) -> list[str]:
        """Prism's error-level findings about the requests (none when all were valid)."""
        found = []
        for response in self.responses:
            for v in json.loads(response.headers.get("sl-violations", "[]")):
                if v.get("severity") == "Error" and v.get("location", ["request"])[0] == "request":
                    found.append(
                        f"{response.request.method} {response.request.url.path}: {v['message']}"
                    )
            if response.status_code in (400, 401, 403, 404, 405, 415, 422):
                found.append(
                    f"{response.request.method} {response.request.url}: HTTP {response.status_code}"
                )
        return found

    def requests(self, path_end: str) -> list[httpx.Request]:
        """The requests sent to a path ending with ``path_end``."""
        return [r.request for r in self.responses if r.request.url.path.endswith(path_end)]


class CoreValidator:
    """openapi-core (a second validator we did not write) checking the parameters and
    bodies of requests against a document as given (as tests/openapi/test_contract.py
    does; security is Prism's to check: openapi-core does not know OAuth2 schemes). The
    servers are rebased to ``/``, so a request's path on Prism's root is the API path."""

    def __init__(self, document: dict[str, Any]) -> None:
        from openapi_core import Config, OpenAPI
        from openapi_core.validation.request import validators as v

        from workbench.openapi.core_support import rebased

        config = Config(spec_validator_cls=None)  # type: ignore[arg-type]  # trusted spec
        app = OpenAPI.from_dict(rebased(document), config=config)
        if app.version.minor == "1":
            classes: tuple[Any, ...] = (v.V31RequestParametersValidator, v.V31RequestBodyValidator)
        else:
            classes = (v.V30RequestParametersValidator, v.V30RequestBodyValidator)
        self.checks = [cls(app.spec) for cls in classes]

    def errors(self, requests: list[httpx.Request]) -> list[str]:
        """What openapi-core finds wrong with each request (empty when all are valid)."""
        from workbench.openapi.validation import OpenApiCoreRequest

        found = []
        for request in requests:
            path = request.url.raw_path.split(b"?")[0].decode()
            adapter = OpenApiCoreRequest(request, path)
            for check in self.checks:
                for error in check.iter_errors(adapter):
                    if type(error).__name__ == "MissingRequestBody":
                        continue  # the body validator's view of an optional body left out
                    cause = f"; {error.__cause__}" if error.__cause__ else ""
                    found.append(f"{request.method} {path}: {type(error).__name__}: {error}{cause}")
        return found
