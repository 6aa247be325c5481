"""`wb connector import|list|remove`, and imported specs in the catalog."""

from __future__ import annotations

import json
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from servers import serve

import workbench.openapi
from workbench import registry
from workbench.cli import cli
from workbench.errors import UnknownConnectorError
from workbench.openapi import ApiSpec, store
from workbench.paths import config_dir
from workbench.sdk import Connector

PETS = {
    "openapi": "3.0.3",
    "info": {"title": "Pet Store", "version": "1", "description": "Pets for all.\n\nMore."},
    "servers": [{"url": "/v1"}],
    "paths": {
        "/pets": {
            "get": {"operationId": "listPets", "parameters": [{"$ref": "common.yaml#/limit"}]},
            "post": {"operationId": "addPet", "parameters": [{"in": "query"}]},
        }
    },
    "components": {"securitySchemes": {"key": {"type": "apiKey", "name": "k", "in": "header"}}},
}


def wb(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "pets.json").write_text(json.dumps(PETS))
    (folder / "common.yaml").write_text("limit: {name: limit, in: query}\n")
    (folder / "todo.yml").write_text(
        "base_url: https://todo.example.com\nauth: {type: bearer}\n"
        "actions: {list_items: {path: /items}, add_item: {method: post, path: /items}}\n"
    )
    (folder / "bad.json").write_text(
        json.dumps({**PETS, "paths": {"/a": {"get": {"responses": []}}}})
    )
    return folder


def stored() -> list[str]:
    folder = config_dir() / "connectors"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_import_copies_the_spec_and_reports_unsupported_operations(specs: Path) -> None:
    result = wb("connector", "import", str(specs / "pets.json"), "--name", "pets")
    assert result.exit_code == 0, result.output
    target = config_dir() / "connectors" / "pets.json"
    assert result.output.splitlines() == [
        f"imported 'pets' (Pet Store) to {target}: 2 operations: 1 action, 1 unsupported",
        "unsupported operations:",
        "  add_pet (POST /pets): #/paths/~1pets/post/parameters/0: a parameter has no name",
    ]
    assert target.read_bytes() == (specs / "pets.json").read_bytes()
    assert stored() == ["pets.json", "pets.source"]
    assert store.load("pets").operations["list_pets"].parameters[0].name == "limit"  # $ref beside

    result = wb("connector", "import", str(specs / "todo.yml"), "--name", "todo")
    assert result.exit_code == 0, result.output
    assert "2 operations: 2 actions, 0 unsupported" in result.output
    assert stored() == ["pets.json", "pets.source", "todo.source", "todo.yaml"]


def test_nothing_is_written_for_a_bad_spec_or_name(specs: Path) -> None:
    result = wb("connector", "import", str(specs / "bad.json"), "--name", "bad")
    assert result.exit_code == 3
    assert result.output == (
        f"error: {specs / 'bad.json'}: #/paths/~1a/get/responses: expected a mapping, got list\n"
    )
    for name, message in [
        ("sqlite", "error: 'sqlite' is an installed connector; import under another name"),
        ("../evil", "error: invalid connector name '../evil'"),
    ]:
        result = wb("connector", "import", str(specs / "pets.json"), "--name", name)
        assert result.exit_code == 3 and result.output.startswith(message)
    result = wb("connector", "import", str(specs / "nowhere.json"), "--name", "nowhere")
    assert result.exit_code == 3 and "nowhere.json: no such file" in result.output
    assert wb("connector", "import", str(specs / "pets.json")).exit_code == 2  # --name required
    assert stored() == []


def test_reimporting_needs_force(specs: Path) -> None:
    assert wb("connector", "import", str(specs / "pets.json"), "--name", "x").exit_code == 0
    again = wb("connector", "import", str(specs / "todo.yml"), "--name", "x")
    assert again.exit_code == 3 and "already imported; use --force" in again.output
    forced = wb("connector", "import", str(specs / "todo.yml"), "--name", "x", "--force")
    assert forced.exit_code == 0
    assert stored() == ["x.source", "x.yaml"]


def test_import_from_a_url_resolves_against_it_later(specs: Path) -> None:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    with serve(partial(Quiet, directory=str(specs))) as url:  # type: ignore[arg-type]
        result = wb("connector", "import", f"{url}/pets.json", "--name", "pets")
        assert result.exit_code == 0, result.output
        assert (config_dir() / "connectors" / "pets.source").read_text() == f"{url}/pets.json\n"
        loaded = store.load("pets")
        assert loaded.servers == (f"{url}/v1",)
        assert loaded.operations["list_pets"].unsupported is None


def test_list_and_remove(specs: Path) -> None:
    assert wb("connector", "list").output == "no imported connectors\n"
    wb("connector", "import", str(specs / "pets.json"), "--name", "pets")
    wb("connector", "import", str(specs / "todo.yml"), "--name", "todo")
    lines = wb("connector", "list").output.splitlines()
    assert lines[0].split() == ["name", "title", "actions", "unsupported", "auth", "source"]
    assert lines[1].split()[:6] == ["pets", "Pet", "Store", "1", "1", "api_key"]
    assert lines[2].split()[:4] == ["todo", "todo", "2", "0"]
    rows = json.loads(wb("connector", "list", "--json").output)
    assert [(r["name"], r["actions"], r["auth"]) for r in rows] == [
        ("pets", 1, "api_key"),
        ("todo", 2, "bearer"),
    ]
    removed = wb("connector", "remove", "pets")
    assert removed.exit_code == 0 and removed.output.startswith("removed connector 'pets'")
    missing = wb("connector", "remove", "todoo")
    assert missing.exit_code == 4
    assert missing.output == "error: no imported connector named 'todoo'; did you mean 'todo'?\n"
    assert stored() == ["todo.source", "todo.yaml"]


def test_the_catalog_lists_imported_specs_from_their_files(
    specs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb("connector", "import", str(specs / "pets.json"), "--name", "pets")
    wb("connector", "import", str(specs / "todo.yml"), "--name", "todo")
    loads: list[Path] = []
    original = store.load_spec

    def counting(source: Any, **kwargs: Any) -> ApiSpec:
        loads.append(Path(source))
        return original(source, **kwargs)

    monkeypatch.setattr(store, "load_spec", counting)
    table = registry.catalog()
    rows = table.set_index("name").loc[["pets", "todo"]].reset_index().to_dict("records")
    assert rows == [
        {
            "name": "pets",
            "title": "Pet Store",
            "category": "api",
            "description": "Pets for all.",
            "auth": "api_key",
            "actions": 1,
            "triggers": 0,
            "package": "imported",
        },
        {
            "name": "todo",
            "title": "todo",
            "category": "api",
            "description": "todo",
            "auth": "bearer",
            "actions": 2,
            "triggers": 0,
            "package": "imported",
        },
    ]
    assert registry.catalog("add_item")["name"].tolist() == ["todo"]
    assert "sqlite" in set(registry.catalog()["name"])
    assert len(loads) == 2  # once per file, then cached

    path = config_dir() / "connectors" / "pets.json"
    path.write_text(json.dumps({**PETS, "paths": {}}))
    os.utime(path, ns=(1, 1))
    assert registry.catalog("pets")["actions"].tolist() == [0]
    assert len(loads) == 3
    path.write_text("{not json")
    (broken,) = registry.catalog("pets").to_dict("records")
    assert broken["description"].startswith(f"cannot load: {path}:1: invalid JSON")


def test_connecting_to_an_imported_spec_builds_its_class_once(
    specs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb("connector", "import", str(specs / "pets.json"), "--name", "pets")
    built: list[tuple[str, str]] = []

    def connector_class(spec: ApiSpec, name: str) -> type[Connector]:
        built.append((spec.title, name))
        return type("Pets", (Connector,), {"name": name})

    monkeypatch.setattr(workbench.openapi, "connector_class", connector_class, raising=False)
    cls = registry.get_connector("pets")
    assert cls.name == "pets" and registry.get_connector("pets") is cls
    assert built == [("Pet Store", "pets")]
    assert registry.get_connector("sqlite").name == "sqlite"  # installed ones come first
    with pytest.raises(UnknownConnectorError, match="did you mean 'pets'"):
        registry.get_connector("pest")


def test_an_imported_spec_connects_by_name_in_its_sandbox(specs: Path) -> None:
    wb("connector", "import", str(specs / "pets.json"), "--name", "pets")
    client = workbench.connect("pets")
    assert client.config.mode == "sandbox"  # type: ignore[attr-defined]
    assert client.action_specs
    with pytest.raises(workbench.errors.UnknownConnectionError, match="did you mean 'pets'"):
        workbench.connect("pest")


def test_an_imported_spec_is_listed_by_the_lab_and_by_wb_actions(specs: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.lab.catalog import action_rows, catalog_rows

    wb("connector", "import", str(specs / "todo.yml"), "--name", "todo")
    assert [r["name"] for r in catalog_rows("todo")] == ["todo"]
    assert [a["name"] for a in action_rows("todo")] == ["list_items", "add_item"]
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "workbench")
        frame = shell.run_line_magic("wb", "actions todo")
    finally:
        InteractiveShell.clear_instance()
    assert frame["action"].tolist() == ["list_items", "add_item"]
