"""The one line of Python equivalent to a form's values, and that it runs the same call."""

from __future__ import annotations

import ast
from typing import Any

import pandas as pd
from petstore import DOCUMENT

import workbench as wb
from workbench.redaction import register_secret
from workbench.sdk import Connector, action
from workbench.snippet import call_arguments, python_call


def run(snippet: str) -> Any:
    return eval(snippet, {"wb": wb})  # noqa: S307 - the snippet is what a user would paste


def test_a_query_round_trips_with_its_positional_sql() -> None:
    shop = wb.connect("shop")
    spec = shop.action_specs["query"]
    values = {"sql": "select id, status from orders where status = :status", "status": "shipped"}
    snippet = python_call("shop", spec, values)
    assert snippet == (
        'wb.connect("shop").query('
        '"select id, status from orders where status = :status", status="shipped")'
    )
    expected = shop.query(values["sql"], status="shipped").df
    pd.testing.assert_frame_equal(run(snippet).df, expected)


def test_an_openapi_call_in_the_sandbox_round_trips() -> None:
    wb.Connector.from_openapi(DOCUMENT, name="snippet_pets")
    values = {"limit": 5, "status": "available", "filter": {"color": "red"}}
    snippet = python_call("snippet_pets", "list_pets", values)
    assert snippet == (
        'wb.connect("snippet_pets").list_pets(limit=5, status="available", filter={"color": "red"})'
    )
    result = run(snippet)
    assert (result.connection, result.action, result.rows) == ("snippet_pets", "list_pets", 1)
    assert result.raw["url"].endswith("/pets?limit=5&status=available&filter[color]=red")


def test_names_that_are_no_python_identifiers_go_in_a_dict() -> None:
    snippet = python_call("api", "send", {"e-mail": "a@b.c", "from": 1, "ok": True})
    assert snippet == 'wb.connect("api").send(ok=True, **{"e-mail": "a@b.c", "from": 1})'
    ast.parse(snippet)


def test_quotes_and_newlines_stay_one_valid_line() -> None:
    text = 'it\'s "quoted"\nand on two lines'
    snippet = python_call("shop", "query", {"sql": text, "tags": ["a", "b'c"], "n": (1,)})
    assert "\n" not in snippet
    call = ast.parse(snippet).body[0].value  # type: ignore[attr-defined]
    given = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert given == {"sql": text, "tags": ["a", "b'c"], "n": (1,)}


def test_frames_bytes_and_objects_become_placeholders_with_a_comment() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3]})
    snippet = python_call(
        "files", "write", {"name": "out.csv", "frame": frame, "blob": b"abcd", "at": object()}
    )
    assert snippet == (
        'wb.connect("files").write(name="out.csv", frame=..., blob=..., at=...)'
        "  # replace ... with frame: a DataFrame of 3 rows and 1 columns; blob: 4 bytes;"
        " at: a object"
    )
    ast.parse(snippet)


def test_known_secret_values_are_masked() -> None:
    register_secret("tok-5d1e-snippet-secret")
    snippet = python_call("api", "login", {"token": "tok-5d1e-snippet-secret"})
    assert snippet == 'wb.connect("api").login(token="***")'


class Positional(Connector):
    """Actions with positional-only inputs."""

    name = "snippet_positional"
    library = True

    @action
    def join(self, first: str, second: str = "-", /, *, sep: str = "") -> str:
        """Join two texts."""
        return first + sep + second


def test_call_arguments_keep_positional_only_inputs_in_order() -> None:
    wb.register(Positional)
    spec = Positional.action_specs["join"]
    values = {"sep": "+", "second": "b", "first": "a"}
    assert call_arguments(spec, values) == (["a", "b"], {"sep": "+"})
    assert call_arguments(spec, {"second": "b"}) == ([], {"second": "b"})
    snippet = python_call("snippet_positional", spec, values)
    assert snippet == 'wb.connect("snippet_positional").join("a", "b", sep="+")'
    assert run(snippet).data == "a+b"
