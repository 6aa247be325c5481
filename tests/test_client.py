"""wb.connect and wb.connections: named connections, defaults, overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.config.secrets import default_secret_store
from workbench.errors import (
    ConfigError,
    SecretError,
    UnknownConnectionError,
    UnknownConnectorError,
)


def write_config(project: Path, text: str) -> Path:
    path = project / "workbench.toml"
    path.write_text(text)
    return path


def test_builtin_shop_connection_works_with_no_configuration() -> None:
    shop = wb.connect("shop")
    assert shop.connection == "shop"
    assert shop.query("select count(*) as n from customers").df["n"].item() > 0


def test_a_connector_name_connects_with_its_defaults() -> None:
    scratch = wb.connect("sqlite")
    assert scratch.config.path == ":memory:"  # type: ignore[attr-defined]


def test_fields_come_from_toml_env_and_secrets_and_overrides_win(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_TEST_BASE", "http://127.0.0.1:9")
    default_secret_store().set("api/token", "tok-client-test-1")
    write_config(
        project,
        '[connections.api]\nconnector = "http"\nbase_url = "${WB_TEST_BASE}"\n'
        'token = { secret = "api/token" }\ntimeout = 3\n',
    )
    api = wb.connect("api", timeout=7)
    assert api.config.base_url == "http://127.0.0.1:9"  # type: ignore[attr-defined]
    assert api.config.token.get_secret_value() == "tok-client-test-1"  # type: ignore[attr-defined]
    assert api.config.timeout == 7  # type: ignore[attr-defined]


def test_unknown_connection_suggests_close_matches() -> None:
    with pytest.raises(UnknownConnectionError) as info:
        wb.connect("shpo")
    assert str(info.value) == "no connection or connector named 'shpo'; did you mean 'shop'?"


def test_unknown_connector_names_the_file_and_connection(project: Path) -> None:
    path = write_config(project, '[connections.db]\nconnector = "sqllite"\n')
    with pytest.raises(UnknownConnectorError) as info:
        wb.connect("db")
    assert str(info.value) == (
        f"{path.resolve()}: connection 'db', field 'connector': no connector named 'sqllite' "
        "is installed; did you mean 'sqlite'?"
    )


def test_wrong_field_type_names_file_connection_field_and_expectation(project: Path) -> None:
    path = write_config(project, '[connections.db]\nconnector = "sqlite"\ntimeout = "soon"\n')
    with pytest.raises(ConfigError) as info:
        wb.connect("db")
    assert str(info.value) == (
        f"{path.resolve()}: connection 'db': field 'timeout': expected a valid number, "
        "unable to parse string as a number, got 'soon'"
    )


def test_missing_required_field_and_unknown_field(project: Path) -> None:
    write_config(project, '[connections.docs]\nconnector = "http"\nbase_ulr = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown field 'base_ulr'; did you mean 'base_url'\?"):
        wb.connect("docs")


def test_wrong_secret_field_type_never_shows_the_value(project: Path) -> None:
    write_config(project, '[connections.api]\nconnector = "http"\ntoken = 123456789\n')
    with pytest.raises(ConfigError) as info:
        wb.connect("api")
    assert "field 'token'" in str(info.value)
    assert "123456789" not in str(info.value)


def test_unresolvable_env_and_secret_name_the_field(project: Path) -> None:
    path = write_config(
        project,
        '[connections.a]\nconnector = "http"\nbase_url = "${WB_NOT_SET_ANYWHERE}"\n'
        '[connections.b]\nconnector = "http"\ntoken = { secret = "missing/one" }\n',
    )
    with pytest.raises(SecretError) as info:
        wb.connect("a")
    assert str(info.value) == (
        f"{path.resolve()}: connection 'a', field 'base_url': "
        "environment variable WB_NOT_SET_ANYWHERE is not set"
    )
    with pytest.raises(SecretError, match="secret 'missing/one' is not in the secret store"):
        wb.connect("b")


def test_malformed_toml_is_reported_with_its_line(project: Path) -> None:
    write_config(project, '[connections.db]\nconnector = "sqlite"\npath = \n')
    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 3"):
        wb.connect("db")


def test_connections_table_shows_references_never_values(project: Path) -> None:
    default_secret_store().set("api/token", "tok-table-secret-9")
    write_config(
        project,
        '[connections.api]\nconnector = "http"\nbase_url = "http://x"\n'
        'token = { secret = "api/token" }\npassword = "inline-secret-8"\n'
        'api_key = "${API_KEY}"\n',
    )
    wb.connect  # noqa: B018 - the table must not need a connection to be opened
    frame = wb.connections()
    assert list(frame.columns) == ["name", "connector", "fields", "source"]
    row = frame[frame["name"] == "api"].iloc[0]
    assert row["fields"] == (
        "base_url=http://x, token=secret:api/token, password=***, api_key=${API_KEY}"
    )
    text = frame.to_string()
    assert "tok-table-secret-9" not in text and "inline-secret-8" not in text
    assert "shop" in set(frame["name"])
