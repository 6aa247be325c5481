"""Settings of a GitHub connection: the REST API's from GitHub's spec, and where webhook
deliveries arrive.

In workbench.toml::

    [connections.github]
    connector = "github"
    token = { secret = "github/token" }
    webhook_secret = { secret = "github/webhook-secret" }  # the webhook's Secret
    events_port = 8787                  # Payload URL: http://HOST:8787/github/webhooks

Example:
    >>> settings = GitHubConfig(token="ghp_1", webhook_secret="It's a Secret to Everybody")
    >>> settings.events_path, settings.public_fields()["webhook_secret"]
    ('/github/webhooks', '***')
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from workbench.connectors.github.spec import github_spec
from workbench.sdk.openapi import config_class
from workbench.sdk.triggers.webhooks import EventsRoute

_RestApi = config_class(github_spec(), "github")


class GitHubConfig(_RestApi, EventsRoute):  # type: ignore[misc,valid-type]
    """Settings of a GitHub connection: the REST API's token, the webhooks' secret."""

    webhook_secret: SecretStr | None = Field(
        None, description="The webhook's secret: verifies X-Hub-Signature-256 on deliveries"
    )
    events_path: str = Field("/github/webhooks", description="The webhook's Payload URL path")
