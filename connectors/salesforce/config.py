"""Settings of a Salesforce connection: where to sign in, which OAuth2 grant, which API version.

One of three grants is used, chosen from the fields that are set (or named by ``grant``):

* JWT bearer: ``client_id`` (the connected app's consumer key), ``username`` and
  ``private_key`` (the PEM of the certificate uploaded to the app);
* refresh token: ``client_id``, ``client_secret`` (for a confidential app) and
  ``refresh_token``;
* client credentials: ``client_id`` and ``client_secret``, with ``login_url`` the org's
  My Domain URL.

Each token answer names the org's ``instance_url``, where the API calls then go.
``sandbox=True`` answers every call in-process from sample records (no network, no
credentials); a Salesforce *sandbox org* is a live connection with ``login_url =
"https://test.salesforce.com"``.

Example:
    >>> settings = SalesforceConfig(client_id="3MVG9-app", client_secret="s3cret-value-1")
    >>> settings.chosen_grant(), settings.token_url
    ('client_credentials', 'https://login.salesforce.com/services/oauth2/token')
    >>> settings.public_fields()["client_secret"], SalesforceConfig(sandbox=True).mode
    ('***', 'sandbox')
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from workbench.sdk import ConnectionConfig, sandbox_switch
from workbench.sdk.errors import ConfigError

Grant = Literal["jwt_bearer", "refresh_token", "client_credentials"]
_VERSION = re.compile(r"^\d{2,3}\.0$")


class SalesforceConfig(ConnectionConfig):
    """Where to sign in, the connected app's credentials, and the REST API version."""

    login_url: str = Field(
        "https://login.salesforce.com",
        description="The token endpoint's host: https://login.salesforce.com, "
        "https://test.salesforce.com for a sandbox org, or the org's My Domain URL",
    )
    instance_url: str | None = Field(
        None, description="The org's URL; normally taken from each token answer"
    )
    api_version: str = Field("62.0", description="The REST API version, such as 62.0")
    grant: Grant | None = Field(
        None, description="jwt_bearer, refresh_token or client_credentials (default: by fields)"
    )
    client_id: str | None = Field(None, description="The connected app's consumer key")
    client_secret: SecretStr | None = Field(None, description="The connected app's secret")
    username: str | None = Field(None, description="The user the JWT bearer grant signs in as")
    private_key: SecretStr | None = Field(
        None, description="PEM private key of the app's certificate (JWT bearer grant)"
    )
    audience: str | None = Field(None, description="The JWT's aud claim (default: login_url)")
    refresh_token: SecretStr | None = Field(None, description="A refresh token of the app")
    mode: Literal["live", "sandbox"] = Field(
        "live", description="live: call the org; sandbox: answer in-process from sample records"
    )
    sandbox: bool = Field(False, description='Shortcut for mode = "sandbox"')
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for Salesforce")
    verify: bool = Field(True, description="Verify the server's TLS certificate")
    poll_interval: float = Field(
        2.0, gt=0, description="Seconds between two looks at a Bulk API job"
    )

    @model_validator(mode="before")
    @classmethod
    def _sandbox_shortcut(cls, data: Any) -> Any:
        return sandbox_switch(data)

    @field_validator("login_url", "instance_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"expected a URL starting with https://, got {value!r}")
        return value.rstrip("/")

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        version = value.strip().removeprefix("v")
        if not _VERSION.match(version):
            raise ValueError(f"expected a version such as 62.0, got {value!r}")
        return version

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint: ``login_url`` + ``/services/oauth2/token``."""
        return f"{self.login_url}/services/oauth2/token"

    @property
    def data_path(self) -> str:
        """The REST API's root path, such as ``/services/data/v62.0``."""
        return f"/services/data/v{self.api_version}"

    def chosen_grant(self, connection: str = "salesforce") -> Grant:
        """The grant to use: ``grant`` when set, else the one the given fields make up.

        Example:
            >>> SalesforceConfig(client_id="app").chosen_grant("crm")
            Traceback (most recent call last):
            ...
            workbench.errors.ConfigError: crm: no Salesforce credentials: set private_key and username (JWT bearer), refresh_token, or client_secret (client credentials) with client_id
        """  # noqa: E501
        grant = self.grant
        if grant is None:
            if self.private_key is not None:
                grant = "jwt_bearer"
            elif self.refresh_token is not None:
                grant = "refresh_token"
            elif self.client_secret is not None:
                grant = "client_credentials"
        if grant is None or not self.client_id:
            raise ConfigError(
                f"{connection}: no Salesforce credentials: set private_key and username "
                "(JWT bearer), refresh_token, or client_secret (client credentials) "
                "with client_id"
            )
        needed = {
            "jwt_bearer": ("private_key", "username"),
            "refresh_token": ("refresh_token",),
            "client_credentials": ("client_secret",),
        }[grant]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ConfigError(
                f"{connection}: the {grant} grant needs {' and '.join(missing)} "
                "(the connection's fields)"
            )
        return grant
