"""The text connector on pandas objects: templates, slugs, regex columns, fuzzy matches, ftfy."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.connectors.text import Text
from workbench.errors import ActionArgumentError


@pytest.fixture
def text() -> Text:
    return Text()


def test_templates_render_values_and_one_text_per_row(text: Text) -> None:
    assert text.template("Order {{ id }}: {{ total | round(1) }}", id=7, total=9.46).data == (
        "Order 7: 9.5"
    )
    orders = pd.DataFrame({"id": [1, 2], "name": ["Ada", "Zoë"]}, index=[10, 20])
    rendered = text.template("{{ greeting }}, {{ name }} (#{{ id }})", orders, greeting="Hi").df
    assert rendered["text"].tolist() == ["Hi, Ada (#1)", "Hi, Zoë (#2)"]
    with pytest.raises(ActionArgumentError, match="'missing' is undefined"):
        text.template("{{ missing }}")
    with pytest.raises(ActionArgumentError, match=r"text\.template: line 1"):
        text.template("{% if %}")


def test_slugify_a_value_a_list_and_a_series(text: Text) -> None:
    assert text.slugify("Zoë's Café: Q3 Report!").data == "zoes-cafe-q3-report"
    assert text.slugify(["Ærø Ø", "a  b"], separator="_").data == ["aero_o", "a_b"]
    series = pd.Series(["Hello World", None], index=["x", "y"])
    slugs = wb.connect("text").slugify(series, max_length=5).data
    assert list(slugs.index) == ["x", "y"]
    assert slugs["x"] == "hello"
    assert pd.isna(slugs["y"])


def test_named_groups_become_columns(text: Text) -> None:
    invoices = pd.DataFrame({"ref": ["INV-2024-0042", "no ref", "inv-2023-7"], "n": [1, 2, 3]})
    out = text.extract(invoices, r"INV-(?P<year>\d{4})-(?P<number>\d+)", column="ref", flags="i").df
    assert list(out.columns) == ["ref", "n", "year", "number"]
    assert out["year"].tolist()[0::2] == ["2024", "2023"]
    assert out["number"].isna().tolist() == [False, True, False]
    single = text.extract(pd.Series(["a=1", "b=22"]), r"(?P<key>\w)=(?P<value>\d+)").df
    assert single.to_dict("records") == [{"key": "a", "value": "1"}, {"key": "b", "value": "22"}]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pattern": r"\d+"}, "no named groups"),
        ({"pattern": r"(?P<x>"}, "bad pattern"),
        ({"pattern": r"(?P<x>.)", "flags": "q"}, "unknown flag 'q'"),
        ({"pattern": r"(?P<ref>.)", "column": "ref"}, "group 'ref' is already a column"),
        ({"pattern": r"(?P<x>.)", "column": "nope"}, "no column 'nope' (columns: ref)"),
    ],
)
def test_extraction_errors_name_the_problem(
    text: Text, kwargs: dict[str, str], message: str
) -> None:
    frame = pd.DataFrame({"ref": ["a"]})
    with pytest.raises(ActionArgumentError) as caught:
        text.extract(frame, **{"column": "ref", **kwargs})
    assert message in str(caught.value)


def test_fuzzy_matches_with_scores_and_ranks(text: Text) -> None:
    customers = pd.DataFrame({"name": ["ACME corp.", "Globex", "Nobody"]})
    known = pd.Series(["Acme Corporation", "Globex Inc", "Initech"])
    found = text.match(customers, known, column="name", limit=2, score_cutoff=60).df
    best = found[found["rank"] == 1].set_index("value")["match"].to_dict()
    assert best == {"ACME corp.": "Acme Corporation", "Globex": "Globex Inc"}
    assert found.loc[found["value"] == "Nobody", "match"].isna().all()
    assert found["score"].dropna().between(60, 100).all()
    exact = text.match("apple", ["apple", "apply"], limit=2, scorer="ratio").df
    assert exact["match"].tolist() == ["apple", "apply"]
    assert exact["score"].tolist()[0] == 100
    with pytest.raises(ActionArgumentError, match="unknown scorer 'cosine'"):
        text.match("a", ["a"], scorer="cosine")


def test_encoding_repair_on_values_and_frames(text: Text) -> None:
    assert text.fix("cafÃ© â€” SchÃ¶n").data == "café — Schön"
    frame = pd.DataFrame({"city": ["ZÃ¼rich", "Oslo"], "n": [1, 2]})
    fixed = text.fix(frame).df
    assert fixed["city"].tolist() == ["Zürich", "Oslo"]
    assert fixed["n"].tolist() == [1, 2]
    assert frame["city"].tolist()[0] == "ZÃ¼rich"  # the input is left alone


def test_the_catalog_lists_it() -> None:
    row = wb.catalog("text").set_index("name").loc["text"]
    assert (row["category"], row["auth"]) == ("text", "library")
    assert {"template", "slugify", "extract", "match", "fix"} <= set(Text.action_specs)
