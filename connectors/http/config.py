"""Settings of an HTTP connection: where the API is and how to authenticate."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from workbench.sdk import ConnectionConfig
from workbench.sdk.http import DEFAULT_MAX_RESPONSE_BYTES, credential_headers

AuthKind = Literal["none", "bearer", "basic", "header"]

# The fields each kind of authentication needs.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "none": (),
    "bearer": ("token",),
    "basic": ("username", "password"),
    "header": ("api_key",),
}


class HttpConfig(ConnectionConfig):
    """Where the API is, which headers to send, and how to authenticate.

    ``auth`` may be left out: a token means bearer, a username or password means basic,
    an API key means a header; with none of them, requests go unauthenticated.
    Credentials (and secret-looking ``headers``) go only to the origin of ``base_url``
    (its scheme, host and port), so they need one: a request to another origin (a full
    URL, a redirect) goes without them.

    Example:
        >>> HttpConfig(base_url="https://api.example.com", api_key="k3y-123456").auth_kind
        'header'
    """

    base_url: str = Field("", description="Root URL that request paths are relative to")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Headers sent with every request"
    )
    auth: AuthKind | None = Field(
        None, description="none, bearer, basic or header; by default inferred from the credentials"
    )
    token: SecretStr | None = Field(None, description="Bearer token (auth 'bearer')")
    username: str | None = Field(None, description="User name (auth 'basic')")
    password: SecretStr | None = Field(None, description="Password (auth 'basic')")
    api_key: SecretStr | None = Field(None, description="API key (auth 'header')")
    api_key_header: str = Field("X-API-Key", description="Header that carries the API key")
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the server")
    verify: bool = Field(True, description="Verify the server's TLS certificate")
    max_attempts: int = Field(
        4, ge=1, description="Tries of a request that fails with 429, 502-504 or a lost connection"
    )
    time_budget: float = Field(
        120.0,
        gt=0,
        description="Total seconds a call may take, all its attempts and waits included",
    )
    max_response_bytes: int = Field(
        DEFAULT_MAX_RESPONSE_BYTES, gt=0, description="Largest response body read, in bytes"
    )
    idempotency_keys: bool = Field(
        False,
        description="Add an Idempotency-Key to each POST and PATCH that has none, so it can be "
        "retried; only for APIs that honour the header",
    )

    @property
    def auth_kind(self) -> AuthKind:
        """The authentication in effect: ``auth`` when set, else inferred from the credentials."""
        if self.auth is not None:
            return self.auth
        if self.token is not None:
            return "bearer"
        if self.username is not None or self.password is not None:
            return "basic"
        if self.api_key is not None:
            return "header"
        return "none"

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
        return value

    @model_validator(mode="after")
    def _credentials_present(self) -> Self:
        kind = self.auth_kind
        missing = [name for name in REQUIRED_FIELDS[kind] if not _filled(getattr(self, name))]
        if missing:
            names = " and ".join(repr(name) for name in missing)
            raise ValueError(f"auth {kind!r} needs the field{'s' * (len(missing) > 1)} {names}")
        secret_headers = credential_headers(self.headers)
        if not self.base_url and (kind != "none" or secret_headers):
            given = (
                f"auth {kind!r}" if kind != "none" else f"the header {next(iter(secret_headers))!r}"
            )
            raise ValueError(f"{given} needs base_url: credentials are sent only to its origin")
        return self


def _filled(value: str | SecretStr | None) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)
