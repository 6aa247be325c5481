"""Reading [connections.NAME] tables from workbench.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config.entries import read_entries
from workbench.errors import ConfigError


def test_entries_keep_fields_unresolved_and_know_their_file(tmp_path: Path) -> None:
    path = tmp_path / "workbench.toml"
    path.write_text(
        '[connections.slack]\nconnector = "slack"\ntoken = { secret = "slack/bot" }\n'
        '[connections.shop]\nconnector = "sqlite"\npath = "${SHOP_DB}"\n'
    )
    entries = read_entries(path)
    assert entries["slack"].fields == {"token": {"secret": "slack/bot"}}
    assert entries["shop"].connector == "sqlite"
    assert entries["shop"].where("path") == f"{path}: connection 'shop', field 'path'"


def test_malformed_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "workbench.toml"
    path.write_text('[connections.shop]\nconnector = "sqlite"\npath = /no/quotes\n')
    with pytest.raises(ConfigError) as info:
        read_entries(path)
    assert str(info.value).startswith(f"{path}: invalid TOML: ")
    assert "line 3" in str(info.value)


def test_missing_connector_field_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "workbench.toml"
    path.write_text('[connections.shop]\npath = "x.db"\n')
    with pytest.raises(ConfigError, match=r"connection 'shop', field 'connector': required"):
        read_entries(path)


def test_a_connection_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "workbench.toml"
    path.write_text('[connections]\nshop = "sqlite"\n')
    with pytest.raises(ConfigError, match=r"connection 'shop': expected a table"):
        read_entries(path)
