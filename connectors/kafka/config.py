"""Settings of a Kafka connection."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from workbench.sdk import ConnectionConfig

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaConfig(ConnectionConfig):
    """The bootstrap servers and, for SASL, the user name and password.

    Example:
        >>> cfg = KafkaConfig(bootstrap_servers="k1:9092,k2:9092", security_protocol="SASL_SSL",
        ...                   username="app", password="s3cret-pw")
        >>> cfg.servers, cfg.public_fields()["password"]
        (['k1:9092', 'k2:9092'], '***')
    """

    bootstrap_servers: str = Field(
        "localhost:9092", description="Comma-separated host:port list of brokers to start from"
    )
    security_protocol: Protocol = Field("PLAINTEXT", description="How to talk to the brokers")
    sasl_mechanism: Mechanism = Field("PLAIN", description="SASL mechanism (SASL protocols)")
    username: str | None = Field(None, description="SASL user name")
    password: SecretStr | None = Field(None, description="SASL password")
    client_id: str = Field("workbench", description="Client id the brokers see")
    timeout: float = Field(5.0, gt=0, description="Seconds to wait for the brokers")

    @field_validator("bootstrap_servers")
    @classmethod
    def _host_ports(cls, value: str) -> str:
        for server in (s.strip() for s in value.split(",")):
            host, _, port = server.rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"bootstrap_servers: expected host:port, got {server!r}")
        return value

    @model_validator(mode="after")
    def _sasl_credentials(self) -> Self:
        if self.security_protocol.startswith("SASL") and not (self.username and self.password):
            raise ValueError(
                f"security_protocol {self.security_protocol} needs username and password"
            )
        return self

    @property
    def servers(self) -> list[str]:
        """The bootstrap servers as a list."""
        return [s.strip() for s in self.bootstrap_servers.split(",")]

    @property
    def address(self) -> str:
        """The bootstrap servers, for messages."""
        return self.bootstrap_servers

    def options(self) -> dict[str, Any]:
        """Client options for aiokafka; they hold the password, so never show them."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.servers,
            "client_id": self.client_id,
            "request_timeout_ms": int(self.timeout * 1000),
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.username
            options["sasl_plain_password"] = self.password.get_secret_value()  # type: ignore[union-attr]
        if self.security_protocol.endswith("SSL"):
            from aiokafka.helpers import create_ssl_context  # type: ignore[import-untyped]

            options["ssl_context"] = create_ssl_context()
        return options
