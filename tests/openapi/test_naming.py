"""Action, parameter and field names: snake_case, valid, not reserved, deterministic."""

from __future__ import annotations

import keyword

import pytest

from workbench.openapi import naming
from workbench.sdk.connector import Connector


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chat.postMessage", "chat_post_message"),
        ("GetCustomers", "get_customers"),
        ("repos/list-for-org", "repos_list_for_org"),
        ("Stripe-Account", "stripe_account"),
        ("page[size]", "page_size"),
        ("get /v1/customers/{customer}", "get_v1_customers_customer"),
        ("getHTTPResponseCode", "get_http_response_code"),
        ("userID", "user_id"),
        ("Operations_List", "operations_list"),
        ("__weird__--name__", "weird_name"),
        ("$select", "select"),
        ("ünïcode", "n_code"),
        ("", ""),
    ],
)
def test_snake_case(text: str, expected: str) -> None:
    assert naming.snake_case(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("from", "from_"), ("class", "class_"), ("self", "self_"), ("2fa", "n2fa"), ("---", "value")],
)
def test_identifiers_are_valid_and_not_keywords(text: str, expected: str) -> None:
    name = naming.identifier(text)
    assert name == expected
    assert name.isidentifier()
    assert not keyword.iskeyword(name)


def test_action_names_avoid_connector_attributes() -> None:
    public = {n for n in dir(Connector) if not n.startswith("_")}
    assert public <= naming.reserved_action_names()
    for attribute in sorted(public):
        name = naming.action_name(attribute, "get", "/x")
        assert name == attribute + "_"
        assert not hasattr(Connector, name)


def test_action_names_fall_back_to_method_and_path() -> None:
    assert (
        naming.action_name(None, "get", "/v1/customers/{customer}") == "get_v1_customers_customer"
    )
    assert naming.action_name("", "delete", "/") == "delete"
    assert naming.action_name("!!!", "post", "/x/{id}") == "post_x_id"


def test_unique_names_are_deterministic_and_never_steal_a_name() -> None:
    names = ["list", "list", "list_2", "close_", "close_"]
    assert naming.unique(names) == ["list", "list_3", "list_2", "close_", "close_2"]
    order = [("/b", "get"), ("/a", "post"), ("/a", "get"), ("/c", "get"), ("/d", "get")]
    assert naming.unique(["x", "x", "x", "y", "z"], order=order) == ["x_3", "x_2", "x", "y", "z"]
