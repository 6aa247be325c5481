"""Checks that hold for every spec in ../shared/specs, in the sandbox.

A list answer has one ``.df`` row per record of the raw body, and the sandbox needs no
credential: its settings validate with no secret, no action requires a credential declared
as a parameter, and an operation answers from its example arguments alone.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
from specs import FILES, SPECS

from workbench.http.records import dig
from workbench.openapi import connector_class, example_arguments, load_spec
from workbench.openapi.actions import RAW
from workbench.openapi.connector import ApiConnector
from workbench.openapi.schemas import flatten

SAMPLE = 8
"""List operations called per spec: spread evenly over the spec's list operations."""
IDS = [p.stem for p in FILES]


@functools.cache
def sandboxed(file: str) -> ApiConnector:
    name = re.sub(r"\W+", "_", Path(file).stem).strip("_").lower()
    cls = connector_class(load_spec(SPECS / file), name)
    return cls(cls.config_model(sandbox=True), connection=name)


def without_credentials(connector: ApiConnector, action: str) -> dict[str, Any]:
    """The example arguments of ``action`` with every credential argument left out."""
    spec = connector.action_specs[action]
    credentials = {arg.name for arg in spec.arguments if arg.credential}
    examples = example_arguments(spec.operation, connector.api)
    return {k: v for k, v in examples.items() if k not in credentials}


def list_actions(connector: ApiConnector) -> list[str]:
    """The actions whose success answer holds a list of records (a records selector)."""
    return sorted(name for name, spec in connector.action_specs.items() if spec.records is not None)


def required_at(connector: ApiConnector, action: str) -> bool:
    """Whether the success schema requires every step of the path to the action's records.

    Example:
        >>> required_at(sandboxed("slack.com.json"), "reminders_list")
        True
        >>> required_at(sandboxed("slack.com.json"), "chat_update")  # message.attachments
        False
    """
    spec = connector.action_specs[action]
    success = spec.operation.success()
    schema = flatten(success.schema, connector.api.resolve) if success and success.schema else {}
    for name in (spec.records or "").split(".") if spec.records else []:
        if name not in (schema.get("required") or []):
            return False
        schema = flatten(schema.get("properties", {}).get(name, {}), connector.api.resolve)
    return True


def spread(names: list[str], count: int) -> list[str]:
    """At most ``count`` of ``names``, evenly spaced, first and last included.

    Example:
        >>> spread(list("abcdefg"), 3), spread(list("ab"), 5)
        (['a', 'd', 'g'], ['a', 'b'])
    """
    if len(names) <= count:
        return names
    step = (len(names) - 1) / (count - 1)
    return [names[round(i * step)] for i in range(count)]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_a_list_answer_has_one_row_per_record(path: Path) -> None:
    connector = sandboxed(path.name)
    listed = list_actions(connector)
    checked: dict[str, tuple[int, int]] = {}
    for action in spread(listed, SAMPLE):
        spec = connector.action_specs[action]
        arguments = without_credentials(connector, action)
        body = getattr(connector, action)(**arguments, **{spec.options[RAW]: True}).data
        result = getattr(connector, action)(**arguments)
        records = dig(body, spec.records)
        if isinstance(records, list):
            expected = len(records) * max(result.pages or 1, 1)
        else:  # this answer left an optional list out: the body is kept whole, one row
            assert not required_at(connector, action), (action, spec.records, body)
            assert result.data == body, action
            expected = 1
        checked[action] = (len(result.df), expected)
    assert {a: rows for a, (rows, _) in checked.items()} == {
        a: expected for a, (_, expected) in checked.items()
    }


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_sandbox_settings_need_no_secret(path: Path) -> None:
    cls = type(sandboxed(path.name))
    config = cls.config_model(sandbox=True)
    assert config.mode == "sandbox"
    secrets = cls.config_model.secret_field_names()
    assert all(getattr(config, field) is None for field in secrets), secrets
    required = [n for n, f in cls.config_model.model_fields.items() if f.is_required()]
    assert required == []


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_action_requires_a_credential_argument(path: Path) -> None:
    connector = sandboxed(path.name)
    required = {
        action: [arg.name for arg in spec.arguments if arg.credential and arg.required]
        for action, spec in connector.action_specs.items()
    }
    assert {action: names for action, names in required.items() if names} == {}


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_an_operation_answers_its_example_arguments_with_no_credential(path: Path) -> None:
    connector = sandboxed(path.name)
    listed = list_actions(connector)
    action = (listed or sorted(connector.action_specs))[0]
    result = getattr(connector, action)(**without_credentials(connector, action))
    assert result.sandbox is True
    assert 200 <= result.raw["status"] < 300
    sent = result.raw["request"]["headers"]
    assert "authorization" not in sent, sent


def test_slack_s_token_parameter_is_a_credential_and_optional() -> None:
    """The case the credential check is for: Slack declares ``token`` as a parameter."""
    slack = sandboxed("slack.com.json")
    (token,) = [a for a in slack.action_specs["chat_post_message"].arguments if a.name == "token"]
    assert (token.credential, token.required) == (True, False)
    assert "token" not in without_credentials(slack, "chat_post_message")
