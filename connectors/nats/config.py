"""Settings of a NATS connection."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from workbench.sdk.urls import UrlConfig


class NatsConfig(UrlConfig):
    """Where the NATS server is and how to log in: a user and password, or a token.

    A password written inside ``url`` is moved to the secret ``password`` field.

    Example:
        >>> cfg = NatsConfig(url="nats://app:s3cret-pw@nats.example:4222")
        >>> cfg.url, cfg.public_fields()["password"]
        ('nats://app@nats.example:4222', '***')
    """

    url_schemes = ("nats://", "tls://", "ws://", "wss://")

    host: str = Field("localhost", description="Server host name or address")
    port: int = Field(4222, gt=0, lt=65536, description="Client port")
    user: str | None = Field(None, description="User name")
    password: SecretStr | None = Field(None, description="Password")
    token: SecretStr | None = Field(None, description="Authentication token")
    tls: bool = Field(False, description="Connect with TLS")
    url: str | None = Field(None, description="nats:// or tls:// URL; overrides host and port")
    timeout: float = Field(5.0, gt=0, description="Seconds to wait for the server")

    @property
    def server(self) -> str:
        """The server URL, without credentials."""
        return self.url or f"{'tls' if self.tls else 'nats'}://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        """The server URL, for messages."""
        return self.server

    def options(self) -> dict[str, Any]:
        """Credentials and TLS options for ``nats.connect``; they hold secrets, never show them."""
        options: dict[str, Any] = {}
        if self.user or self.password:
            options["user"] = self.user or ""
            options["password"] = self.password.get_secret_value() if self.password else ""
        if self.token:
            options["token"] = self.token.get_secret_value()
        if self.tls or self.server.startswith("tls://"):
            import ssl

            options["tls"] = ssl.create_default_context()
        return options
