"""Every spec in ../shared/specs imports: one operation per (path, method), uniquely named."""

from __future__ import annotations

import functools
import json
import keyword
from pathlib import Path

import pytest
from specs import FILES, SPECS

from workbench.openapi import ApiSpec, load_spec
from workbench.openapi.operations import METHODS


@functools.cache
def loaded(name: str) -> ApiSpec:
    return load_spec(SPECS / name)


def raw_pairs(path: Path) -> set[tuple[str, str]]:
    document = json.loads(path.read_bytes())
    return {
        (route, method)
        for route, item in document.get("paths", {}).items()
        if not route.startswith("x-")
        for method in item
        if method in METHODS
    }


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_spec_imports_every_operation(path: Path) -> None:
    spec = loaded(path.name)
    operations = list(spec.operations.values())
    assert len(operations) == len(raw_pairs(path))
    assert {(op.path, op.method) for op in operations} == raw_pairs(path)
    names = [op.name for op in operations]
    assert len(set(names)) == len(names)
    assert all(name.isidentifier() and not keyword.iskeyword(name) for name in names)
    assert all(op.unsupported is None or op.unsupported.strip() for op in operations)
    assert spec.title and spec.servers
    for op in operations:
        python_names = [p.python_name for p in op.parameters]
        assert len(set(python_names)) == len(python_names), op.name
        assert all(n.isidentifier() and not keyword.iskeyword(n) for n in python_names)
        if op.body is not None and op.body.fields:
            assert not set(op.body.fields) & set(python_names), op.name
        elif op.body is not None:
            assert "body" not in python_names, op.name


def test_import_counts_per_spec(record_property: pytest.RecordProperty) -> None:
    """The table of operations per spec: supported and unsupported (shown with -s or -rA)."""
    lines = [f"{'spec':48} {'operations':>10} {'supported':>9} {'unsupported':>11}"]
    total = [0, 0, 0]
    for path in FILES:
        spec = loaded(path.name)
        counts = [len(spec.operations), len(spec.supported()), len(spec.unsupported())]
        total = [a + b for a, b in zip(total, counts, strict=True)]
        record_property(path.stem, {"supported": counts[1], "unsupported": counts[2]})
        lines.append(f"{path.stem[:48]:48} {counts[0]:>10} {counts[1]:>9} {counts[2]:>11}")
        lines.extend(f"    {op.name}: {op.unsupported}" for op in spec.unsupported())
    lines.append(f"{f'total ({len(FILES)} specs)':48} {total[0]:>10} {total[1]:>9} {total[2]:>11}")
    print("\n" + "\n".join(lines))
    assert total[0] == total[1] + total[2] > 0


def test_slack_swagger2_matches_the_openapi3_slack_spec() -> None:
    v3 = loaded("slack.com.json")
    v2 = loaded("slack_web_openapi_v2__swagger2.json")
    assert v2.origin == "swagger" and v3.origin == "openapi"
    by_id = {op.operation_id: op for op in v3.operations.values()}
    matched = 0
    for op in v2.operations.values():
        twin = by_id.get(op.operation_id)
        if twin is None:
            continue
        matched += 1
        assert op.name == twin.name
        assert (op.method, op.path) == (twin.method, twin.path)
        assert [(p.name, p.location) for p in op.parameters] == [
            (p.name, p.location) for p in twin.parameters
        ]
        assert (op.body and op.body.media_type) == (twin.body and twin.body.media_type)
        assert set(op.body.fields if op.body else {}) == set(twin.body.fields if twin.body else {})
        assert [r.status for r in op.responses] == [r.status for r in twin.responses]
    assert matched == len(v3.operations) == 174
    assert v2.servers == v3.servers == ("https://slack.com/api",)
    assert v2.security_schemes == v3.security_schemes


def test_big_specs_keep_schemas_as_references() -> None:
    github = loaded("github.com__api.github.com.json")
    op = github.operations["repos_list_for_org"]
    assert [p.python_name for p in op.parameters][:2] == ["org", "type"]
    schema = op.success().schema  # type: ignore[union-attr]
    assert schema == {"type": "array", "items": {"$ref": "#/components/schemas/minimal-repository"}}
    assert github.resolve(schema["items"]["$ref"])["type"] == "object"
    stripe = loaded("stripe.com.json")
    create = stripe.operations["post_customers"]
    assert create.body is not None
    assert create.body.media_type == "application/x-www-form-urlencoded"
    assert {"email", "description", "expand"} <= set(create.body.fields)
