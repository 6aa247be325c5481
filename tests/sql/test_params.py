"""Placeholder rewriting: values are bound, the SQL text is never formatted."""

from __future__ import annotations

import pytest

from workbench.errors import ActionArgumentError
from workbench.sql import bind


def test_pyformat_doubles_percent_everywhere_and_names_values() -> None:
    sql, values = bind("select '%s', :a, 100 % 3 where x like 'a%'", {"a": 1}, "pyformat")
    assert sql == "select '%%s', %(a)s, 100 %% 3 where x like 'a%%'"
    assert values == {"a": 1}


@pytest.mark.parametrize(
    "text",
    [
        "select ':a' as x",
        'select ":a" from t',
        "select 1 -- :a\n",
        "select 1 /* :a */",
        "select $$ :a $$",
        "select $tag$ :a $tag$",
        "select '{name}'",
        "select 'it''s :a'",
        "select E'\\' :a'",
    ],
)
def test_placeholders_inside_literals_and_comments_are_text(text: str) -> None:
    assert bind(text, {}, "numeric") == (text, [])


def test_casts_and_repeated_names() -> None:
    assert bind("select :a::int, :b, :a", {"a": 1, "b": 2}, "numeric") == (
        "select $1::int, $2, $1",
        [1, 2],
    )
    assert bind("select :a, :a", {"a": 1}, "qmark") == ("select ?, ?", [1, 1])
    assert bind("select a::text", {}, "pyformat") == ("select a::text", {})


def test_mysql_backslash_escapes() -> None:
    text = "select 'a\\' :x' , :y"
    assert bind(text, {"y": 1}, "pyformat", backslash_escapes=True) == (
        "select 'a\\' :x' , %(y)s",
        {"y": 1},
    )


def test_a_missing_value_is_an_argument_error() -> None:
    with pytest.raises(ActionArgumentError, match="no value given for the placeholder :b"):
        bind("select :a, :b", {"a": 1}, "pyformat")


def test_dict_values_become_json() -> None:
    assert bind("select :j", {"j": {"a": [1]}}, "qmark") == ("select ?", ['{"a": [1]}'])
