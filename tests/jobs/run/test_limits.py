"""Parameter limits: read from the parameters cell's annotations, checked by wb run,
schedules, triggers and serve alike, refused naming the rule."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from sources import register_ticker
from workers import write_notebook

from workbench.cli import cli
from workbench.errors import ParameterError
from workbench.jobs.run.limits import Limits, limits_of
from workbench.jobs.run.parameters import parse_cell
from workbench.jobs.serve.spec import openapi_document

CELL = """from typing import Annotated, Literal
from annotated_types import Interval, MaxLen

status: Literal["pending", "paid", "shipped"] = "shipped"
limit: Annotated[int, "how many orders", Interval(ge=1, le=100)] = 10
note: Annotated[str, MaxLen(5)] = ""
event = {}
"""


def annotation(text: str) -> ast.expr:
    node = ast.parse(text).body[0]
    assert isinstance(node, ast.Expr)
    return node.value


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("Literal['a', 'b']", Limits(choices=("a", "b"))),
        ("typing.Literal[1, 2]", Limits(choices=(1, 2))),
        ("Annotated[int, Ge(0)]", Limits(ge=0)),
        ("Annotated[float, Gt(0.5), Lt(2)]", Limits(gt=0.5, lt=2)),
        ("Annotated[int, Interval(ge=1, le=9)]", Limits(ge=1, le=9)),
        ("Annotated[str, Field(min_length=2, max_length=8)]", Limits(min_length=2, max_length=8)),
        ("Annotated[list, Len(1, 3)]", Limits(min_length=1, max_length=3)),
        ("Annotated[str, 'a note', MinLen(1)]", Limits(min_length=1, description="a note")),
        (
            "Annotated[Literal['x', 'y'], 'pick one']",
            Limits(choices=("x", "y"), description="pick one"),
        ),
        ("int", None),
    ],
)
def test_the_typing_forms_are_read(text: str, limits: Limits | None) -> None:
    assert limits_of(annotation(text)) == limits


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Annotated[int, Ge('one')]", "a bound must be a number"),
        ("Annotated[int, Between(1, 2)]", "is not a rule; use Ge, Gt"),
        ("Annotated[int, 5]", "is not a rule"),
        ("Literal[x]", "is not a literal value"),
        ("Annotated[str, MaxLen(-1)]", "a length is a whole number"),
    ],
)
def test_rules_that_cannot_be_read_are_named(text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        limits_of(annotation(text))


def test_the_cell_gives_types_defaults_and_limits() -> None:
    declared = parse_cell(CELL, notebook="orders.ipynb")
    assert (declared["status"].type, declared["limit"].type) == ("str", "int")
    assert declared["limit"].limits == Limits(ge=1, le=100, description="how many orders")
    with pytest.raises(ParameterError, match=r"'limit': its default 0 is not from 1 to 100"):
        parse_cell("limit: Annotated[int, Interval(ge=1, le=100)] = 0", notebook="orders.ipynb")


@pytest.fixture
def orders(project: Path) -> Path:
    path = write_notebook(project / "orders.ipynb", CELL, "print(status, limit)")
    return path


def wb(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("pair", "rule"),
    [
        (("limit", "-1"), "parameter 'limit' must be from 1 to 100, got -1"),
        (("status", "nonsense"), "parameter 'status' must be one of 'pending', 'paid', 'shipped'"),
        (("note", "too long"), "parameter 'note' must be at most 5 long"),
    ],
)
def test_run_schedule_and_trigger_refuse_a_value_breaking_its_rule(
    orders: Path, store: object, pair: tuple[str, str], rule: str
) -> None:
    register_ticker()
    for command in (
        ["run", str(orders)],
        ["schedule", "add", str(orders), "--cron", "@daily"],
        ["trigger", "add", str(orders), "--on", "ticker.ticks"],
    ):
        code, stderr = wb(*command, "-p", *pair)
        assert (code, rule in stderr) == (11, True), (command, stderr)


def test_the_served_documentation_publishes_the_limits(orders: Path) -> None:
    nb = nbformat.read(orders, as_version=4)  # type: ignore[no-untyped-call]
    query = openapi_document(nb, route="/orders", auth=False)["paths"]["/orders"]["get"]
    schemas = {p["name"]: p["schema"] for p in query["parameters"] if "schema" in p}
    assert schemas["status"]["enum"] == ["pending", "paid", "shipped"]
    assert (schemas["limit"]["minimum"], schemas["limit"]["maximum"]) == (1, 100)
    assert schemas["limit"]["description"] == "how many orders"
    assert schemas["note"]["maxLength"] == 5
