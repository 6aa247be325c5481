"""Discovery through entry points, broken plugins, the catalog table."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import registry
from workbench.errors import UnknownConnectorError
from workbench.sdk import Connector, action


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path holding a third-party distribution with two connector plugins."""
    dist = tmp_path / "acme_connectors-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-connectors\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[workbench.connectors]\n"
        "acme = acme_plugin:Acme\n"
        "broken = acme_broken:Nothing\n"
        "notaclass = acme_plugin:helper\n"
    )
    (tmp_path / "acme_plugin.py").write_text(
        "from workbench.sdk import Connector, action\n"
        "class Acme(Connector):\n"
        '    """Acme widgets API."""\n'
        '    name = "acme"\n'
        '    category = "api"\n'
        '    auth_kinds = ("bearer",)\n'
        "    @action\n"
        "    def widgets(self) -> list:\n"
        '        """List widgets."""\n'
        "        return []\n"
        "def helper():\n"
        "    pass\n"
    )
    (tmp_path / "acme_broken.py").write_text("import surely_missing_driver_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with registry.catalog_isolated(registry.Catalog()):
        yield tmp_path
    for module in ("acme_plugin", "acme_broken"):
        sys.modules.pop(module, None)


def test_builtins_are_discovered_through_entry_points() -> None:
    found = registry.connectors()
    assert {"sqlite", "http", "files"} <= set(found)
    assert registry.catalog("sqlite")["package"].tolist() == ["workbench"]


def test_third_party_plugins_load_and_broken_ones_are_reported(plugins: Path) -> None:
    with pytest.warns(registry.BrokenConnectorWarning) as warned:
        found = registry.connectors()
    assert found["acme"].__name__ == "Acme"
    messages = sorted(str(w.message) for w in warned)
    assert (
        "connector 'broken' (acme_broken:Nothing) failed to load: ModuleNotFoundError"
        in messages[0]
    )
    assert "acme_plugin:helper is not a Connector subclass" in messages[1]
    assert [p.name for p in registry.problems()] == ["broken", "notaclass"]
    row = registry.catalog("acme").to_dict("records")[0]
    assert row == {
        "name": "acme",
        "title": "Acme",
        "category": "api",
        "description": "Acme widgets API.",
        "auth": "bearer",
        "actions": 1,
        "triggers": 0,
        "package": "acme-connectors",
    }


def test_catalog_columns_and_search() -> None:
    frame = registry.catalog()
    assert list(frame.columns) == registry.CATALOG_COLUMNS
    assert (
        frame.loc[frame["name"] == "sqlite", "actions"].item() == 8
    )  # query, execute, execute_many, insert_df, tables, columns, describe, explain
    assert set(registry.catalog("database")["name"]) >= {"sqlite", "postgresql", "mysql"}
    by_actions = set(registry.catalog("columns tables")["name"])  # found by action names
    assert "sqlite" in by_actions and "http" not in by_actions
    assert registry.catalog("no such thing").empty


def test_register_adds_a_connector_for_this_process() -> None:
    @registry.register
    class Local(Connector):
        """Defined in a notebook."""

        name = "local_thing"
        library = True

        @action
        def ping(self) -> str:
            """Pong."""
            return "pong"

    assert registry.get_connector("local_thing") is Local
    assert registry.catalog("local_thing")["auth"].item() == "library"


def test_unknown_connector_suggests_close_names() -> None:
    with pytest.raises(UnknownConnectorError, match="did you mean 'sqlite'"):
        registry.get_connector("sqlit")


def test_an_isolated_catalog_forgets_what_it_registered() -> None:
    before = registry.default_catalog()
    with registry.catalog_isolated() as inside:
        assert registry.default_catalog() is inside and inside is not before
        registry.register(type("Gone", (Connector,), {"name": "gone_soon", "library": True}))
        assert "gone_soon" in registry.connector_names()
        assert "sqlite" in inside.connectors()  # a copy: what was there stays
    assert registry.default_catalog() is before
    assert "gone_soon" not in registry.connector_names()


def test_a_fresh_catalog_discovers_the_plugins_again(plugins: Path) -> None:
    with pytest.warns(registry.BrokenConnectorWarning):
        assert "acme" in registry.connectors()
    with registry.catalog_isolated(registry.Catalog()) as fresh:
        (plugins / "acme_broken.py").write_text("")  # now it imports, but names nothing
        sys.modules.pop("acme_broken", None)
        with pytest.warns(registry.BrokenConnectorWarning) as warned:
            assert fresh.get_connector("acme").__name__ == "Acme"
    assert "has no attribute 'Nothing'" in str(warned[0].message)
    assert registry.get_connector("acme").__name__ == "Acme"  # the one before is back
