"""Settings of an MQTT connection."""

from __future__ import annotations

from pydantic import Field, SecretStr

from workbench.sdk.urls import UrlConfig, parts


class MqttConfig(UrlConfig):
    """Where the MQTT broker is and how to log in; or all of it as a ``url``.

    A password written inside ``url`` is moved to the secret ``password`` field.

    Example:
        >>> cfg = MqttConfig(url="mqtts://app:s3cret-pw@broker.example:8883")
        >>> cfg.endpoint(), cfg.public_fields()["password"]
        (('broker.example', 8883, 'app', True), '***')
    """

    url_schemes = ("mqtt://", "mqtts://")

    host: str = Field("localhost", description="Broker host name or address")
    port: int = Field(1883, gt=0, lt=65536, description="Broker port (8883 for TLS)")
    username: str | None = Field(None, description="User name")
    password: SecretStr | None = Field(None, description="Password")
    tls: bool = Field(False, description="Connect with TLS")
    url: str | None = Field(None, description="mqtt:// or mqtts:// URL; overrides the fields above")
    keepalive: int = Field(30, gt=0, description="Seconds between keep-alive pings")
    timeout: float = Field(5.0, gt=0, description="Seconds to wait for the broker")

    def endpoint(self) -> tuple[str, int, str | None, bool]:
        """``(host, port, username, tls)``, from ``url`` when it is set."""
        if not self.url:
            return self.host, self.port, self.username, self.tls
        host, port, user, _ = parts(self.url)
        tls = self.url.startswith("mqtts://")
        return host, port or (8883 if tls else 1883), user or self.username, tls

    @property
    def address(self) -> str:
        """``host:port``, for messages."""
        host, port, _, _ = self.endpoint()
        return f"{host}:{port}"
