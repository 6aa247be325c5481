"""Slack's official Web API description, shipped with the connector, read once.

The file is ``slack.com.json`` as Slack publishes it (OpenAPI 3). The ``token`` parameter
that most methods declare is a credential argument (optional: the connector sends the
connection's token, the sandbox a stand-in).

Example:
    >>> spec = slack_spec()
    >>> spec.operations["chat_post_message"].path
    '/chat.postMessage'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from workbench.sdk.openapi import ApiSpec, load_spec

SPEC_FILE = Path(__file__).with_name("slack.com.json")
"""Slack's OpenAPI 3 description of the Web API, unchanged."""


@cache
def slack_spec() -> ApiSpec:
    """The :class:`~workbench.sdk.openapi.ApiSpec` the connector's actions are built on."""
    return load_spec(SPEC_FILE)
