"""The sandbox: an httpx transport that answers from the spec, with no network and no credentials.

Each request is matched to its operation (404 for an unknown path, 405 for a method the
path does not have) and validated against the spec with openapi-core (400 with the reasons
when it is invalid, the way a real API would answer). A valid request gets a schema-valid
answer for the success status: the spec's own example first, generated data otherwise. An
example that leaves out properties the schema requires (Slack's ``reminders.list`` example is
``{"ok": true}``, with no ``reminders``) has them generated (:func:`completed`), so a list
answer has its records.
Generated data is bounded (see :mod:`~workbench.openapi.examples`); an answer cut short by
a bound says why in its ``X-Workbench-Sandbox-Note`` header. Credentials an operation
declares as parameters are filled in before the request is built
(:func:`fill_credentials`), and a JSON answer carries the request's own values in fields of
the same name (:func:`echo`), so a message sent comes back with its text.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import httpx

from workbench.http.responses import SANDBOX_HEADER
from workbench.openapi.arguments import Argument
from workbench.openapi.examples import credential_stand_in, generate
from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.routes import Router
from workbench.openapi.schemas import flatten
from workbench.openapi.styles import jsonable
from workbench.openapi.validation import RequestChecker
from workbench.redaction import looks_secret

NOTE_HEADER = "X-Workbench-Sandbox-Note"
ECHO_DEPTH = 3  # levels of a JSON answer searched for fields named like a request value


def fill_credentials(
    arguments: Iterable[Argument], values: Mapping[str, Any], spec: ApiSpec
) -> dict[str, Any]:
    """``values`` with every credential argument that was left out given its stand-in
    (:func:`~workbench.openapi.examples.credential_stand_in`).

    Example:
        >>> from workbench.openapi.model import ApiSpec
        >>> token = Argument("token", "header", "token", {"type": "string"}, credential=True)
        >>> fill_credentials([token], {"channel": "C1"}, ApiSpec("t", "1", "", {}, {}.__getitem__))
        {'channel': 'C1', 'token': 'sandbox-credential'}
    """
    filled = dict(values)
    for arg in arguments:
        if arg.credential and arg.name not in filled:
            filled[arg.name] = credential_stand_in(arg, spec)
    return filled


def request_values(request: httpx.Request) -> dict[str, Any]:
    """The values a request sent by name: its query, then a form or JSON object body.

    Example:
        >>> sent = httpx.Request("POST", "https://x.test/chat?channel=C1", data={"text": "hi"})
        >>> request_values(sent)
        {'channel': 'C1', 'text': 'hi'}
    """
    found: dict[str, Any] = dict(parse_qsl(request.url.query.decode("ascii", "replace")))
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = request.content
    if kind == "application/x-www-form-urlencoded":
        found.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif kind.endswith("json") and body:
        try:
            parsed = json.loads(body)
        except ValueError:
            return found
        if isinstance(parsed, dict):
            found.update(parsed)
    return found


def echo(value: Any, sent: Mapping[str, Any], depth: int = ECHO_DEPTH) -> Any:
    """``value`` with each field named like a sent value taking that value, where both are
    of the same JSON kind (a string for a string...), down to ``depth`` levels. A field
    whose name looks secret keeps its made-up value.

    Example:
        >>> answer = {"ok": True, "channel": "C0", "message": {"text": "example", "ts": "1"}}
        >>> echo(answer, {"channel": "C123", "text": "Order 7 shipped", "ts": 5})
        {'ok': True, 'channel': 'C123', 'message': {'text': 'Order 7 shipped', 'ts': '1'}}
    """
    if depth <= 0:
        return value
    if isinstance(value, list):
        return [echo(item, sent, depth - 1) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in sent and _same_kind(item, sent[key]) and not looks_secret(key):
            out[key] = sent[key]
        else:
            out[key] = echo(item, sent, depth - 1)
    return out


def _same_kind(answer: Any, sent: Any) -> bool:
    if isinstance(answer, bool) or isinstance(sent, bool):
        return isinstance(answer, bool) and isinstance(sent, bool)
    if isinstance(answer, int | float):
        return isinstance(sent, int | float)
    return type(answer) is type(sent) and isinstance(answer, str | list | dict)


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
        matches = self.router.matches(request.method, raw_path, query)
        match = next(matches)
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
            for other in matches if problems else ():  # a path two templates share
                if other.operation is not None and not self.checker.problems(
                    request, other.path, operation=other.operation, path_params=other.params
                ):
                    operation, problems = other.operation, []
                    break
        if problems:
            message = f"invalid request to {operation.name}: " + "; ".join(problems)
            return _error(400, message, problems, operation=operation.name)
        status, content, headers = self.answer(operation)
        if request.method == "HEAD":
            content = b""
        elif content and headers.get("Content-Type", "").split(";")[0].strip().endswith("json"):
            sent = request_values(request)
            if sent:
                content = json.dumps(echo(json.loads(content), sent)).encode()
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
            if response.schema is not None:
                value, generated = completed(value, response.schema, self.spec, seed=self.seed)
                if generated:
                    headers[NOTE_HEADER] = (
                        "the spec's example lacks required " + ", ".join(generated) + ": generated"
                    )
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


def completed(
    example: Any, schema: Mapping[str, Any], spec: ApiSpec, *, seed: int = 0
) -> tuple[Any, list[str]]:
    """``example`` with the required properties it leaves out generated, and their names.

    Only an object example's own properties are looked at; what it has is kept as it is.

    Example:
        >>> spec = ApiSpec("t", "1", "", {}, {}.__getitem__)
        >>> schema = {"type": "object", "required": ["ok", "items"], "properties": {
        ...     "ok": {"type": "boolean"},
        ...     "items": {"type": "array", "items": {"type": "object", "required": ["id"],
        ...               "properties": {"id": {"type": "integer"}}}}}}
        >>> completed({"ok": True}, schema, spec)
        ({'ok': True, 'items': [{'id': 1}, {'id': 2}]}, ['items'])
        >>> completed({"ok": True, "items": []}, schema, spec)
        ({'ok': True, 'items': []}, [])
    """
    if not isinstance(example, dict):
        return example, []
    required = flatten(schema, spec.resolve).get("required")
    missing = [n for n in required or () if isinstance(n, str) and n not in example]
    if not missing:
        return example, []
    made = generate(schema, spec, seed=seed).value
    if not isinstance(made, dict):
        return example, []
    found = [name for name in missing if name in made]
    return {**example, **{name: made[name] for name in found}}, found


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
