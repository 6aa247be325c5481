"""Slack's official Web API description, shipped with the connector, read once.

The file is ``slack.com.json`` as Slack publishes it (OpenAPI 3). One change is made in
memory: the ``token`` parameter that most methods declare is made optional in the
signatures, because the connector sends the connection's token itself.

Example:
    >>> spec = slack_spec()
    >>> spec.operations["chat_post_message"].path
    '/chat.postMessage'
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from workbench.openapi import ApiSpec, load_spec

SPEC_FILE = Path(__file__).with_name("slack.com.json")
"""Slack's OpenAPI 3 description of the Web API, unchanged."""


def slack_document() -> dict[str, Any]:
    """The shipped description with the ``token`` parameters made optional.

    Example:
        >>> op = slack_document()["paths"]["/chat.postMessage"]["post"]
        >>> [(p["name"], p["required"]) for p in op["parameters"]]
        [('token', False)]
    """
    document: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "token":
                    parameter["required"] = False
    return document


@cache
def slack_spec() -> ApiSpec:
    """The :class:`~workbench.openapi.ApiSpec` the connector's actions are built on."""
    return load_spec(slack_document(), name="slack.com.json")
