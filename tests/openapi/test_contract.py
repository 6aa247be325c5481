"""Contract: every action of every spec in ../shared/specs sends a request the spec allows.

For each supported operation the action's example inputs (``example_arguments``) go
through its typed input model and :func:`build_request`; the request is then validated by
openapi-core (a validator we did not write), against the document as given, with two
pieces of configuration from ``workbench.openapi.core_support``: the servers rebased to
``/`` and the ignored header parameters dropped (``rebased``), and the ``deepObject``
style read the way Stripe writes it (openapi-core reads one level of objects only); its
path finder is shared by the two validators so each request is looked up once.

Some findings are openapi-core limits or spec defects, not request faults; each is
counted under its reason, by rule (see :func:`excused`), and printed in the table at the
end of the run. Swagger 2.0 documents cannot be read by openapi-core: their requests are
built here and checked by the Prism mock server (tests/openapi/test_prism_contract.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.validation.request import validators as v
from specs import FILES

from workbench.openapi import connector_class, example_arguments, load_spec
from workbench.openapi.actions import OperationSpec
from workbench.openapi.core_support import (
    LastPathFinder,
    rebased,
    style_deserializers_factory,
    unreadable,
)
from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.requests import build_request
from workbench.openapi.validation import OpenApiCoreRequest

pytestmark = pytest.mark.slow

BASE = "https://contract.test/base"
# Operations for which no valid request exists: the spec contradicts itself.
UNSATISFIABLE = {
    ("sendgrid.com.json", "put_marketing_singlesends_id_schedule"): (
        "send_at: enum ['now'] with format date-time"
    ),
}


@dataclass
class Counts:
    origin: str = ""
    operations: int = 0
    supported: int = 0
    validated: int = 0
    partial: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    notes: Counter[str] = field(default_factory=Counter)


RESULTS: dict[str, Counts] = {}
PARTIAL = "unread:"  # a note that leaves part of the request unchecked


class Summary:
    """Prints the per-spec counts at the end of the run (a plugin registered by the tests)."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not RESULTS:
            return
        write = terminalreporter.write_line
        terminalreporter.section("OpenAPI contract: requests validated by openapi-core")
        head = (
            f"{'spec':44} {'origin':7} {'ops':>4} {'supp':>4} {'valid':>5} {'part':>4} {'fail':>4}"
        )
        write(head + "  notes")
        for name, c in sorted(RESULTS.items()):
            notes = "; ".join(f"{n} x{k}" for n, k in sorted(c.notes.items()))
            row = f"{name[:44]:44} {c.origin:7} {c.operations:4} {c.supported:4} {c.validated:5} "
            write(row + f"{c.partial:4} {len(c.failed):4}  {notes}")
            for operation, reason in list(c.failed.items())[:5]:
                write(f"    FAILED {operation}: {reason[:160]}")
        keys = ("operations", "supported", "validated", "partial")
        ops, supported, valid, part = (sum(getattr(c, k) for c in RESULTS.values()) for k in keys)
        failed = sum(len(c.failed) for c in RESULTS.values())
        write(
            f"total: {ops} operations, {supported} supported, {valid} requests valid, "
            f"{part} valid where openapi-core can read them, {failed} invalid"
        )


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("workbench-openapi-contract"):
        manager.register(Summary(), "workbench-openapi-contract")


class Checker:
    """openapi-core's parameter and body validators for one document (built once)."""

    def __init__(self, spec: ApiSpec) -> None:
        config = Config(spec_validator_cls=None)  # type: ignore[arg-type]  # the spec is trusted
        app = OpenAPI.from_dict(rebased(spec.document), config=config)
        if app.version.minor == "1":
            classes: tuple[Any, ...] = (v.V31RequestParametersValidator, v.V31RequestBodyValidator)
        else:
            classes = (v.V30RequestParametersValidator, v.V30RequestBodyValidator)
        options = {
            "style_deserializers_factory": style_deserializers_factory(classes[0]),
            "path_finder_cls": LastPathFinder(app.spec),  # one path lookup per request
        }
        self.checks = [cls(app.spec, **options) for cls in classes]

    def errors(self, request: httpx.Request, operation: Operation) -> list[Exception]:
        path = request.url.raw_path.split(b"?")[0].decode()[len(httpx.URL(BASE).path) :]
        pattern, params = None, None
        if "#" in operation.path or "?" in operation.path:
            # openapi-core cannot route a template carrying a query (AWS's "/#Action=X")
            pattern, params = operation.path, _path_params(operation.path, path)
        adapter = OpenApiCoreRequest(request, path, path_pattern=pattern, path_params=params)
        return [error for check in self.checks for error in check.iter_errors(adapter)]


def _path_params(template: str, path: str) -> dict[str, str]:
    route = re.split(r"[#?]", template, maxsplit=1)[0]
    names = re.findall(r"\{([^}]+)\}", route)
    regex = re.escape(route)
    for name in names:
        regex = regex.replace(re.escape("{" + name + "}"), "([^/]+)")
    found = re.fullmatch(regex, path)
    return dict(zip(names, map(unquote, found.groups()), strict=True)) if found else {}


def excused(
    error: Exception, request: httpx.Request, operation: Operation, spec: ApiSpec
) -> str | None:
    """Why a finding is not a fault of the request, or None when it is one."""
    kind = type(error).__name__
    name = getattr(error, "name", None)
    if any(p.name == name and unreadable(p, spec.resolve) for p in operation.parameters):
        return "unread: query object or list of objects openapi-core cannot read back"
    if kind == "MissingRequestBody":  # the body validator's view of an optional body
        return "optional body left out"
    media = request.headers.get("content-type", "").split(";")[0]
    if "Body" in kind and media.endswith("xml"):
        return "unread: XML body (openapi-core reads XML into elements); parameters checked"
    location = getattr(error, "location", None)
    if not (name and location) or kind == "MissingRequiredParameter":
        return None
    causes, cause = [], error.__cause__
    while cause is not None:
        causes.append(str(cause))
        cause = cause.__cause__
    if causes and "read-only" in causes[-1]:
        return "readOnly on a parameter's own schema"
    query = {k for k, _ in request.url.params.multi_items()}
    carried = {
        "query": query,
        "header": {k.lower() for k in request.headers},
        "path": {name},
        "cookie": set(),
    }[location]
    present = str(name).lower() in carried if location == "header" else name in carried
    if not present and not any(k.startswith(f"{name}[") for k in query):
        return "an absent parameter's default breaks its own schema"
    return None


@pytest.mark.parametrize("spec_file", FILES, ids=[p.name for p in FILES])
def test_every_action_sends_a_request_the_spec_allows(spec_file: Path) -> None:
    spec = load_spec(spec_file)
    actions = {
        s.operation.name: s
        for s in connector_class(spec, "contract").action_specs.values()
        if isinstance(s, OperationSpec)
    }
    counts = RESULTS[spec_file.name] = Counts(spec.origin, len(spec.operations))
    swagger = spec.origin == "swagger"
    checker = None if swagger else Checker(spec)
    for operation in spec.supported():
        counts.supported += 1
        action = actions[operation.name]
        model = action.input_model.model_validate(example_arguments(operation, spec))
        request = build_request(operation, spec, action.values(model), base_url=BASE)
        if checker is None:
            counts.notes["built, checked by Prism (Swagger 2.0)"] += 1
            continue
        faults, gaps = [], False
        for error in checker.errors(request, operation):
            reason = excused(error, request, operation, spec)
            if reason is None:
                faults.append(f"{type(error).__name__}: {error}; {error.__cause__}")
            else:
                counts.notes[reason] += 1
                gaps = gaps or reason.startswith(PARTIAL)
        known = UNSATISFIABLE.get((spec_file.name, operation.name))
        if known is not None:
            assert faults, f"{operation.name} is valid now; remove it from UNSATISFIABLE"
            counts.notes[f"unsatisfiable: {known}"] += 1
        elif faults:
            counts.failed[operation.name] = " | ".join(faults)
        elif gaps:
            counts.partial += 1
        else:
            counts.validated += 1
    assert counts.failed == {}
