"""The settings of an S3 connection."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from workbench.sdk import ConnectionConfig


class S3Config(ConnectionConfig):
    """Where the store is, which bucket and prefix to work in, and the credentials.

    Without ``access_key_id`` the usual AWS chain applies (environment, ``~/.aws``,
    instance role).

    Example:
        >>> cfg = S3Config(bucket="reports", endpoint_url="http://127.0.0.1:9000",
        ...                access_key_id="minio", secret_access_key="minio-secret")
        >>> cfg.public_fields()["secret_access_key"]
        '***'
    """

    bucket: str | None = Field(default=None, description="The default bucket of every action")
    region: str | None = Field(
        default=None,
        description="The AWS region (us-east-1 when an endpoint_url is given and no region)",
    )
    endpoint_url: str | None = Field(
        default=None,
        description="An S3-compatible endpoint (MinIO, Ceph, R2, moto); AWS when empty",
    )
    access_key_id: str | None = Field(default=None, description="The access key id")
    secret_access_key: SecretStr | None = Field(default=None, description="The secret access key")
    session_token: SecretStr | None = Field(default=None, description="A temporary session token")
    prefix: str = Field(
        default="",
        description="A key prefix: keys are relative to it, and listings shown without it",
    )
    addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto",
        description="Bucket in the path or in the host name (auto: botocore decides)",
    )
    connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a connection"
    )
    read_timeout: float = Field(default=60.0, gt=0, description="Seconds to wait for a response")
    max_attempts: int = Field(default=3, ge=1, description="Attempts per request, retries included")

    @model_validator(mode="after")
    def _keys_come_in_pairs(self) -> Self:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("access_key_id and secret_access_key go together: give both or none")
        return self

    def full_key(self, key: str) -> str:
        """``key`` under the connection's prefix.

        Example:
            >>> S3Config(prefix="team/a").full_key("in/orders.csv")
            'team/a/in/orders.csv'
        """
        if not self.prefix:
            return key
        return f"{self.prefix.rstrip('/')}/{key.lstrip('/')}"

    def relative_key(self, key: str) -> str:
        """``key`` without the connection's prefix (the inverse of :meth:`full_key`)."""
        if not self.prefix:
            return key
        return key.removeprefix(self.prefix.rstrip("/") + "/")
