"""Specs as found in the wild: regex patterns ``re`` cannot read, scheme-less servers, and
small parameter defects that cost that parameter, not the operation."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.openapi import load_spec
from workbench.openapi.connector import ApiConnector, connector_class
from workbench.openapi.model import ApiSpec
from workbench.openapi.parameters import SpecWarning

LETTERS = "^\\p{L}+$"


def document(parameters: list[Any], servers: list[Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Wild", "version": "1"},
        "servers": servers if servers is not None else [{"url": "https://wild.example.com"}],
        "paths": {
            "/names/{name}": {
                "get": {
                    "operationId": "getName",
                    "parameters": parameters,
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["name"],
                                        "properties": {
                                            "name": {"type": "string", "pattern": LETTERS}
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
    }


NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}


def sandboxed(spec: ApiSpec) -> ApiConnector:
    cls = connector_class(spec, "wild")
    return cls(cls.config_model(sandbox=True), connection="wild")


def test_a_unicode_property_pattern_is_read_checked_and_matched() -> None:
    name = {**NAME, "schema": {"type": "string", "pattern": LETTERS}}
    wild = sandboxed(load_spec(document([name]), name="wild"))
    answer = wild.get_name(name="Zoë").data
    assert isinstance(answer["name"], str) and answer["name"].isalpha()
    with pytest.raises(Exception, match=r"path parameter 'name': 'Zo3' does not match"):
        wild.get_name(name="Zo3")


@pytest.mark.parametrize(
    ("url", "base", "expected", "warned"),
    [
        ("//api.example.com/v1", None, "https://api.example.com/v1", True),
        ("api.example.com/v1", None, "https://api.example.com/v1", True),
        ("localhost:8080/v1", None, "https://localhost:8080/v1", True),
        ("//api.example.com/v1", "http://x.example.com/s.json", "http://api.example.com/v1", False),
        ("/v1", "https://specs.example.com/docs/s.json", "https://specs.example.com/v1", False),
        ("/v1", None, "/v1", False),
    ],
)  # fmt: skip
def test_server_url_forms(url: str, base: str | None, expected: str, warned: bool) -> None:
    from workbench.openapi.servers import server_urls

    if warned:
        with pytest.warns(SpecWarning, match=r"s\.json: #/servers/0/url: .* has no scheme"):
            found = server_urls([{"url": url}], "s.json", "#/servers", base)
    else:
        found = server_urls([{"url": url}], "s.json", "#/servers", base)
    assert found == (expected,)


def test_a_scheme_less_server_in_a_spec() -> None:
    with pytest.warns(SpecWarning, match="has no scheme"):
        spec = load_spec(document([NAME], [{"url": "api.example.com/v1/"}]), name="wild")
    assert spec.servers == ("https://api.example.com/v1",)


def test_a_relative_server_is_kept_and_the_sandbox_still_answers() -> None:
    spec = load_spec(document([NAME], [{"url": "/v1"}]), name="wild")
    assert spec.servers == ("/v1",)
    assert sandboxed(spec).get_name(name="abc").data["name"]


def test_a_swagger2_host_written_as_a_url() -> None:
    doc = {
        "swagger": "2.0",
        "info": {"title": "Old", "version": "1"},
        "host": "https://old.example.com/",
        "basePath": "v2",
        "paths": {"/a": {"get": {"responses": {"200": {"description": "OK"}}}}},
    }
    with pytest.warns(SpecWarning) as caught:
        spec = load_spec(doc, name="old")
    assert spec.servers == ("https://old.example.com/v2",)
    assert ["#/host" in str(w.message) or "#/basePath" in str(w.message) for w in caught] == [
        True,
        True,
    ]


def test_a_repeated_parameter_still_calls_in_the_sandbox() -> None:
    repeat = {"name": "name", "in": "path", "schema": {"type": "integer"}}
    with pytest.warns(SpecWarning, match="repeats"):
        spec = load_spec(document([NAME, repeat]), name="wild")
    assert sandboxed(spec).get_name(name="abc").data["name"]
