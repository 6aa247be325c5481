"""Actions: signatures become validated input models; calls become Results in the history."""

from __future__ import annotations

import inspect
from typing import Any, Literal

import pytest

from workbench.errors import ActionArgumentError, ActionError
from workbench.redaction import register_secret
from workbench.results import Result
from workbench.sdk import Connector, action
from workbench.sdk.calls import calls


class Shelf(Connector):
    """A small in-memory connector used to exercise the SDK."""

    name = "shelf"
    library = True

    @action
    def add(self, title: str, /, copies: int = 1, tags: list[str] | None = None) -> dict[str, Any]:
        """Add a book to the shelf.

        Args:
            title: the book's title
            copies: how many copies
            tags: labels for search
        """
        return {"title": title, "copies": copies, "tags": tags or []}

    @action
    def search(
        self, kind: Literal["book", "zine"] = "book", **filters: Any
    ) -> list[dict[str, Any]]:
        """Find items by kind and free-form filters."""
        return [{"kind": kind, **filters}]

    @action
    def post(self, json: dict[str, Any], schema: str = "v1") -> dict[str, Any]:
        """Inputs whose names clash with pydantic's own attributes still work."""
        return {"json": json, "schema": schema}

    @action
    def fail(self, token: str) -> None:
        """Raise a driver error that mentions its input."""
        raise RuntimeError(f"token {token} rejected by server")


def test_call_returns_a_result_with_data_timing_and_labels() -> None:
    result = Shelf(connection="books").add("Dune", copies=2)
    assert isinstance(result, Result)
    assert result.data == {"title": "Dune", "copies": 2, "tags": []}
    assert (result.connection, result.action) == ("books", "add")
    assert result.elapsed >= 0
    assert result.df.to_dict("records") == [{"title": "Dune", "copies": 2, "tags": []}]


def test_signature_and_docs_are_the_real_ones() -> None:
    shelf = Shelf()
    signature = inspect.signature(shelf.add)
    assert list(signature.parameters) == ["title", "copies", "tags"]
    assert signature.return_annotation is Result
    assert shelf.add.__doc__ is not None and "Add a book" in shelf.add.__doc__
    assert "add" in dir(shelf)


def test_input_model_has_a_json_schema_with_descriptions_and_defaults() -> None:
    schema = Shelf.action_specs["add"].input_schema()
    assert schema["required"] == ["title"]
    assert schema["properties"]["title"] == {
        "title": "Title",
        "type": "string",
        "description": "the book's title",
    }
    assert schema["properties"]["copies"]["default"] == 1
    kinds = Shelf.action_specs["search"].input_schema()["properties"]["kind"]
    assert kinds["enum"] == ["book", "zine"]


def test_output_model_comes_from_the_return_annotation() -> None:
    schema = Shelf.action_specs["search"].output_schema()
    assert schema is not None and schema["type"] == "array"
    assert Shelf.action_specs["fail"].output_model is None


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda s: s.add(42), "shelf.add: argument 'title': expected a valid string, got 42"),
        (
            lambda s: s.add("Dune", copies="many"),
            "shelf.add: argument 'copies': expected a valid integer, "
            "unable to parse string as an integer, got 'many'",
        ),
        (lambda s: s.add(), "missing a required argument: 'title'"),
        (lambda s: s.add("Dune", pages=3), "unexpected keyword argument 'pages'"),
        (lambda s: s.search(kind="film"), "argument 'kind': expected 'book' or 'zine', got 'film'"),
        (lambda s: s.add("Dune", tags=[1]), "argument 'tags.0': expected a valid string, got 1"),
    ],
)
def test_wrong_arguments_name_the_field_the_expectation_and_the_value(
    call: Any, expected: str
) -> None:
    with pytest.raises(ActionArgumentError) as info:
        call(Shelf())
    assert expected in str(info.value)
    assert info.value.exit_code == 6


def test_wrong_arguments_never_reach_the_function() -> None:
    with pytest.raises(ActionArgumentError):
        Shelf().add("Dune", copies="x")
    assert [c.action for c in calls()] == []


def test_extra_keyword_arguments_flow_through_when_the_signature_takes_them() -> None:
    assert Shelf().search(kind="zine", year=1965).data == [{"kind": "zine", "year": 1965}]


def test_reserved_names_are_usable_as_inputs() -> None:
    result = Shelf().post(json={"a": 1}, schema="v2")
    assert result.data == {"json": {"a": 1}, "schema": "v2"}
    assert set(Shelf.action_specs["post"].input_schema()["properties"]) == {"json", "schema"}


def test_driver_errors_become_action_errors_with_secrets_masked() -> None:
    register_secret("tok-ABC-123")
    with pytest.raises(ActionError) as info:
        Shelf(connection="books").fail(token="tok-ABC-123")
    assert str(info.value) == "books.fail failed: RuntimeError: token *** rejected by server"
    assert info.value.__cause__ is None  # the unmasked original is not chained for display
    assert "tok-ABC-123" not in repr(calls()[-1])


def test_every_call_is_recorded_with_status_rows_and_time() -> None:
    shelf = Shelf(connection="books")
    shelf.search()
    with pytest.raises(ActionError):
        shelf.fail(token="nope-nope")
    recorded = calls()
    assert [(c.connection, c.action, c.status, c.rows) for c in recorded] == [
        ("books", "search", "ok", 1),
        ("books", "fail", "error", None),
    ]
    assert recorded[1].error == "RuntimeError: token nope-nope rejected by server"
    assert all(c.ms >= 0 for c in recorded)


def test_star_args_are_refused_when_the_connector_is_defined() -> None:
    with pytest.raises(TypeError, match=r"cannot take \*items"):

        class Bad(Connector):
            @action
            def many(self, *items: str) -> None:
                """Not allowed: inputs must be named."""
