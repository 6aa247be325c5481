"""The settings of an AWS Lambda connection."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator

from workbench.sdk import ConnectionConfig


class LambdaConfig(ConnectionConfig):
    """Which region (or endpoint) the functions live in, and the credentials.

    Without ``access_key_id`` the usual AWS chain applies (environment, ``~/.aws``,
    instance role). ``read_timeout`` defaults to 900 s, the longest a function may run.

    Example:
        >>> cfg = LambdaConfig(region="eu-west-1", access_key_id="AKIDEXAMPLE",
        ...                    secret_access_key="lambda-secret-example")
        >>> cfg.public_fields()["secret_access_key"], cfg.region
        ('***', 'eu-west-1')
    """

    region: str | None = Field(
        default=None,
        description="The AWS region (us-east-1 when an endpoint_url is given and no region)",
    )
    endpoint_url: str | None = Field(
        default=None,
        description="A Lambda-compatible endpoint (LocalStack, moto); AWS when empty",
    )
    access_key_id: str | None = Field(default=None, description="The access key id")
    secret_access_key: SecretStr | None = Field(default=None, description="The secret access key")
    session_token: SecretStr | None = Field(default=None, description="A temporary session token")
    profile: str | None = Field(
        default=None, description="A profile of ~/.aws/config to take credentials from"
    )
    connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a connection"
    )
    read_timeout: float = Field(
        default=900.0,
        gt=0,
        description="Seconds to wait for a synchronous invocation to answer",
    )
    max_attempts: int = Field(default=3, ge=1, description="Attempts per request, retries included")

    @model_validator(mode="after")
    def _keys_come_in_pairs(self) -> Self:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("access_key_id and secret_access_key go together: give both or none")
        return self
