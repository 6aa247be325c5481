"""Settings of a Slack connection: the Web API's from Slack's spec, and where Events API
deliveries arrive.

In workbench.toml::

    [connections.slack]
    connector = "slack"
    token = { secret = "slack/bot-token" }              # a bot token, xoxb-...
    signing_secret = { secret = "slack/signing-secret" } # verifies Events API deliveries
    events_port = 8787                                   # Request URL: http://HOST:8787/slack/events

Example:
    >>> settings = SlackConfig(token="xoxb-1", signing_secret="8f742231b10e8888abcd99yyyzzz85a5")
    >>> settings.events_path, settings.public_fields()["signing_secret"]
    ('/slack/events', '***')
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from workbench.connectors.slack.spec import slack_spec
from workbench.sdk.openapi import config_class
from workbench.sdk.triggers.webhooks import EventsRoute

_WebApi = config_class(slack_spec(), "slack")


class SlackConfig(_WebApi, EventsRoute):  # type: ignore[misc,valid-type]
    """Settings of a Slack connection: the Web API's token, the Events API's signing secret."""

    signing_secret: SecretStr | None = Field(
        None,
        description="The app's signing secret (Basic Information page): verifies Events API "
        "deliveries",
    )
    events_path: str = Field(
        "/slack/events", description="The route Slack's Events API delivers to"
    )
