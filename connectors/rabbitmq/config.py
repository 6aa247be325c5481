"""Settings of a RabbitMQ (AMQP 0-9-1) connection."""

from __future__ import annotations

from pydantic import Field, SecretStr

from workbench.sdk.urls import UrlConfig


class RabbitmqConfig(UrlConfig):
    """Where the broker is and how to log in (RabbitMQ's own default is guest/guest).

    A password written inside ``url`` is moved to the secret ``password`` field.

    Example:
        >>> cfg = RabbitmqConfig(url="amqp://app:s3cret-pw@mq.example/prod")
        >>> cfg.url, cfg.public_fields()["password"]
        ('amqp://app@mq.example/prod', '***')
    """

    url_schemes = ("amqp://", "amqps://")

    host: str = Field("localhost", description="Broker host name or address")
    port: int = Field(5672, gt=0, lt=65536, description="AMQP port (5671 for TLS)")
    username: str = Field("guest", description="User name")
    password: SecretStr | None = Field(None, description="Password (guest's is 'guest')")
    vhost: str = Field("/", description="Virtual host")
    tls: bool = Field(False, description="Connect with TLS (amqps)")
    url: str | None = Field(None, description="amqp:// or amqps:// URL; overrides the fields above")
    timeout: float = Field(5.0, gt=0, description="Seconds to wait for the broker")

    @property
    def address(self) -> str:
        """``host:port vhost`` (or the URL), for messages."""
        return self.url or f"{self.host}:{self.port} vhost {self.vhost}"

    def connect_url(self) -> str:
        """The URL the driver connects with; it holds the password, so never show it."""
        from yarl import URL

        secret = self.password.get_secret_value() if self.password else "guest"
        if self.url:
            return str(URL(self.url).with_password(secret))
        return str(
            URL.build(
                scheme="amqps" if self.tls else "amqp",
                host=self.host,
                port=self.port,
                user=self.username,
                password=secret,
                path="/" + self.vhost,
            )
        )
