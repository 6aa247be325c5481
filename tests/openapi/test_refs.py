"""$ref: local pointers, other files, URLs; lazy, cached, finite on recursive schemas."""

from __future__ import annotations

import json
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from servers import serve

from workbench.errors import SpecError
from workbench.openapi import load_spec
from workbench.openapi.refs import Resolver, walk

SCHEMAS = """\
Pet:
  type: object
  properties:
    owner: {$ref: "#/Owner"}
    tags: {$ref: "common/tags.json#/Tags"}
Owner:
  type: object
  properties:
    name: {type: string}
    pets: {type: array, items: {$ref: "#/Pet"}}
limit: {name: limit, in: query, schema: {type: integer}}
"""
TAGS = {"Tags": {"type": "array", "items": {"type": "string"}}}


def document(**extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "parameters": [{"$ref": "schemas.yaml#/limit"}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "schemas.yaml#/Pet"}}
                            },
                        }
                    },
                },
                "post": {
                    "operationId": "addPet",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "schemas.yaml#/Pet"}}}
                    },
                },
            }
        },
        **extra,
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "specs" / "common").mkdir(parents=True)
    (tmp_path / "specs" / "spec.json").write_text(json.dumps(document()))
    (tmp_path / "specs" / "schemas.yaml").write_text(SCHEMAS)
    (tmp_path / "specs" / "common" / "tags.json").write_text(json.dumps(TAGS))
    return tmp_path / "specs"


def test_local_refs_and_json_pointer_escapes() -> None:
    doc = {"paths": {"/a/{id}": {"get": {"x": 1}}}, "list": [{"a~b": {"n": 2}}]}
    resolve = Resolver(doc, "file:///spec.json", "spec.json")
    assert resolve("#/paths/~1a~1%7Bid%7D/get") == {"x": 1}
    assert resolve("#/list/0/a~0b") == {"n": 2}
    assert walk(doc, "") is doc
    with pytest.raises(SpecError, match=r"spec.json: cannot resolve \$ref '#/list/7': no '7'"):
        resolve("#/list/7")
    with pytest.raises(SpecError, match="names a number, not a mapping"):
        resolve("#/paths/~1a~1{id}/get/x")


def test_refs_to_other_files_are_read_lazily_once_and_made_absolute(folder: Path) -> None:
    reads: list[str] = []
    spec = load_spec(folder / "spec.json")
    op = spec.operations["list_pets"]
    (limit,) = op.parameters
    assert (limit.name, limit.python_name, limit.schema) == ("limit", "limit", {"type": "integer"})
    add = spec.operations["add_pet"]
    assert add.body is not None and set(add.body.fields) == {"owner", "tags"}
    pet_ref = op.success().schema["$ref"]  # type: ignore[index, union-attr]
    assert pet_ref == "schemas.yaml#/Pet"  # as written in the root document

    resolver: Any = spec.resolve
    original = resolver._reader
    resolver._reader = lambda uri: reads.append(uri) or original(uri)
    pet = spec.resolve(pet_ref)
    schemas_uri = (folder / "schemas.yaml").resolve().as_uri()
    assert pet["properties"]["owner"] == {"$ref": f"{schemas_uri}#/Owner"}
    tags = spec.resolve(pet["properties"]["tags"]["$ref"])
    assert tags == TAGS["Tags"]
    owner = spec.resolve(pet["properties"]["owner"]["$ref"])
    assert spec.resolve(owner["properties"]["pets"]["items"]["$ref"]) is pet
    assert reads == [(folder / "common" / "tags.json").resolve().as_uri()]  # schemas.yaml: cached


def test_recursive_schemas_stay_finite() -> None:
    doc = {
        "openapi": "3.1.0",
        "paths": {
            "/nodes": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "integer"},
                        "children": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Node"},
                        },
                        "parent": {"$ref": "#/components/schemas/Alias"},
                    },
                },
                "Alias": {"$ref": "#/components/schemas/Node"},
                "A": {"$ref": "#/components/schemas/B"},
                "B": {"$ref": "#/components/schemas/A"},
            }
        },
    }
    spec = load_spec(doc, name="tree")
    (op,) = spec.operations.values()
    assert op.body is not None and set(op.body.fields) == {"value", "children", "parent"}
    node = spec.resolve("#/components/schemas/Node")
    for _ in range(100):
        node = spec.resolve(node["properties"]["parent"]["$ref"])
    assert node is spec.resolve("#/components/schemas/Alias")
    with pytest.raises(SpecError, match=r"circular \$ref: #/components/schemas/A -> .*B -> .*A"):
        spec.resolve("#/components/schemas/A")


def test_a_missing_file_makes_only_its_operations_unsupported(folder: Path) -> None:
    (folder / "schemas.yaml").unlink()
    spec = load_spec(folder / "spec.json")
    assert [op.name for op in spec.unsupported()] == ["list_pets", "add_pet"]
    reason = spec.operations["list_pets"].unsupported or ""
    assert reason.startswith("#/paths/~1pets/get/parameters/0: cannot resolve $ref to 'file://")
    assert reason.endswith("schemas.yaml': no such file")


@pytest.fixture
def site(folder: Path) -> Any:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    with serve(partial(Quiet, directory=str(folder))) as url:  # type: ignore[arg-type]
        yield url


def test_refs_over_http_resolve_against_the_spec_url(site: str, folder: Path) -> None:
    spec = load_spec(f"{site}/spec.json")
    assert spec.servers == (site,)  # no servers: "/" against the spec's URL
    assert spec.supported() and not spec.unsupported()
    pet = spec.resolve("schemas.yaml#/Pet")
    assert pet["properties"]["tags"] == {"$ref": f"{site}/common/tags.json#/Tags"}
    assert spec.resolve(pet["properties"]["tags"]["$ref"]) == TAGS["Tags"]


def test_a_local_spec_may_refer_to_a_url_whose_origin_is_allowed(site: str, project: Path) -> None:
    doc = document()
    doc["paths"]["/pets"]["get"]["parameters"] = [{"$ref": f"{site}/schemas.yaml#/limit"}]
    (project / "workbench.toml").write_text(f'[openapi]\nallowed_ref_origins = ["{site}"]\n')
    spec = load_spec(doc, name="mixed")
    assert spec.operations["list_pets"].parameters[0].name == "limit"


def test_a_remote_spec_may_not_read_local_files(site: str, folder: Path) -> None:
    doc = document()
    local = (folder / "schemas.yaml").resolve().as_uri()
    doc["paths"]["/pets"]["get"]["parameters"] = [{"$ref": f"{local}#/limit"}]
    (folder / "evil.json").write_text(json.dumps(doc))
    spec = load_spec(f"{site}/evil.json")
    assert "a remote document may not read local files" in (
        spec.operations["list_pets"].unsupported or ""
    )
