"""Connection settings shared by the SQL connectors."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, SecretStr, model_validator

from workbench.redaction import register_secret
from workbench.sdk.config import ConnectionConfig
from workbench.sql.urls import Target


class DatabaseConfig(ConnectionConfig):
    """Settings every SQL connection has."""

    fast_path: bool = Field(True, description="Read results through Arrow where possible")


class SqlConfig(DatabaseConfig):
    """Host, port, database and credentials of a database server, or one ``url``.

    Fields given next to ``url`` override the URL's parts. The password (and the whole
    URL) are secrets: masked in reprs and redacted from every message.

    Example:
        >>> cfg = SqlConfig(url="postgresql://ada:s3cret-pw@db:5433/shop", port=6432)
        >>> cfg.target().display()
        'postgresql://ada@db:6432/shop'
        >>> "s3cret" in repr(cfg)
        False
    """

    schemes: ClassVar[tuple[str, ...]] = ()
    default_port: ClassVar[int | None] = None

    url: SecretStr | None = Field(None, description="The whole connection URL, instead of fields")
    host: str | None = Field(None, description="Server host name or address")
    port: int | None = Field(None, ge=1, le=65535, description="Server port")
    database: str | None = Field(None, description="Database name")
    user: str | None = Field(None, description="User name")
    password: SecretStr | None = Field(None, description="Password")
    options: dict[str, str] = Field(
        default_factory=dict, description="Extra driver options, added to the URL's query"
    )
    connect_timeout: int = Field(10, ge=1, description="Seconds to wait for a connection")

    @model_validator(mode="after")
    def _known_scheme(self) -> SqlConfig:
        if self.url is not None:
            try:
                target = Target.parse(self.url.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"url: {exc}") from None
            if target.password:
                register_secret(target.password)
            base = target.scheme.split("+", 1)[0]
            if self.schemes and base not in self.schemes:
                expected = " or ".join(f"{s}://" for s in self.schemes)
                raise ValueError(f"url: expected a URL starting with {expected}")
        return self

    def target(self) -> Target:
        """The effective target: ``url`` with the explicit fields laid over it."""
        scheme = self.schemes[0] if self.schemes else "sql"
        base = Target.parse(self.url.get_secret_value()) if self.url else Target(scheme)
        overrides: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
            "password": self.password.get_secret_value() if self.password else None,
        }
        values = {k: v for k, v in overrides.items() if v is not None}
        options = {**base.options, **self.extra_options(), **self.options}
        return Target(
            scheme=self.schemes[0] if self.schemes else base.scheme,
            host=values.get("host", base.host) or "localhost",
            port=values.get("port", base.port) or self.default_port,
            database=values.get("database", base.database),
            user=values.get("user", base.user),
            password=values.get("password", base.password),
            options=options,
        )

    def extra_options(self) -> dict[str, str]:
        """Options a subclass derives from its own fields (``sslmode``)."""
        return {}
