"""Reading a magic's line: tokens, literals, $variables and {expressions}."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import ActionArgumentError
from workbench.notebook.arguments import resolve_value, split_arguments, tokens


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
