"""Reading a magic's line: tokens, literals, $variables and {expressions}."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import ActionArgumentError
from workbench.notebook.arguments import (
    Parsed,
    Syntax,
    UsageError,
    resolve_value,
    split_arguments,
    tokens,
)


def test_tokens_keep_quoted_and_bracketed_values_whole() -> None:
    line = """run slack send channel=#ops text="a \\"quoted\\" word" blocks=[{"type": "x y"}]"""
    assert tokens(line) == [
        "run",
        "slack",
        "send",
        "channel=#ops",
        'text="a \\"quoted\\" word"',
        'blocks=[{"type": "x y"}]',
    ]


def test_unclosed_quote_is_named() -> None:
    with pytest.raises(ActionArgumentError, match="unclosed ' quote"):
        tokens("run shop query 'select 1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("2.5", 2.5),
        ("True", True),
        ("None", None),
        ("'two words'", "two words"),
        ('{"a": [1, 2]}', {"a": [1, 2]}),
        ("[1, 'x']", [1, "x"]),
        ("plain-text", "plain-text"),
        ("#ops", "#ops"),
        ("2024-01-31", "2024-01-31"),
    ],
)
def test_values_are_literals_or_text(text: str, expected: object) -> None:
    assert resolve_value(text, {}) == expected


def test_variables_and_expressions_pass_objects_unchanged() -> None:
    frame = pd.DataFrame({"a": [1]})
    namespace = {"frame": frame, "n": 4}
    assert resolve_value("$frame", namespace) is frame
    assert resolve_value("{n * 2}", namespace) == 8
    assert resolve_value("{frame}", namespace) is frame
    assert resolve_value("$frame.shape", namespace) == (1, 1)
    with pytest.raises(ActionArgumentError, match=r"\$frame.nope has no 'nope'"):
        resolve_value("$frame.nope", namespace)


def test_missing_variable_and_failing_expression_are_named() -> None:
    with pytest.raises(ActionArgumentError, match=r"argument 'x': no variable \$nope"):
        split_arguments("a x=$nope", {})
    with pytest.raises(ActionArgumentError, match=r"argument 'x': \{1/0\} failed: ZeroDivision"):
        split_arguments("a x={1/0}", {})


def test_positional_after_keywords_is_refused() -> None:
    assert split_arguments("a b k=1", {}) == (["a", "b"], {"k": 1})
    with pytest.raises(ActionArgumentError, match="'b' comes after key=value arguments"):
        split_arguments("a k=1 b", {})


RUN = Syntax("%wb run", slots=("CONNECTION", "ACTION"), more="ARG", keywords=True)
SQL = Syntax("%%wb sql", slots=("CONNECTION",), options={"--save": "NAME", "--limit": "N"})
EVENTS = Syntax("%wb events", optional=("SOURCE",), options={"--dead": None})


def test_usage_lines_follow_the_syntax() -> None:
    assert RUN.usage == "%wb run CONNECTION ACTION [ARG ...] [key=value ...]"
    assert SQL.usage == "%%wb sql CONNECTION [--save NAME] [--limit N]"
    assert Syntax("%wb ui", optional=("CONNECTION", "ACTION")).usage == (
        "%wb ui [CONNECTION [ACTION]]"
    )


def test_a_line_is_read_into_words_keywords_and_options() -> None:
    parsed = RUN.parse("shop query 'select :n' n=$n", {"n": 3})
    assert parsed == Parsed(["shop", "query", "'select :n'"], {"n": 3}, {})
    assert SQL.parse("shop --save rows --limit=5").options == {"--save": "rows", "--limit": "5"}
    assert EVENTS.parse("--dead").options == {"--dead": True}
    assert RUN.parse("shop query '--not-an-option'").words[2] == "'--not-an-option'"


@pytest.mark.parametrize(
    ("syntax", "line", "message"),
    [
        (RUN, "shop query --bogus", "unknown option '--bogus' for %wb run (it takes no options"),
        (SQL, "shop --sav x", "unknown option '--sav' for %%wb sql; did you mean '--save'?"),
        (SQL, "shop --frobnicate", "unknown option '--frobnicate' for %%wb sql (options: --save"),
        (SQL, "shop --save", "option --save of %%wb sql needs a value (NAME)"),
        (SQL, "shop --save --limit 3", "option --save of %%wb sql needs a value (NAME)"),
        (EVENTS, "--dead=1", "option --dead of %wb events takes no value, got '--dead=1'"),
        (RUN, "shop", "missing ACTION for %wb run"),
        (SQL, "", "missing CONNECTION for %%wb sql"),
        (EVENTS, "a b", "unexpected argument 'b' for %wb events"),
        (RUN, "shop query =1", "malformed key=value '=1' for %wb run: no name before '='"),
        (RUN, "shop query x-y=1", "'x-y' is not a name; did you mean x_y=...?"),
        (RUN, "shop query n=", "no value after '='; write n='' for an empty text"),
        (RUN, "shop query n=1 n=2", "argument 'n' is given twice for %wb run"),
        (RUN, "shop query n=1 extra", "'extra' comes after key=value arguments"),
        (SQL, "shop limit=3", "%%wb sql takes no key=value arguments, got 'limit=3'"),
    ],
)
def test_each_problem_is_named_with_the_usage_as_hint(
    syntax: Syntax, line: str, message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        syntax.parse(line)
    assert message in str(caught.value)
    assert caught.value.hint == f"usage: {syntax.usage}"


def test_a_path_with_a_query_string_stays_a_positional_value() -> None:
    http = Syntax("%%wb http", slots=("CONNECTION", "METHOD", "PATH"))
    assert http.parse("items GET /items?page=2").words == ["items", "GET", "/items?page=2"]
