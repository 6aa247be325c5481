"""The settings of the io library: none are needed; S3 credentials and endpoint when used."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from workbench.sdk import ConnectionConfig


class IoConfig(ConnectionConfig):
    """Where ``s3://`` paths go, and fsspec options for every path.

    Without ``key`` the usual AWS chain applies (environment, ``~/.aws``, instance role).

    Example:
        >>> cfg = IoConfig(endpoint_url="http://127.0.0.1:9000", key="minio", secret="s3cr3t")
        >>> cfg.storage_options("s3://bucket/x.csv")["client_kwargs"]
        {'endpoint_url': 'http://127.0.0.1:9000'}
        >>> cfg.storage_options("out/x.csv")
        {}
    """

    endpoint_url: str | None = Field(
        default=None, description="An S3-compatible endpoint for s3:// paths (AWS when empty)"
    )
    region: str | None = Field(default=None, description="The AWS region of s3:// paths")
    key: str | None = Field(default=None, description="The S3 access key id")
    secret: SecretStr | None = Field(default=None, description="The S3 secret access key")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="More fsspec storage options, used for every remote path",
    )

    def storage_options(self, path: str) -> dict[str, Any]:
        """The fsspec storage options for ``path``: S3 settings for s3:// paths.

        Example:
            >>> IoConfig(key="k", secret="s").storage_options("s3://b/k.csv")
            {'key': 'k', 'secret': 's'}
        """
        protocol = path.split("://", 1)[0].lower() if "://" in path else "file"
        if protocol == "file":
            return {}
        found: dict[str, Any] = dict(self.options)
        if protocol in ("s3", "s3a"):
            client = dict(found.get("client_kwargs", {}))
            if self.endpoint_url:
                client["endpoint_url"] = self.endpoint_url
            if self.region:
                client["region_name"] = self.region
            if client:
                found["client_kwargs"] = client
            if self.key is not None:
                found["key"] = self.key
            if self.secret is not None:
                found["secret"] = self.secret.get_secret_value()
        return found
