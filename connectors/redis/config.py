"""Settings of a Redis connection."""

from __future__ import annotations

from pydantic import Field, SecretStr

from workbench.sdk.urls import UrlConfig


class RedisConfig(UrlConfig):
    """Where the Redis server is and how to log in; or all of it as a ``url``.

    A password written inside ``url`` is moved to the secret ``password`` field.

    Example:
        >>> cfg = RedisConfig(url="redis://:s3cret-pw@cache.example:6380/2")
        >>> cfg.public_fields()["url"], cfg.public_fields()["password"]
        ('redis://cache.example:6380/2', '***')
    """

    url_schemes = ("redis://", "rediss://", "unix://")

    host: str = Field("localhost", description="Server host name or address")
    port: int = Field(6379, gt=0, lt=65536, description="Server port")
    db: int = Field(0, ge=0, description="Database number")
    username: str | None = Field(None, description="ACL user name (Redis 6+)")
    password: SecretStr | None = Field(None, description="Password")
    tls: bool = Field(False, description="Connect with TLS")
    url: str | None = Field(
        None, description="redis:// or rediss:// URL; overrides host, port, db and tls"
    )
    timeout: float = Field(5.0, gt=0, description="Seconds to wait for the server")

    @property
    def address(self) -> str:
        """``host:port/db`` (or the URL), for messages."""
        return self.url or f"{self.host}:{self.port}/{self.db}"
