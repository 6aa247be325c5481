"""Every action of the Slack, Twilio and Stripe connectors sends a request that an
independent mock server accepts.

The server is Prism (npm ``@stoplight/prism-cli``, installed by ``make test`` into
tools/prism), started here in mock mode with request validation on: it checks each
request against the same spec (path, parameters, body, security) and reports violations
in an ``sl-violations`` header, or with an error status when a request is unacceptable.
The Swagger 2.0 Slack spec is checked here too, since openapi-core reads OpenAPI 3 only.

Prism is given each spec with its response schemas and examples left out: it validates
requests against the request side (paths, parameters, bodies, security), which is kept
whole. Its start-up resolves every schema, and on Stripe's cyclic response schemas it
does not finish (more than ten minutes here), while the request side of Stripe holds no
cycle at all.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from specs import SPECS

from workbench.errors import ActionError
from workbench.openapi import connector_class, load_spec
from workbench.openapi.examples import example_arguments

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "tools" / "prism" / "node_modules" / ".bin" / "prism"
CHECKED = {
    "slack": "slack.com.json",
    "slack_v2": "slack_web_openapi_v2__swagger2.json",
    "twilio": "twilio.com__api.json",
    "stripe": "stripe.com.json",
}
# Operations whose form bodies hold arrays of objects, which Prism cannot read; the
# contract test with openapi-core (test_contract.py) validates their requests.
UNREADABLE_BY_PRISM = {"stripe": ["post_payment_links", "post_tax_calculations"]}
CREDENTIALS = {
    "token": "contract-token",
    "username": "ACcontract",
    "password": "contract-password",
    "api_key": "contract-key",
}

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prism exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"prism did not listen on {port} within 120 s:\n{log.read_text()[-2000:]}")


def _request_side(document: dict[str, Any]) -> dict[str, Any]:
    """The document without response schemas and examples, and without the schemas that
    only responses referred to."""
    doc = copy.deepcopy(document)
    responses = [
        response
        for item in doc.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
    ]
    responses += doc.get("components", {}).get("responses", {}).values()
    responses += doc.get("responses", {}).values()  # Swagger 2.0
    for response in responses:
        _strip(response)
        for media in response.get("content", {}).values():
            _strip(media)
    used = _referenced(doc)
    tables = [
        (doc.get("components", {}).get("schemas", {}), "#/components/schemas/"),
        (doc.get("definitions", {}), "#/definitions/"),
    ]
    for table, prefix in tables:
        for name in [n for n in table if prefix + n not in used]:
            del table[name]
    return doc


def _strip(node: MutableMapping[str, Any]) -> None:
    for key in ("schema", "examples", "example"):
        node.pop(key, None)


def _referenced(doc: dict[str, Any]) -> set[str]:
    """The local $refs reachable from everything but the schema tables."""
    found: set[str] = set()
    todo: list[Any] = [v for k, v in doc.items() if k not in ("components", "definitions")]
    todo += [v for k, v in doc.get("components", {}).items() if k != "schemas"]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/") and ref not in found:
                found.add(ref)
                todo.append(_target(doc, ref))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def _target(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.fixture(scope="module", params=sorted(CHECKED))
def prism(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, str]]:
    """Prism mocking one spec on a free loopback port: (name, spec path, base URL)."""
    name = request.param
    spec = SPECS / CHECKED[name]
    assert PRISM.exists(), f"{PRISM} is missing; `make test` installs it with npm"
    port = _free_port()
    folder = tmp_path_factory.mktemp("prism")
    log = folder / f"{name}.log"
    served = folder / f"{name}.json"
    served.write_text(json.dumps(_request_side(json.loads(spec.read_text()))))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PRISM), "mock", "--host", "127.0.0.1", "--port", str(port), str(served)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, process, log)
        yield name, spec, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


# Prism reads a deepObject-encoded property that a request leaves out as an empty object,
# then reports that object's required properties as missing. A report about a property
# the request never carried is Prism's reading, not the request's fault.
_MISSING_IN = re.compile(
    r"^Request (?:body property|query parameter) ([\w.]+) must have required property '\w+'$"
)
# Prism cannot read arrays of objects in a form body (Stripe's line_items[0][price]=...).
_UNREADABLE = "Cannot deserialize JSON object array in form data request body"


def _verdict(response: httpx.Response) -> tuple[str, str]:
    """``accepted``, ``unreadable`` (by Prism) or ``rejected`` with Prism's reasons."""
    violations = json.loads(response.headers.get("sl-violations", "[]"))
    if any(v["message"].startswith(_UNREADABLE) for v in violations):
        return "unreadable", _UNREADABLE
    carried = _carried(response.request)
    reasons = [
        v["message"]
        for v in violations
        if v.get("severity") == "Error"
        and v.get("location", ["request"])[0] == "request"  # not Prism's own mock response
        and not _about_absent(v["message"], carried)
    ]
    return ("rejected", "; ".join(reasons)[:300]) if reasons else ("accepted", "")


def _carried(request: httpx.Request) -> set[str]:
    keys = set(request.url.params.keys())
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        keys |= {key for key, _ in parse_qsl(request.content.decode(), keep_blank_values=True)}
    return keys


def _about_absent(message: str, carried: set[str]) -> bool:
    match = _MISSING_IN.match(message)
    if match is None:
        return False
    first, *rest = match.group(1).split(".")
    prefix = first + "".join(f"[{part}]" for part in rest)
    return not any(key == prefix or key.startswith(prefix + "[") for key in carried)


def test_every_action_request_is_accepted_by_prism(prism: tuple[str, Path, str]) -> None:
    name, path, url = prism
    spec = load_spec(path)
    api_class = connector_class(spec, f"contract_{name}")
    fields = api_class.config_model.model_fields
    config = api_class.config_model(
        base_url=url, **{k: v for k, v in CREDENTIALS.items() if k in fields}
    )
    verdicts: dict[str, tuple[str, str]] = {}
    exchanges: list[httpx.Response] = []
    with api_class(config, connection=name) as api:
        api.http().event_hooks["response"].append(lambda r: exchanges.append(r) or r.read())
        for operation in spec.supported():
            with contextlib.suppress(ActionError):  # Prism's answers may be errors; judged below
                getattr(api, operation.name)(**example_arguments(operation, spec))
            verdicts[operation.name] = _verdict(exchanges[-1])
    counts = Counter(kind for kind, _ in verdicts.values())
    print(f"\nprism {name}: {len(verdicts)} requests sent: {dict(sorted(counts.items()))}")
    assert len(verdicts) == len(spec.operations) > 100
    assert {n: reason for n, (kind, reason) in verdicts.items() if kind == "rejected"} == {}
    unreadable = sorted(n for n, (kind, _) in verdicts.items() if kind == "unreadable")
    assert unreadable == UNREADABLE_BY_PRISM.get(name, [])
