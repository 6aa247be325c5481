"""The connection editor: test and save connections, secrets kept out of files and widgets."""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
from pydantic import SecretStr

import workbench as wb
from workbench.config import default_secret_store
from workbench.notebook.widgets.connection_editor import ConnectionEditor, edit_connection
from workbench.registry import register
from workbench.sdk import ConnectionConfig, Connector


def walk(widget: Any) -> Iterator[Any]:
    """The widget, its layout and style, and every child, depth first."""
    yield widget
    for name in ("layout", "style"):
        part = getattr(widget, name, None)
        if isinstance(part, widgets.Widget):
            yield part
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def states(editor: ConnectionEditor) -> str:
    return "\n".join(repr(w.get_state()) for w in walk(editor))


def fill(editor: ConnectionEditor, connector: str, name: str, **values: Any) -> None:
    editor.connector_picker.value = connector
    editor.name_text.value = name
    for key, value in values.items():
        editor.fields[key].value = value


def saved(project: Path) -> dict[str, Any]:
    with (project / "workbench.toml").open("rb") as handle:
        return tomllib.load(handle)["connections"]


def test_a_sqlite_connection_is_tested_saved_and_usable(project: Path, tmp_path: Path) -> None:
    editor = ConnectionEditor()
    database = tmp_path / "warehouse.db"
    fill(editor, "sqlite", "warehouse", path=str(database), timeout="7")

    editor.test_button.click()
    assert editor.message.startswith("ok: warehouse (sqlite): SQLite 3.")
    assert "wb-ok" in editor.status.value

    editor.save_button.click()
    assert editor.message.startswith("saved warehouse (sqlite) to ")
    assert saved(project)["warehouse"] == {
        "connector": "sqlite",
        "path": str(database),
        "timeout": 7.0,  # a number in the file, not the text typed
    }
    with wb.connect("warehouse") as db:
        db.execute("create table t (n integer)")
        db.execute("insert into t values (:n)", n=3)
        assert db.query("select n from t").df["n"].tolist() == [3]


def test_a_secret_goes_to_the_store_never_to_the_file_or_a_widget(project: Path) -> None:
    token = "tok-" + secrets.token_hex(12)
    editor = ConnectionEditor()
    fill(editor, "http", "crm", base_url="https://crm.example.com/api", token=token)

    assert editor.save()
    assert default_secret_store().get("crm/token") == token
    text = (project / "workbench.toml").read_text()
    assert token not in text
    assert saved(project)["crm"]["token"] == {"secret": "crm/token"}
    assert editor.fields["token"].value == ""
    assert "stored as secret crm/token" in editor.fields["token"].placeholder
    assert token not in states(editor)
    assert token not in repr(editor) and token not in editor.message
    assert wb.connect("crm").config.token.get_secret_value() == token


def test_a_postgresql_password_is_tested_then_saved_without_typing_it_again(
    project: Path,
) -> None:
    password = "pw-" + secrets.token_hex(10)
    editor = ConnectionEditor()
    fill(
        editor,
        "postgresql",
        "pgx",
        host="127.0.0.1",
        port="5432",
        user="postgres",
        database="postgres",
        password=password,
    )
    assert editor.test(), editor.message
    assert "PostgreSQL" in editor.message
    assert editor.fields["password"].value == ""  # cleared; the value stays in the kernel
    assert password not in states(editor)

    assert editor.save(), editor.message
    assert default_secret_store().get("pgx/password") == password
    assert password not in (project / "workbench.toml").read_text()
    assert saved(project)["pgx"]["port"] == 5432
    assert password not in states(editor) + repr(editor) + editor.message
    with wb.connect("pgx") as pg:
        assert pg.query("select 1 as one").df["one"].tolist() == [1]


def test_a_bad_value_is_one_clear_line_and_nothing_is_written(project: Path) -> None:
    password = "pw-" + secrets.token_hex(10)
    editor = ConnectionEditor()
    fill(editor, "postgresql", "pgx", host="127.0.0.1", port="abc", password=password)

    assert not editor.test()
    assert "field 'port': expected a valid integer" in editor.message
    assert "'abc'" in editor.message and "\n" not in editor.message
    assert "wb-error" in editor.status.value

    assert not editor.save()
    assert "field 'port'" in editor.message
    assert not (project / "workbench.toml").exists()
    assert default_secret_store().names() == []
    assert password not in states(editor) + editor.message

    editor.fields["port"].value = "70000"
    assert not editor.save()
    assert "less than or equal to 65535" in editor.message


def test_bad_json_and_bad_names_are_reported(project: Path) -> None:
    editor = ConnectionEditor()
    fill(editor, "postgresql", "pgx", options='{"sslmode": ')
    assert not editor.save()
    assert "field 'options': expected JSON" in editor.message

    editor.fields["options"].value = '{"keepalives": "1"}'
    editor.name_text.value = "my db!"
    assert not editor.save()
    assert "'my db!' is not a valid connection name" in editor.message
    editor.name_text.value = " "
    assert not editor.save()
    assert editor.message == "failed: name: enter a name for the connection (e.g. 'crm')"

    editor.name_text.value = "pgx"
    editor.fields["sslmode"].value = "require"
    assert editor.save(), editor.message
    assert saved(project)["pgx"] == {
        "connector": "postgresql",
        "options": {"keepalives": "1"},
        "sslmode": "require",
    }


def test_an_existing_connection_is_replaced_only_when_overwrite_is_ticked(
    project: Path, tmp_path: Path
) -> None:
    editor = ConnectionEditor()
    fill(editor, "sqlite", "notes", path=str(tmp_path / "a.db"))
    assert editor.save()
    editor.fields["path"].value = str(tmp_path / "b.db")
    assert not editor.save()
    assert "connection 'notes' already exists" in editor.message
    assert "tick 'overwrite'" in editor.message
    assert saved(project)["notes"]["path"] == str(tmp_path / "a.db")

    editor.overwrite.value = True
    assert editor.save(), editor.message
    assert saved(project)["notes"]["path"] == str(tmp_path / "b.db")

    editor.name_text.value = "shop"  # the built-in sample is protected the same way
    editor.overwrite.value = False
    assert not editor.save()
    assert "(built-in)" in editor.message


def test_editing_keeps_a_stored_secret_unless_a_new_one_is_typed(project: Path) -> None:
    token = "tok-" + secrets.token_hex(12)
    first = ConnectionEditor()
    fill(first, "http", "crm", base_url="https://crm.example.com", token=token, timeout="9")
    assert first.save()

    editor = edit_connection("crm")
    assert editor.connector_picker.value == "http"
    assert editor.fields["base_url"].value == "https://crm.example.com"
    assert editor.fields["timeout"].value == "9.0"
    assert editor.fields["token"].value == ""
    assert token not in states(editor)
    editor.fields["timeout"].value = "12"
    editor.overwrite.value = True
    assert editor.save(), editor.message
    assert saved(project)["crm"] == {
        "connector": "http",
        "base_url": "https://crm.example.com",
        "token": {"secret": "crm/token"},
        "timeout": 12.0,
    }
    assert default_secret_store().get("crm/token") == token

    editor.fields["token"].value = "new-" + token
    assert editor.save()
    assert default_secret_store().get("crm/token") == "new-" + token


def test_an_environment_reference_is_written_as_a_reference(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_TOKEN", "env-" + secrets.token_hex(8))
    editor = ConnectionEditor()
    fill(editor, "http", "crm", base_url="https://crm.example.com", token="${CRM_TOKEN}")
    assert editor.save(), editor.message
    assert saved(project)["crm"]["token"] == "${CRM_TOKEN}"
    assert default_secret_store().names() == []


def test_a_failing_check_is_shown_in_one_line_with_secrets_masked(project: Path) -> None:
    class Picky(Connector):
        "Rejects every token."

        name = "picky_editor"

        class config_model(ConnectionConfig):
            token: SecretStr

        def check(self) -> str:
            raise RuntimeError(f"token {self.config.token.get_secret_value()} refused\nby server")

    register(Picky)
    token = "tok-" + secrets.token_hex(12)
    editor = ConnectionEditor(connector="picky_editor")
    editor.name_text.value = "picky"
    editor.fields["token"].value = token
    assert not editor.test()
    assert editor.message == "failed: RuntimeError: token *** refused by server"
    assert token not in states(editor)

    editor.fields["token"].value = ""
    editor.connector_picker.value = "sqlite"  # a new form forgets the kept value
    editor.connector_picker.value = "picky_editor"
    assert not editor.test()
    assert "field 'token' is required" in editor.message


def test_sqlite_open_failure_is_reported(tmp_path: Path) -> None:
    editor = ConnectionEditor()
    fill(editor, "sqlite", "gone", path=str(tmp_path / "missing" / "x.db"))
    assert not editor.test()
    assert editor.message.startswith("failed: gone: cannot open")


def test_the_form_follows_the_field_types() -> None:
    class Tools(Connector):
        "Needs no connection."

        name = "tools_editor"
        library = True

    register(Tools)
    editor = ConnectionEditor(connector="postgresql")
    kinds = {key: type(widget).__name__ for key, widget in editor.fields.items()}
    assert kinds["password"] == kinds["url"] == "Password"
    assert kinds["fast_path"] == "Checkbox"
    assert kinds["sslmode"] == "Dropdown"
    assert kinds["port"] == kinds["host"] == kinds["options"] == "Text"
    assert editor.fields["sslmode"].value == ""
    assert editor.fields["sslmode"].label == "(not set)"
    assert "tools_editor" not in editor.connector_picker.options
    assert "sqlite" in editor.connector_picker.options
    assert repr(editor) == "<ConnectionEditor postgresql ''>"
