"""A list answer becomes rows: the records of a response are found from its schema."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from functools import cache
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from servers import JsonHandler, serve
from specs import SPECS

from workbench.errors import ActionError
from workbench.openapi import connector_class, load_spec
from workbench.openapi.connector import ApiConnector
from workbench.openapi.records import find_records


@cache
def sandboxed(file: str, name: str) -> ApiConnector:
    cls = connector_class(load_spec(SPECS / file), name)
    return cls(cls.config_model(sandbox=True), connection=name)


def test_slack_channels_are_rows() -> None:
    slack = sandboxed("slack.com.json", "slack")
    body = slack.conversations_list(raw=True).data
    result = slack.conversations_list()
    assert len(result.df) == len(body["channels"]) == 2
    assert {"id", "name", "is_channel", "topic.value"} <= set(result.df.columns)
    assert "ok" not in result.df.columns
    assert result.df["name"].tolist() == [channel["name"] for channel in body["channels"]]


def test_stripe_customers_are_rows() -> None:
    stripe = sandboxed("stripe.com.json", "stripe")
    body = stripe.get_customers(raw=True).data
    result = stripe.get_customers()
    assert isinstance(body["data"], list) and body["data"]
    assert len(result.df) == len(body["data"])
    assert {"id", "object", "created"} <= set(result.df.columns)
    assert not {"has_more", "url"} & set(result.df.columns)


def test_slack_s_one_user_is_one_row_and_its_members_are_rows() -> None:
    """Slack's spec writes one user as ``items`` with no ``type``; the answer holds an object."""
    slack = sandboxed("slack.com.json", "slack")
    assert slack.action_specs["users_info"].records is None
    body = slack.users_info(user="W012A3CDE", raw=True).data
    assert isinstance(body["user"], dict)
    frame = slack.users_info(user="W012A3CDE").df
    assert len(frame) == 1 and frame["user.id"].tolist() == [body["user"]["id"]]
    assert slack.action_specs["users_list"].records == "members"
    members = slack.users_list(raw=True).data["members"]
    assert len(slack.users_list().df) == len(members)


def test_stripe_single_resources_stay_whole() -> None:
    """A charge has an ``id``: its ``refunds.data`` is not taken for the records."""
    stripe = sandboxed("stripe.com.json", "stripe")
    result = stripe.get_charges_charge("ch_1")
    assert isinstance(result.data, dict) and len(result.df) == 1
    assert "amount" in result.df.columns


def test_sheets_values_are_rows_with_numbered_columns() -> None:
    sheets = sandboxed("googleapis.com__sheets.json", "sheets")
    body = sheets.sheets_spreadsheets_values_get("sheet-1", "A1:C3", raw=True).data
    frame = sheets.sheets_spreadsheets_values_get("sheet-1", "A1:C3").df
    width = max(len(row) for row in body["values"])
    assert len(frame) == len(body["values"])
    assert frame.columns.tolist() == list(range(width))
    assert frame[0].tolist() == [row[0] for row in body["values"]]


def test_raw_returns_the_body_as_it_is() -> None:
    slack = sandboxed("slack.com.json", "slack")
    result = slack.conversations_list(raw=True)
    assert set(result.data) == {"ok", "channels", "response_metadata"}
    assert len(result.df) == 1


def test_the_overrides_are_keywords_of_every_action() -> None:
    slack = sandboxed("slack.com.json", "slack")
    parameters = inspect.signature(slack.conversations_list).parameters
    assert (parameters["records"].default, parameters["raw"].default) == (None, False)
    assert parameters["records"].kind is inspect.Parameter.KEYWORD_ONLY


# A small API whose answers have several lists, to show the rule and the overrides.
LISTED = {"type": "array", "items": {"type": "object", "properties": {"id": {}, "x": {}}}}
TAGS = {"type": "array", "items": {"type": "object", "properties": {"tag": {"type": "string"}}}}


def _answer(schema: dict[str, Any], example: Any, **extra: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": schema, "example": example}}
    return {"responses": {"200": {"description": "ok", "content": content}}, **extra}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Lists", "version": "1"},
    "servers": [{"url": "https://lists.example.com"}],
    "paths": {
        "/named": {
            "get": _answer(
                {"type": "object", "properties": {"data": LISTED, "links": TAGS}},
                {"data": [{"id": 1}, {"id": 2}, {"id": 3}], "links": [{"tag": "self"}]},
                operationId="named",
            )
        },
        "/tied": {
            "get": _answer(
                {"type": "object", "properties": {"users": LISTED, "teams": TAGS}},
                {"users": [{"id": 1}, {"id": 2}], "teams": [{"tag": "a"}]},
                operationId="tied",
            )
        },
        "/declared": {
            "get": _answer(
                {"type": "object", "properties": {"data": LISTED, "meta": {"type": "object"}}},
                {"data": [{"id": 1}], "meta": {"tags": [{"tag": "a"}, {"tag": "b"}]}},
                operationId="declared",
                **{"x-workbench-records": "meta.tags"},
            )
        },
        "/clash": {
            "get": _answer(
                {"type": "object", "properties": {"data": LISTED, "links": TAGS}},
                {"data": [{"id": 1}], "links": [{"tag": "a"}, {"tag": "b"}]},
                operationId="clash",
                parameters=[
                    {"name": "records", "in": "query", "schema": {"type": "string"}},
                    {"name": "raw", "in": "query", "schema": {"type": "boolean"}},
                ],
            )
        },
    },
}


@pytest.fixture(scope="module")
def lists() -> Any:
    cls = connector_class(load_spec(DOCUMENT), "lists")
    return cls(cls.config_model(sandbox=True), connection="lists")


def test_of_two_lists_the_one_named_like_a_collection_is_the_records(lists: Any) -> None:
    assert lists.named().data == [{"id": 1}, {"id": 2}, {"id": 3}]


def test_two_lists_with_no_collection_name_keep_the_body_whole(lists: Any) -> None:
    result = lists.tied()
    assert result.data == {"users": [{"id": 1}, {"id": 2}], "teams": [{"tag": "a"}]}
    assert len(result.df) == 1


def test_records_at_call_time_pick_another_list(lists: Any) -> None:
    assert lists.named(records="links").data == [{"tag": "self"}]
    assert lists.tied(records="users").df["id"].tolist() == [1, 2]


def test_records_at_call_time_that_are_not_a_list_say_what_the_body_has(lists: Any) -> None:
    with pytest.raises(ActionError, match=r"records 'nope': not in the body .*'data', 'links'"):
        lists.named(records="nope")


def test_a_declared_selector_wins_over_the_schema(lists: Any) -> None:
    assert lists.declared().data == [{"tag": "a"}, {"tag": "b"}]
    assert lists.declared(records="data").data == [{"id": 1}]


def test_a_manifests_records_win_over_the_schema() -> None:
    manifest = {
        "name": "todo",
        "base_url": "https://todo.example.com",
        "actions": {
            "list_items": {
                "path": "/items",
                "records": "meta.tags",
                "response": {
                    "type": "object",
                    "properties": {
                        "data": LISTED,
                        "meta": {"type": "object", "properties": {"tags": TAGS}},
                    },
                },
            }
        },
    }
    cls = connector_class(load_spec(manifest), "todo")
    todo = cls(cls.config_model(sandbox=True), connection="todo")
    body = todo.list_items(raw=True).data
    assert todo.list_items().data == body["meta"]["tags"]


def test_an_operation_parameter_named_records_or_raw_wins(lists: Any) -> None:
    parameters = inspect.signature(lists.clash).parameters
    assert {"records", "raw", "_records", "_raw"} <= set(parameters)
    assert parameters["records"].annotation == str | None  # the query parameter
    assert lists.clash(records="sent").data == [{"id": 1}]
    assert lists.clash(records="sent", _records="links").df["tag"].tolist() == ["a", "b"]
    assert set(lists.clash(raw=True, _raw=True).data) == {"data", "links"}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "array", "items": {"type": "string"}}, ""),
        ({"allOf": [{"properties": {"ok": {}}}, {"properties": {"rows": LISTED}}]}, "rows"),
        ({"properties": {"a": {"properties": {"b": {"properties": {"c": LISTED}}}}}}, "a.b.c"),
        (
            {
                "properties": {
                    "a": {"properties": {"b": {"properties": {"c": {"properties": {"d": LISTED}}}}}}
                }
            },
            None,
        ),
        ({"properties": {"id": {}, "refunds": {"properties": {"data": LISTED}}}}, None),
        ({"properties": {"errors": LISTED}}, None),
        ({"properties": {"names": {"type": "array", "items": {"type": "string"}}}}, None),
        ({"properties": {"data": LISTED, "results": LISTED}}, None),
        ({"$ref": "#/components/schemas/Page"}, "items"),
        ({"items": {"type": "object"}}, None),  # items but no type: not declared an array
        ({"properties": {"user": {"items": {"type": "object"}}, "ok": {}}}, None),
        ({"properties": {"fields": {**LISTED, "type": ["object", "null", "array"]}}}, None),
        ({"properties": {"rows": {**LISTED, "type": ["array", "null"]}}}, "rows"),
    ],
)
def test_the_rule(schema: dict[str, Any], expected: str | None) -> None:
    refs = {"#/components/schemas/Page": {"properties": {"items": LISTED, "total": {}}}}
    assert find_records(schema, refs.__getitem__) == expected


# Three pages from a real loopback server; the records are found from the schema alone.
ROWS = [{"id": i, "name": f"row {i}"} for i in range(7)]


class Pages(JsonHandler):
    requested: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        type(self).requested.append(self.path)
        start = int(parse_qs(url.query).get("after", ["0"])[0])
        page = ROWS[start : start + 3]
        after = start + 3 if start + 3 < len(ROWS) else None
        if url.path == "/cells":
            values = [[r["id"], r["name"]] for r in page]
            self.send_json(200, {"range": "A1:B7", "values": values, "next": after})
            return
        self.send_json(200, {"results": page, "warnings": ["slow"], "meta": {"after": after}})


PAGED: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Paged", "version": "1"},
    "paths": {
        "/rows": {
            "get": {
                "operationId": "rows",
                "x-workbench-pagination": {
                    "type": "cursor",
                    "cursor_param": "after",
                    "cursor_path": "meta.after",
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/RowPage"}}
                        },
                    }
                },
            }
        },
        "/cells": {
            "get": {
                "operationId": "cells",
                "x-workbench-pagination": {
                    "type": "cursor",
                    "cursor_param": "after",
                    "cursor_path": "next",
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "range": {"type": "string"},
                                        "values": {"type": "array", "items": {"type": "array"}},
                                        "next": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            "RowPage": {
                "type": "object",
                "properties": {
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                    "meta": {"type": "object", "properties": {"after": {"type": "integer"}}},
                },
            },
            "Row": {"type": "object", "properties": {"id": {}, "name": {}}},
        }
    },
}


@pytest.fixture(scope="module")
def paged() -> Iterator[Any]:
    with serve(Pages) as base:
        cls = connector_class(load_spec(PAGED), "paged")
        yield cls(cls.config_model(base_url=base), connection="paged")


def test_every_page_gives_its_rows(paged: Any) -> None:
    Pages.requested = []
    result = paged.rows()
    assert result.pages == 3
    assert result.data == ROWS
    assert list(result.df.columns) == ["id", "name"]
    assert Pages.requested == ["/rows", "/rows?after=3", "/rows?after=6"]


def test_rows_of_arrays_across_pages(paged: Any) -> None:
    result = paged.cells()
    assert result.pages == 3
    assert result.df.values.tolist() == [[r["id"], r["name"]] for r in ROWS]
    assert result.df.columns.tolist() == [0, 1]


def test_raw_reads_one_page_as_it_is(paged: Any) -> None:
    Pages.requested = []
    result = paged.rows(raw=True)
    assert result.data["results"] == ROWS[:3] and result.pages == 1
    assert Pages.requested == ["/rows"]


def test_records_at_call_time_apply_to_every_page(paged: Any) -> None:
    assert paged.rows(records="warnings").data == ["slow", "slow", "slow"]
