"""Settings of a webhook connection: the route, how deliveries are verified, where to listen."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from workbench.sdk import ConnectionConfig, register_secret
from workbench.sdk.triggers.webhooks import MAX_BODY, SCHEMES, route_path

SchemeName = Literal["standard", "slack", "github", "stripe", "bearer"]


class WebhookConfig(ConnectionConfig):
    """Which path receives the webhooks, the scheme that verifies them, and its secrets.

    ``secret`` is one secret or a list of them: during a key rotation the old and the new
    are both accepted. In workbench.toml::

        [connections.orders_hooks]
        connector = "webhook"
        path = "/hooks/orders"
        verify = "standard"                      # standard | slack | github | stripe | bearer
        secret = { secret = "orders/webhook" }   # or [{ secret = "..." }, { secret = "..." }]

    Example:
        >>> cfg = WebhookConfig(path="/hooks/gh", verify="github", secret=["old-one", "new-one"])
        >>> cfg.secrets, cfg.public_fields()["secret"]
        (['old-one', 'new-one'], '***')
        >>> WebhookConfig(path="hooks", verify="github", secret="s3cret")
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for WebhookConfig
        path
          expected a path starting with / such as /hooks/orders (letters, digits, '-', '_', \
'.', '~', '/') [type=webhook_path, input_value='hooks', input_type=str]
    """

    path: str = Field("/webhook", description="The route that receives the webhooks")
    verify: SchemeName = Field(
        "standard",
        description="How deliveries are verified: standard, slack, github, stripe, bearer",
    )
    secret: SecretStr | list[SecretStr] | None = Field(
        None, description="The signing secret or bearer token; a list during a key rotation"
    )
    host: str = Field("127.0.0.1", description="The address the listener binds")
    port: int = Field(8787, ge=0, lt=65536, description="The port the listener binds (0: any)")
    max_body: int = Field(MAX_BODY, gt=0, description="Bytes a body may have (larger: 413)")

    @property
    def secrets(self) -> list[str]:
        """The accepted secrets, in the order given."""
        return [secret.get_secret_value() for secret in _listed(self.secret)]

    @field_validator("path")
    @classmethod
    def _route(cls, value: str) -> str:
        return route_path(value)

    @field_validator("secret")
    @classmethod
    def _secret_fits_the_scheme(
        cls, value: SecretStr | list[SecretStr] | None, info: ValidationInfo
    ) -> SecretStr | list[SecretStr] | None:
        given = _listed(value)
        for secret in given:
            register_secret(secret.get_secret_value())
        verify = info.data.get("verify")
        if verify not in SCHEMES:
            return value  # the verify field reports its own error
        for number, secret in enumerate(given, 1):
            problem = SCHEMES[verify].secret_problem(secret.get_secret_value())
            if problem is not None:
                which = f" (secret {number} of {len(given)})" if len(given) > 1 else ""
                raise PydanticCustomError(
                    "webhook_secret", _literal(f"{problem} for verify {verify!r}{which}")
                )
        return value

    @model_validator(mode="after")
    def _secret_present(self) -> Self:
        if SCHEMES[self.verify].needs_secret and not self.secrets:
            raise ValueError(
                f"field 'secret' is required for verify {self.verify!r} (expected "
                'secret = { secret = "NAME" }, or a list of them during a key rotation)'
            )
        return self


def _listed(value: SecretStr | list[SecretStr] | None) -> list[SecretStr]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _literal(message: str) -> str:
    """``message`` as a pydantic error template that formats to itself."""
    return message.replace("{", "{{").replace("}", "}}")
