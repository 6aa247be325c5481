"""The sandbox: an httpx transport that answers from the spec, with no network and no credentials.

Each request is matched to its operation (404 for an unknown path, 405 for a method the
path does not have) and validated against the spec with openapi-core (400 with the reasons
when it is invalid, the way a real API would answer). A valid request gets a schema-valid
answer for the success status: the spec's own example first, generated data otherwise.
Generated data is bounded (see :mod:`~workbench.openapi.examples`); an answer cut short by
a bound says why in its ``X-Workbench-Sandbox-Note`` header.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from workbench.openapi.examples import generate
from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.routes import Router
from workbench.openapi.styles import jsonable
from workbench.openapi.validation import RequestChecker

SANDBOX_HEADER = "X-Workbench-Sandbox"
NOTE_HEADER = "X-Workbench-Sandbox-Note"


class SandboxTransport(httpx.BaseTransport):
    """Answers requests to ``spec``'s API from the spec itself.

    ``base_url`` is the connection's base URL (paths are matched relative to it, or to one
    of the spec's servers); ``seed`` fixes the generated data.

    Example:
        >>> import httpx
        >>> from workbench.openapi.model import ApiSpec, Operation, Response
        >>> doc = {"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"},
        ...        "paths": {"/pets": {"get": {"responses": {"200": {"description": "ok"}}}}}}
        >>> op = Operation("list_pets", "get", "/pets", "/paths/~1pets/get",
        ...                responses=(Response("200", "application/json",
        ...                           {"type": "array", "items": {"type": "string"}}, ()),))
        >>> spec = ApiSpec("Pets", "1", "", doc, {}.__getitem__, operations={op.name: op})
        >>> client = httpx.Client(transport=SandboxTransport(spec), base_url="https://pets.test")
        >>> client.get("/pets").json()[0]
        'example'
        >>> client.get("/cats").status_code
        404
    """

    def __init__(self, spec: ApiSpec, *, base_url: str | None = None, seed: int = 0) -> None:
        self.spec = spec
        self.seed = seed
        self.router = Router(spec, base_url)
        self.checker = RequestChecker(spec)
        self._answers: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        query = request.url.query.decode("ascii", "replace")
        match = self.router.match(request.method, raw_path, query)
        if match.operation is None:
            where = f"{request.method} {request.url.path}"
            if match.status == 405:
                allowed = ", ".join(match.allowed)
                message = f"{where}: method not allowed; the path allows {allowed}"
                return _error(405, message, [], Allow=allowed)
            return _error(404, f"{where}: no such path in the API", [])
        operation = match.operation
        with self._lock:
            problems = self.checker.problems(
                request, match.path, operation=operation, path_params=match.params
            )
        if problems:
            message = f"invalid request to {operation.name}: " + "; ".join(problems)
            return _error(400, message, problems, operation=operation.name)
        status, content, headers = self.answer(operation)
        if request.method == "HEAD":
            content = b""
        return httpx.Response(status, content=content, headers=headers, request=request)

    def answer(self, operation: Operation) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers of the success answer to ``operation`` (built once)."""
        with self._lock:
            if operation.name not in self._answers:
                self._answers[operation.name] = self._build(operation)
            return self._answers[operation.name]

    def _build(self, operation: Operation) -> tuple[int, bytes, dict[str, str]]:
        headers = {SANDBOX_HEADER: "true"}
        response = operation.success()
        status = _status(response.status if response is not None else "200")
        if response is None or status in (204, 205, 304):
            return status, b"", headers
        if response.examples:
            value: Any = response.examples[0]
        elif response.schema is not None:
            example = generate(response.schema, self.spec, seed=self.seed)
            value = example.value
            if example.notes:
                headers[NOTE_HEADER] = "; ".join(example.notes)
        else:
            return status, b"", headers
        media = response.media_type or "application/json"
        if "*" in media:
            media = "application/json"
        headers["Content-Type"] = media
        return status, _encode(value, media), headers


def _encode(value: Any, media: str) -> bytes:
    kind = media.split(";")[0].strip().lower()
    if isinstance(value, bytes) and not kind.endswith("json"):
        return value
    if kind.endswith("json"):
        return json.dumps(jsonable(value)).encode()
    if isinstance(value, str):
        return value.encode()
    return json.dumps(jsonable(value)).encode()


def _status(status: str) -> int:
    if status.isdigit():
        return int(status)
    if status[:1].isdigit():  # "2XX"
        return int(status[0]) * 100
    return 200  # "default"


def _error(status: int, message: str, errors: list[str], **extra: str) -> httpx.Response:
    headers = {SANDBOX_HEADER: "true"}
    if "Allow" in extra:
        headers["Allow"] = extra.pop("Allow")
    body = {"error": {"status": status, "message": message, "errors": errors, **extra}}
    return httpx.Response(status, json=body, headers=headers)
