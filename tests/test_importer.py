"""Importers found through the workbench.importers entry points: their connectors are listed,
connected to and shown everywhere a built-in one is."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from IPython.core.interactiveshell import InteractiveShell

import workbench as wb
from workbench import registry
from workbench.cli import cli
from workbench.errors import UnknownConnectorError, UnknownImporterError
from workbench.sdk import Connector, ImportedEntry, Importer

MEMOS_PLUGIN = '''
import os
from pathlib import Path

from workbench.sdk import Connector, ImportedEntry, Importer, action

BUILT = []


def _say(key, text):
    def say(self) -> str:
        return text

    say.__name__ = key
    say.__doc__ = f"Say {text!r}."
    return action(say)


class Memos(Importer):
    """Connectors from memo files: each line KEY: TEXT is an action answering TEXT."""

    name = "memos"

    def _files(self):
        return {p.stem: p for p in sorted(Path(os.environ["MEMO_DIR"]).glob("*.memo"))}

    def _lines(self, path):
        return dict(line.split(": ", 1) for line in path.read_text().splitlines())

    def imported(self):
        return {name: path.stat().st_mtime_ns for name, path in self._files().items()}

    def entries(self):
        return [
            ImportedEntry(name, name.title(), f"Memo {name}.", actions=tuple(self._lines(path)))
            for name, path in self._files().items()
        ]

    def build(self, name):
        BUILT.append(name)
        body = {"name": name, "library": True, "__doc__": f"Memo {name}."}
        for key, text in self._lines(self._files()[name]).items():
            body[key] = _say(key, text)
        return type(name.title(), (Connector,), body)

    def inputs(self):
        return [Path(os.environ["MEMO_DIR"])]


class Misnamed(Memos):
    name = "other"
'''


@pytest.fixture
def memos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A third-party distribution with a memos importer (and two broken ones) on sys.path,
    and a folder holding one memo."""
    dist = tmp_path / "memo_importers-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: memo-importers\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[workbench.importers]\n"
        "memos = memo_plugin:Memos\n"
        "misnamed = memo_plugin:Misnamed\n"
        "missing = memo_missing:Nothing\n"
    )
    (tmp_path / "memo_plugin.py").write_text(MEMOS_PLUGIN)
    folder = tmp_path / "memos"
    folder.mkdir()
    (folder / "greeting.memo").write_text("hello: Hello there\nbye: Goodbye\n")
    monkeypatch.setenv("MEMO_DIR", str(folder))
    monkeypatch.syspath_prepend(str(tmp_path))
    with registry.catalog_isolated(registry.Catalog()):
        with pytest.warns(registry.BrokenConnectorWarning):
            registry.importers()
        yield folder
    sys.modules.pop("memo_plugin", None)


def built() -> list[str]:
    found: list[str] = sys.modules["memo_plugin"].BUILT
    return found


def test_importers_load_from_entry_points_and_broken_ones_are_reported(memos: Path) -> None:
    assert sorted(registry.importers()) == ["memos", "openapi"]
    assert registry.importer("memos").name == "memos"
    problems = [(p.kind, p.name, p.error) for p in registry.problems()]
    assert problems == [
        (
            "importer",
            "misnamed",
            "TypeError: memo_plugin:Misnamed is named 'other', not 'misnamed'",
        ),
        ("importer", "missing", "ModuleNotFoundError: No module named 'memo_missing'"),
    ]
    with pytest.raises(UnknownImporterError) as unknown:
        registry.importer("memo")
    assert str(unknown.value) == "no importer named 'memo' is installed; did you mean 'memos'?"


def test_an_imported_connector_is_listed_without_being_built(memos: Path) -> None:
    assert "greeting" in registry.connector_names()
    assert registry.imported_names() == ["greeting"]
    (row,) = registry.catalog_rows("greeting")
    assert row == {
        "name": "greeting",
        "title": "Greeting",
        "category": "api",
        "description": "Memo greeting.",
        "auth": "none",
        "actions": 2,
        "triggers": 0,
        "package": "imported",
    }
    assert [r["name"] for r in registry.catalog_rows("bye")] == ["greeting"]  # by action
    assert built() == []


def test_its_class_is_built_once_and_again_when_the_source_changes(memos: Path) -> None:
    cls = registry.get_connector("greeting")
    assert sorted(cls.action_specs) == ["bye", "hello"]
    assert registry.get_connector("greeting") is cls
    memo = memos / "greeting.memo"
    memo.write_text("hello: Hi\n")
    os.utime(memo, ns=(1, 1))
    again = registry.get_connector("greeting")
    assert again is not cls and sorted(again.action_specs) == ["hello"]
    assert built() == ["greeting", "greeting"]
    with pytest.raises(UnknownConnectorError, match="did you mean 'greeting'"):
        registry.get_connector("greetin")


def test_wb_catalog_lists_it_and_names_the_broken_importers(memos: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["catalog", "greeting", "--json"], catch_exceptions=False)
    assert [row["name"] for row in json.loads(done.stdout)] == ["greeting"]
    assert "importer 'missing' failed to load: ModuleNotFoundError" in done.stderr


def test_wb_connect_runs_its_actions(memos: Path) -> None:
    client = wb.connect("greeting")
    assert client.hello().data == "Hello there"
    assert wb.history()[["connection", "action"]].to_dict("records")[-1] == {
        "connection": "greeting",
        "action": "hello",
    }


def test_the_lab_lists_it_and_its_actions(memos: Path) -> None:
    from workbench.lab import catalog

    assert [r["name"] for r in catalog.catalog_rows("greeting")] == ["greeting"]
    actions = catalog.action_rows("greeting")
    assert [(a["name"], a["summary"]) for a in actions] == [
        ("hello", "Say 'Hello there'."),
        ("bye", "Say 'Goodbye'."),
    ]


def test_the_panel_offers_it_as_a_connection(memos: Path) -> None:
    from workbench.notebook.widgets.panel import Panel, ui

    assert "greeting" in Panel().connection_picker.options
    panel = ui("greeting", "hello")
    assert panel.connection == "greeting" and panel.actions == ["hello", "bye"]
    assert panel.run(wait=True).data == "Hello there"


def test_wb_actions_lists_its_actions(memos: Path) -> None:
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "workbench")
        frame = shell.run_line_magic("wb", "actions greeting")
    finally:
        InteractiveShell.clear_instance()
    assert frame[["action", "kind"]].to_dict("records") == [
        {"action": "hello", "kind": "action"},
        {"action": "bye", "kind": "action"},
    ]


def test_an_importer_added_in_the_process_is_asked_too() -> None:
    class Fixed(Importer):
        name = "fixed"

        def imported(self) -> dict[str, int]:
            return {"fixed_api": 1}

        def entries(self) -> list[ImportedEntry]:
            return [ImportedEntry("fixed_api", "Fixed API")]

        def build(self, name: str) -> type[Connector]:
            return type("FixedApi", (Connector,), {"name": name, "library": True})

    with pytest.raises(ValueError, match="has no name"):
        registry.add_importer(type("Nameless", (Fixed,), {"name": ""})())
    registry.add_importer(Fixed())
    assert registry.get_connector("fixed_api").name == "fixed_api"
    assert registry.catalog("fixed")["name"].tolist() == ["fixed_api"]


def test_from_openapi_goes_through_the_openapi_importer() -> None:
    seen: list[Any] = []

    class Recording(Importer):
        name = "openapi"

        def imported(self) -> dict[str, int]:
            return {}

        def entries(self) -> list[ImportedEntry]:
            return []

        def build(self, name: str) -> type[Connector]:
            raise AssertionError("nothing is imported")

        def from_source(self, source: Any, *, name: str | None = None) -> type[Connector]:
            seen.append((source, name))
            return type("Spec", (Connector,), {"name": name or "spec", "library": True})

    registry.add_importer(Recording())
    cls = wb.Connector.from_openapi({"openapi": "3.0.3"}, name="recorded")
    assert seen == [({"openapi": "3.0.3"}, "recorded")]
    assert registry.get_connector("recorded") is cls


def test_a_fresh_process_loads_connectors_built_on_the_openapi_importer() -> None:
    """Loading the connector plugins imports slack and github, which take their building
    blocks from the openapi importer while the catalog is loading."""
    import subprocess

    code = (
        "import workbench.registry as r\n"
        "found = r.connectors()\n"
        "print(found['slack'].__name__, found['github'].__name__, sorted(r.importers()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["Slack", "GitHub", "['openapi']"]
