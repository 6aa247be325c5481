"""The OpenAPI 3.1 document of a served notebook."""

from __future__ import annotations

from typing import Any

import nbformat
import pytest
from openapi_spec_validator import validate

from workbench.errors import ParameterError
from workbench.jobs.serve.spec import openapi_document, parameter_notes

PARAMETERS = """\
day = "2024-01-01"  # the day to report
limit: int = 10
ratio = 0.5  # share of rows
dry_run = False
tables = ["orders"]  # which tables (JSON)
options = {"a": 1}
since = None
%load_ext workbench
"""


def notebook(parameters: str = PARAMETERS, heading: str = "# Daily report\nWhat it does.") -> Any:
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(heading), cell])


def test_every_parameter_has_its_json_schema_type_default_and_description() -> None:
    doc = openapi_document(notebook(), route="/reports/daily", auth=True)
    validate(doc)
    assert doc["info"] == {"title": "Daily report", "version": doc["info"]["version"],
                           "description": "What it does."}  # fmt: skip
    get = doc["paths"]["/reports/daily"]["get"]
    assert get["operationId"] == "reports_daily"
    query = {p["name"]: p for p in get["parameters"]}
    assert list(query) == ["day", "limit", "ratio", "dry_run", "tables", "options", "since"]
    assert query["day"]["schema"] == {"type": "string", "default": "2024-01-01"}
    assert query["day"]["description"] == "the day to report"
    assert query["limit"]["schema"] == {"type": "integer", "default": 10}
    assert query["ratio"]["schema"] == {"type": "number", "default": 0.5}
    assert query["dry_run"]["schema"] == {"type": "boolean", "default": False}
    assert query["since"]["schema"] == {"default": None}  # untyped: any JSON value
    assert query["tables"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {},
        "default": ["orders"],
    }  # lists and dicts are JSON text in a query string
    body = doc["paths"]["/reports/daily"]["post"]["requestBody"]["content"]["application/json"]
    properties = body["schema"]["properties"]
    assert properties["options"] == {"type": "object", "default": {"a": 1}}
    assert properties["tables"]["description"] == "which tables (JSON)"
    assert body["schema"]["additionalProperties"] is False
    assert get["security"] == [{"bearer": []}]
    assert set(get["responses"]) == {"200", "400", "401", "500", "504"}


def test_without_auth_there_is_no_security_scheme() -> None:
    doc = openapi_document(notebook(), route="/", auth=False)
    validate(doc)
    assert "securitySchemes" not in doc["components"]
    assert "security" not in doc["paths"]["/"]["get"]
    assert "401" not in doc["paths"]["/"]["get"]["responses"]
    assert doc["paths"]["/"]["get"]["operationId"] == "root"


def test_a_notebook_without_parameters_or_heading() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    doc = openapi_document(nb, route="/hello", auth=True, notebook="hello.ipynb")
    validate(doc)
    assert doc["info"]["title"] == "hello.ipynb"
    assert doc["paths"]["/hello"]["get"]["parameters"] == []


def test_a_broken_parameters_cell_is_reported() -> None:
    with pytest.raises(ParameterError, match="not valid Python"):
        openapi_document(notebook("limit = = 3"), route="/x", auth=True, notebook="x.ipynb")


def test_notes_come_only_from_comments_ending_an_assignment() -> None:
    source = '# a header comment\nname = "x"  # the name\n# limit = 3  # not a parameter\nn = 1 #\n'
    assert parameter_notes(notebook(source)) == {"name": "the name"}
