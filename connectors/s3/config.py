"""The settings of an S3 connection."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workbench.sdk.aws import AwsConfig


class S3Config(AwsConfig):
    """Where the store is (:class:`~workbench.sdk.aws.AwsConfig`), which bucket and prefix
    to work in.

    Example:
        >>> cfg = S3Config(bucket="reports", endpoint_url="http://127.0.0.1:9000",
        ...                access_key_id="minio", secret_access_key="minio-secret")
        >>> cfg.public_fields()["secret_access_key"]
        '***'
    """

    bucket: str | None = Field(default=None, description="The default bucket of every action")
    prefix: str = Field(
        default="",
        description="A key prefix: keys are relative to it, and listings shown without it",
    )
    addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto",
        description="Bucket in the path or in the host name (auto: botocore decides)",
    )

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
