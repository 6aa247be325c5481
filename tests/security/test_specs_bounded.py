"""Untrusted specs cannot exhaust the machine: nesting, YAML aliases, generated examples and
remote references are bounded, and each bound ends in a SpecError (exit code 3)."""

from __future__ import annotations

import json
import resource
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from servers import serve

from workbench.cli import cli
from workbench.errors import SpecError
from workbench.openapi import example_for, load_manifest, load_spec
from workbench.openapi.connector import connector_class
from workbench.openapi.limits import MAX_ALIAS_NODES, MAX_DEPTH
from workbench.openapi.model import ApiSpec
from workbench.openapi.models import TypeBuilder
from workbench.openapi.sandbox import NOTE_HEADER, SandboxTransport

BILLION_LAUGHS = """\
openapi: 3.0.3
info: {title: Laughs, version: "1"}
x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
x-f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
x-g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
x-h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
x-i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
paths:
  /laughs:
    get:
      operationId: laugh
      responses:
        "200":
          description: ok
          content: {application/json: {example: *i}}
"""


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def api(schema: dict[str, Any], **components: Any) -> dict[str, Any]:
    """A one-operation document answering ``schema``."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Bounded", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "getThings",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": schema}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": components},
    }


def sandbox_answer(spec: ApiSpec) -> httpx.Response:
    transport = SandboxTransport(spec)
    with httpx.Client(transport=transport, base_url="http://bounded.test") as client:
        return client.get("/things")


# ---------------------------------------------------------------- nesting depth


def test_a_json_spec_nested_100000_deep_is_a_spec_error_not_a_recursion_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b'{"openapi": "3.0.3", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    with pytest.raises(SpecError, match=rf"deep.json:1: nested deeper than {MAX_DEPTH} levels"):
        load_spec(path)


def test_the_cli_reports_a_deep_spec_with_exit_code_3(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    result = CliRunner().invoke(cli, ["connector", "import", str(path), "--name", "deep"])
    assert result.exit_code == 3, result.output
    assert f"nested deeper than {MAX_DEPTH} levels" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "text",
    [
        "{a: " * 500 + "1" + "}" * 500,  # flow mappings: construction recursed per level
        "".join("  " * i + "a:\n" for i in range(400)) + "  " * 400 + "b: 1\n",
        "[" * 300 + "]" * 300,
    ],
    ids=["flow", "block", "sequences"],
)
def test_a_yaml_spec_nested_too_deep_is_a_spec_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    with pytest.raises(SpecError, match=rf"deep.yaml:\d+: nested deeper than {MAX_DEPTH} levels"):
        load_spec(path)


def test_a_manifest_nested_too_deep_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    body = "{type: object, properties: {a: " * 300 + "{}" + "}}" * 300
    path.write_text(f"base_url: https://x.example.com\nactions:\n  a: {{path: /a, body: {body}}}\n")
    with pytest.raises(SpecError, match=rf"nested deeper than {MAX_DEPTH} levels"):
        load_manifest(path)


def test_nesting_within_the_limit_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "nested.json"
    inner = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)
    document = api({"type": "array"})
    text = json.dumps(document)[:-1] + f', "x-nested": {inner}}}'
    path.write_text(text)
    assert list(load_spec(path).operations) == ["get_things"]


def test_a_mapping_that_contains_itself_is_a_spec_error() -> None:
    document = api({"type": "object"})
    document["x-self"] = document
    with pytest.raises(SpecError, match="refers to itself"):
        load_spec(document, name="cyclic")


def test_a_mapping_whose_parts_are_shared_exponentially_is_a_spec_error() -> None:
    layer: Any = ["lol"] * 10
    for _ in range(9):
        layer = [layer] * 10  # 10**9 values when expanded, a few objects in memory
    document = api({"type": "object"})
    document["x-laughs"] = layer
    started = time.monotonic()
    with pytest.raises(SpecError, match=f"more than {MAX_ALIAS_NODES:,} values"):
        load_spec(document, name="shared")
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------- YAML aliases


def test_a_billion_laughs_spec_is_refused_naming_the_file_and_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    before = max_rss_mb()
    started = time.monotonic()
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert time.monotonic() - started < 5
    assert max_rss_mb() - before < 200
    message = str(caught.value)
    assert message.startswith(f"{path}:")
    assert f"aliases expand the document past {MAX_ALIAS_NODES:,} values" in message


def test_the_billion_laughs_never_reaches_a_sandbox_answer(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    result = CliRunner().invoke(cli, ["connector", "import", str(path), "--name", "laughs"])
    assert result.exit_code == 3
    assert "aliases expand the document" in result.stderr


def test_a_recursive_yaml_alias_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("openapi: 3.0.3\nx-loop: &loop [1, *loop]\npaths: {}\n")
    with pytest.raises(SpecError, match=r"loop\.yaml:2: alias 'loop' refers to itself"):
        load_spec(path)


def test_a_few_aliases_still_load(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "openapi: 3.0.3\ninfo: {title: A, version: '1'}\n"
        "x-ok: &ok {description: ok}\n"
        "paths:\n  /a: {get: {operationId: a, responses: {'200': *ok}}}\n"
        "  /b: {get: {operationId: b, responses: {'200': *ok}}}\n"
    )
    assert list(load_spec(path).operations) == ["a", "b"]


# ---------------------------------------------------------------- generated examples


def test_a_schema_that_requires_itself_gets_a_truncated_answer_with_a_note() -> None:
    node = {
        "type": "object",
        "required": ["next"],
        "properties": {"next": {"$ref": "#/components/schemas/Node"}},
    }
    spec = load_spec(api({"$ref": "#/components/schemas/Node"}, Node=node), name="nodes")
    response = sandbox_answer(spec)
    assert response.status_code == 200
    assert "truncated" in response.headers[NOTE_HEADER]
    assert "depth" in response.headers[NOTE_HEADER]
    depth, value = 0, response.json()
    while isinstance(value, dict) and "next" in value:
        depth, value = depth + 1, value["next"]
    assert depth < 100


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "array", "minItems": 10**9, "items": {"type": "string"}}, "items"),
        ({"type": "string", "minLength": 10**9}, "characters"),
        ({"type": "string", "pattern": "^a{1000000000}$"}, "characters"),
        ({"type": "string", "pattern": "^(a{1000}){1000}$", "minLength": 1000000}, "characters"),
        ({"type": "object", "minProperties": 10**9, "additionalProperties": {}}, "items"),
    ],
    ids=["minItems", "minLength", "pattern", "nested-pattern", "minProperties"],
)
def test_huge_minimums_give_a_bounded_answer_with_a_note(
    schema: dict[str, Any], reason: str
) -> None:
    spec = load_spec(api(schema), name="huge")
    started = time.monotonic()
    response = sandbox_answer(spec)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert len(response.content) < 2_000_000
    assert reason in response.headers[NOTE_HEADER]


def test_a_schema_that_fans_out_exponentially_is_bounded_in_size_and_time() -> None:
    schemas: dict[str, Any] = {}
    for level in range(12):
        target = (
            {"type": "string"} if level == 11 else {"$ref": f"#/components/schemas/L{level + 1}"}
        )
        names = [f"p{i}" for i in range(8)]
        schemas[f"L{level}"] = {
            "type": "object",
            "required": names,
            "properties": {name: target for name in names},
        }
    spec = load_spec(api({"$ref": "#/components/schemas/L0"}, **schemas), name="fan")
    started = time.monotonic()
    response = sandbox_answer(spec)
    assert time.monotonic() - started < 10
    assert len(response.content) < 2_000_000
    assert "truncated" in response.headers[NOTE_HEADER]


def test_example_for_on_a_schema_that_contains_itself_ends() -> None:
    schema: dict[str, Any] = {"type": "object", "required": ["again"]}
    schema["properties"] = {"again": schema}
    spec = load_spec(api({"type": "object"}), name="self")
    value = example_for(schema, spec)
    assert isinstance(value, dict)


def test_models_of_a_schema_that_contains_itself_end() -> None:
    schema: dict[str, Any] = {"type": "object", "required": ["again"]}
    schema["properties"] = {"again": schema, "items": {"type": "array", "items": schema}}
    annotation = TypeBuilder({}.__getitem__).annotation(schema, "Loop")
    assert annotation is not None


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "minimum": 1e308, "multipleOf": 1e-308},
        {"type": "integer", "minimum": 10**400},
        {"type": "integer", "maximum": -(10**400), "minimum": 10**400},
        {"type": "array", "minItems": "many", "maxItems": [1], "items": {"minLength": "x"}},
        {"type": "object", "minProperties": -5, "required": "name"},
        {"type": "number", "example": 10**400, "maximum": 5},
    ],
    ids=["overflow", "huge-int", "impossible", "junk-counts", "junk-object", "huge-example"],
)
def test_ill_typed_or_extreme_keywords_still_get_an_answer(schema: dict[str, Any]) -> None:
    spec = load_spec(api(schema), name="odd")
    response = sandbox_answer(spec)
    assert response.status_code == 200


def test_a_catastrophic_pattern_does_not_hang_the_example() -> None:
    schema = {"type": "string", "pattern": "^(a+)+$", "example": "a" * 40 + "!"}
    spec = load_spec(api(schema), name="redos")
    started = time.monotonic()
    response = sandbox_answer(spec)
    assert time.monotonic() - started < 5
    assert response.status_code == 200


def test_a_spec_nested_to_the_limit_builds_models_and_answers() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(MAX_DEPTH // 2 - 10):
        schema = {"type": "object", "required": ["a"], "properties": {"a": schema}}
    spec = load_spec(api(schema), name="nested")
    connector = connector_class(spec, "nested")
    assert "get_things" in connector.action_specs
    response = sandbox_answer(spec)
    assert response.status_code == 200


# ---------------------------------------------------------------- remote references


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _spec_referring_to(url: str) -> dict[str, Any]:
    document = api({"type": "object"})
    document["paths"]["/things"]["get"]["parameters"] = [{"$ref": url}]
    return document


@pytest.fixture
def other_site(tmp_path: Path) -> Any:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "common.json").write_text(
        json.dumps({"limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}})
    )
    with serve(partial(_Quiet, directory=str(folder))) as url:  # type: ignore[arg-type]
        yield url


@pytest.fixture
def spec_site(tmp_path: Path, other_site: str) -> Any:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "spec.json").write_text(
        json.dumps(_spec_referring_to(f"{other_site}/common.json#/limit"))
    )
    (folder / "common.json").write_text(
        json.dumps({"limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}})
    )
    (folder / "same.json").write_text(json.dumps(_spec_referring_to("common.json#/limit")))
    with serve(partial(_Quiet, directory=str(folder))) as url:  # type: ignore[arg-type]
        yield url


def test_a_remote_spec_may_not_fetch_refs_from_another_origin(spec_site: str) -> None:
    spec = load_spec(f"{spec_site}/spec.json")
    reason = spec.operations["get_things"].unsupported or ""
    assert "is not the spec's origin" in reason
    assert "allowed_ref_origins" in reason
    with pytest.raises(SpecError, match="is not the spec's origin"):
        spec.resolve(spec.document["paths"]["/things"]["get"]["parameters"][0]["$ref"])


def test_a_remote_spec_fetches_refs_from_its_own_origin(spec_site: str) -> None:
    spec = load_spec(f"{spec_site}/same.json")
    assert spec.operations["get_things"].parameters[0].name == "limit"


def test_allowed_ref_origins_in_workbench_toml_lets_another_origin_in(
    spec_site: str, other_site: str, project: Path
) -> None:
    (project / "workbench.toml").write_text(f'[openapi]\nallowed_ref_origins = ["{other_site}"]\n')
    spec = load_spec(f"{spec_site}/spec.json")
    assert spec.operations["get_things"].parameters[0].name == "limit"


def test_a_local_spec_fetches_no_url_unless_its_origin_is_allowed(
    other_site: str, project: Path
) -> None:
    document = _spec_referring_to(f"{other_site}/common.json#/limit")
    assert "is not the spec's origin" in (
        load_spec(document, name="local").operations["get_things"].unsupported or ""
    )
    (project / "workbench.toml").write_text(f'[openapi]\nallowed_ref_origins = ["{other_site}/"]\n')
    assert load_spec(document, name="local").operations["get_things"].parameters[0].name == "limit"


def test_a_bad_allowed_ref_origins_setting_is_a_config_error(
    other_site: str, project: Path
) -> None:
    from workbench.errors import ConfigError

    (project / "workbench.toml").write_text('[openapi]\nallowed_ref_origins = "everything"\n')
    document = _spec_referring_to(f"{other_site}/common.json#/limit")
    with pytest.raises(ConfigError, match=r"workbench.toml: \[openapi\] allowed_ref_origins"):
        load_spec(document, name="local")


def test_a_redirect_to_another_origin_is_refused(other_site: str) -> None:
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/spec.json"):
                body = json.dumps(_spec_referring_to("moved.json#/limit")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(302)
            self.send_header("Location", f"{other_site}/common.json")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serve(Redirect) as url:
        spec = load_spec(f"{url}/spec.json")
    assert "is not the spec's origin" in (spec.operations["get_things"].unsupported or "")


def test_a_malformed_allowed_origin_is_a_config_error(other_site: str, project: Path) -> None:
    from workbench.errors import ConfigError

    (project / "workbench.toml").write_text('[openapi]\nallowed_ref_origins = ["https://[x"]\n')
    document = _spec_referring_to(f"{other_site}/common.json#/limit")
    with pytest.raises(ConfigError, match=r"expected an origin such as"):
        load_spec(document, name="local")


# ---------------------------------------------------------------- what the sandbox reads


def test_half_a_surrogate_pair_in_a_json_spec_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "surrogate.json"
    path.write_text(json.dumps(api({"type": "string"}))[:-1] + ', "x-title": "\\ud800"}')
    with pytest.raises(SpecError, match=r"surrogate.json:1: invalid JSON: '\\\\ud800' is half"):
        load_spec(path)
    path.write_bytes(b'{"openapi": "3.0.3", "info": {"title": "\xed\xa0\x80"}}')
    with pytest.raises(SpecError, match="not UTF-8 text"):
        load_spec(path)


def _sandbox_client() -> httpx.Client:
    document = api({"type": "object"})
    operation = document["paths"]["/things"]["get"]
    operation["parameters"] = [
        {"name": "f", "in": "query", "style": "deepObject", "schema": {"type": "object"}}
    ]
    document["paths"]["/things"]["post"] = {
        "requestBody": {"content": {"application/json": {"schema": {}}}},
        "responses": {"200": {"description": "ok"}},
    }
    transport = SandboxTransport(load_spec(document, name="reads"))
    return httpx.Client(transport=transport, base_url="http://bounded.test")


def test_the_sandbox_refuses_a_request_body_nested_too_deep() -> None:
    with _sandbox_client() as client:
        deep = b"[" * 100_000 + b"]" * 100_000
        response = client.post(
            "/things", content=deep, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert f"nested deeper than {MAX_DEPTH} levels" in response.json()["error"]["message"]
        fine = client.post(
            "/things", content=b"[[1]]", headers={"content-type": "application/json"}
        )
        assert fine.status_code == 200


def test_the_sandbox_refuses_a_query_key_nested_too_deep() -> None:
    with _sandbox_client() as client:
        assert client.get("/things", params={"f[a][b]": "1"}).status_code == 200
        response = client.get("/things", params={"f" + "[a]" * 3000: "1"})
        assert response.status_code == 400
        assert "nested deeper than" in response.json()["error"]["message"]
