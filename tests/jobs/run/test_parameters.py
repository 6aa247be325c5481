"""Parameters are read from the `parameters` cell with ast and checked before any run."""

from __future__ import annotations

import nbformat
import pytest

from workbench.errors import ParameterError
from workbench.jobs.run.parameters import (
    CommandLineText,
    Parameter,
    check_parameters,
    declared_parameters,
    from_text,
    parse_cell,
)
from workbench.redaction import register_secret

CELL = """\
# The job's parameters
connection = "shop"   # a connection name
limit = 10
ratio = 0.5
dry_run = False
tables = ["orders", "customers"]
options = {"mode": "fast"}
since = None
started = __import__("time").time()
label: str = None
%matplotlib inline
a = b = 3
"""


def declared() -> dict[str, Parameter]:
    return parse_cell(CELL, notebook="etl.ipynb")


def test_types_come_from_literal_defaults_and_annotations() -> None:
    found = declared()
    assert {name: p.type for name, p in found.items()} == {
        "connection": "str",
        "limit": "int",
        "ratio": "float",
        "dry_run": "bool",
        "tables": "list",
        "options": "dict",
        "since": "any",
        "started": "any",
        "label": "str",
        "a": "int",
        "b": "int",
    }
    assert found["tables"].default == ["orders", "customers"]
    assert found["started"].default is None


def test_the_first_tagged_cell_declares_and_a_notebook_without_one_declares_nothing() -> None:
    untagged = nbformat.v4.new_code_cell("x = 1")
    tagged = nbformat.v4.new_code_cell("y = 'a'")
    tagged.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[untagged, tagged])
    assert list(declared_parameters(nb)) == ["y"]
    assert declared_parameters(nbformat.v4.new_notebook(cells=[untagged])) == {}


def test_a_parameters_cell_that_is_not_python_is_reported_with_its_line() -> None:
    with pytest.raises(
        ParameterError, match=r"etl.ipynb: .*'parameters' is not valid Python .line 2"
    ):
        parse_cell("a = 1\nb = = 2", notebook="etl.ipynb")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("3", "limit", 3),
        ("-7", "limit", -7),
        ("2", "ratio", 2.0),
        ("0.25", "ratio", 0.25),
        ("TRUE", "dry_run", True),
        ("false", "dry_run", False),
        ('["a"]', "tables", ["a"]),
        ('{"k": 1}', "options", {"k": 1}),
        ("warehouse", "connection", "warehouse"),
        ("42", "connection", "42"),
        ("5", "since", 5),
        ("2024-01-01", "since", "2024-01-01"),
        ("null", "since", None),
    ],
)
def test_command_line_text_converts_to_the_declared_type(
    text: str, name: str, expected: object
) -> None:
    checked = check_parameters({name: CommandLineText(text)}, declared(), notebook="etl.ipynb")
    assert checked == {name: expected}
    assert type(checked[name]) is type(expected)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("limit", CommandLineText("3.5"), "parameter 'limit' expects an int (e.g. 3), got '3.5'"),
        ("limit", True, "parameter 'limit' expects an int (e.g. 3), got bool True"),
        ("limit", "3", "parameter 'limit' expects an int (e.g. 3), got str '3'"),
        ("dry_run", CommandLineText("yes"), "parameter 'dry_run' expects a bool (true or false)"),
        ("dry_run", 1, "parameter 'dry_run' expects a bool (true or false), got int 1"),
        ("tables", CommandLineText("orders"), "parameter 'tables' expects a list (JSON"),
        ("tables", CommandLineText('{"a": 1}'), 'expects a list (JSON, e.g. ["a", "b"]), got dict'),
        ("options", [1], "parameter 'options' expects a dict"),
        ("ratio", CommandLineText("nan"), "parameter 'ratio' expects a finite number"),
        ("since", object(), "parameter 'since' must hold JSON-like values"),
    ],
)
def test_ill_typed_values_name_the_parameter_type_and_notebook(
    name: str, value: object, message: str
) -> None:
    with pytest.raises(ParameterError) as caught:
        check_parameters({name: value}, declared(), notebook="etl.ipynb")
    assert str(caught.value).startswith("etl.ipynb: ")
    assert message in str(caught.value)
    assert caught.value.exit_code == 11


def test_unknown_names_suggest_close_ones_or_list_the_declared() -> None:
    with pytest.raises(
        ParameterError, match=r"etl.ipynb has no parameter 'limt'; did you mean 'limit'\?"
    ):
        check_parameters({"limt": 1}, declared(), notebook="etl.ipynb")
    with pytest.raises(ParameterError, match=r"its parameters are: connection, limit, ratio"):
        check_parameters({"zzz": 1}, declared(), notebook="etl.ipynb")
    with pytest.raises(ParameterError, match=r"etl.ipynb has no cell tagged 'parameters'"):
        check_parameters({"limit": 1}, {}, notebook="etl.ipynb")


def test_values_holding_a_registered_secret_are_refused_without_showing_it() -> None:
    secret = "p4rameter-secret-value"
    register_secret(secret)
    for value in (secret, CommandLineText(secret), [f"x{secret}y"], {"k": secret}):
        with pytest.raises(ParameterError) as caught:
            check_parameters({"connection": value}, declared(), notebook="etl.ipynb")
        assert "parameter 'connection' holds a secret value" in str(caught.value)
        assert secret not in str(caught.value)


def test_typed_values_pass_as_they_are_and_tuples_become_lists() -> None:
    checked = check_parameters(
        {"limit": 5, "ratio": 1, "tables": ("a",), "since": {"any": [1]}},
        declared(),
        notebook="etl.ipynb",
    )
    assert checked == {"limit": 5, "ratio": 1, "tables": ["a"], "since": {"any": [1]}}


def test_from_text_leaves_text_for_str_parameters() -> None:
    assert from_text("true", Parameter("flag", "str", "")) == "true"
