"""The connection settings of a generated connector: base URL, mode, limits and credentials.

Credential fields follow the spec's security schemes, and are all optional so that a
sandbox connection needs none: an API key scheme gives ``api_key`` (several give one
field each, named after the scheme), bearer and OAuth2/OpenID Connect give ``token``,
basic gives ``username`` and ``password``, and an OAuth2 scheme with a token URL gives
``client_id``, ``client_secret``, ``token_url``, ``scopes`` and ``refresh_token`` (for the
client-credentials grant, or to refresh an access token, rotations written back to the
secret store), and ``service_account`` with ``subject`` (a Google service account's JSON
key, traded for access tokens with the JWT bearer grant); with an authorization-code flow
also ``authorization_url`` and ``token_expires_at`` (what ``wb connections authorize``
signs in with and records). An AWS spec's SigV4 scheme gives ``access_key_id``,
``secret_access_key``, ``session_token`` and ``region`` (the base URL follows the region).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, create_model, model_validator

from workbench.openapi.aws import AwsSigning, aws_signing
from workbench.openapi.model import ApiSpec, SecurityScheme
from workbench.openapi.security import AWS_SIGV4
from workbench.sdk.config import ConnectionConfig, sandbox_switch

_BASE = "Root URL of the API (the spec's first server)"
_AUTH_FIELDS = {
    "token",
    "username",
    "password",
    "client_id",
    "client_secret",
    "token_url",
    "scopes",
    "refresh_token",
    "service_account",
    "subject",
    "authorization_url",
    "token_expires_at",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "region",
}


class ApiConfig(ConnectionConfig):
    """Settings shared by every connector generated from an API description.

    ``sandbox=True`` is a shortcut for ``mode="sandbox"``: requests are then answered from
    the spec, with no network and no credentials.

    Example:
        >>> ApiConfig(sandbox=True).mode, ApiConfig(mode="sandbox").sandbox
        ('sandbox', True)
    """

    api_key_fields: ClassVar[dict[str, str]] = {}

    base_url: str = Field("", description=_BASE)
    mode: Literal["live", "sandbox"] = Field(
        "live", description="live: send requests to the API; sandbox: answer them from the spec"
    )
    sandbox: bool = Field(False, description='Shortcut for mode = "sandbox"')
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the server")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Headers sent with every request"
    )
    rate_limit: str | None = Field(None, description='Requests allowed, such as "10/s"')
    verify: bool = Field(True, description="Verify the server's TLS certificate")

    @model_validator(mode="before")
    @classmethod
    def _sandbox_shortcut(cls, data: Any) -> Any:
        return sandbox_switch(data)


class AwsApiConfig(ApiConfig):
    """Settings of an AWS API: where no ``base_url`` is given, it follows ``region``.

    Example:
        >>> from workbench.openapi.aws import AwsSigning
        >>> class Robots(AwsApiConfig):
        ...     aws = AwsSigning("robomaker", "us-east-1",
        ...                      "https://robomaker.{region}.amazonaws.com")
        ...     region: str = "us-east-1"
        >>> Robots(region="eu-west-1").base_url
        'https://robomaker.eu-west-1.amazonaws.com'
    """

    aws: ClassVar[AwsSigning | None] = None

    @model_validator(mode="before")
    @classmethod
    def _regional_url(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or cls.aws is None or data.get("base_url"):
            return data
        region = data.get("region") or cls.aws.region
        return {**data, "base_url": cls.aws.base_url(str(region))}


def config_class(spec: ApiSpec, name: str) -> type[ApiConfig]:
    """The settings model of the connector generated from ``spec``.

    Example:
        >>> from workbench.openapi.model import ApiSpec, SecurityScheme
        >>> spec = ApiSpec("Pets", "1", "", {}, {}.__getitem__, servers=("https://pets.test",),
        ...                security_schemes={"key": SecurityScheme("key", "apiKey",
        ...                                  name="X-Key", location="header")})
        >>> Config = config_class(spec, "pets")
        >>> Config().base_url, Config.secret_field_names()
        ('https://pets.test', ['api_key'])
    """
    fields: dict[str, Any] = {
        "base_url": (str, Field(spec.servers[0] if spec.servers else "", description=_BASE)),
    }
    keys = [s for s in spec.security_schemes.values() if s.kind == "apiKey" and not s.signing]
    key_fields: dict[str, str] = {}
    for scheme in keys:
        field = "api_key" if len(keys) == 1 else _field_name(scheme.key, fields)
        key_fields[scheme.key] = field
        where = f"the {scheme.location or 'header'} {scheme.name!r}"
        fields[field] = (SecretStr | None, Field(None, description=f"API key, sent as {where}"))
    kinds = [_kind(s) for s in spec.security_schemes.values()]
    if not spec.security_schemes or {"bearer", "oauth2", "openid"} & set(kinds):
        fields["token"] = (SecretStr | None, Field(None, description="Bearer or access token"))
    if "basic" in kinds:
        fields["username"] = (str | None, Field(None, description="User name (HTTP basic)"))
        fields["password"] = (SecretStr | None, Field(None, description="Password (HTTP basic)"))
    flow = oauth2_scheme(spec)
    if flow is not None:
        fields["client_id"] = (str | None, Field(None, description="OAuth2 client id"))
        fields["client_secret"] = (SecretStr | None, Field(None, description="OAuth2 secret"))
        fields["token_url"] = (str | None, Field(flow.token_url, description="OAuth2 token URL"))
        fields["scopes"] = (list[str], Field(default_factory=list, description="OAuth2 scopes"))
        fields["refresh_token"] = (
            SecretStr | None,
            Field(None, description="OAuth2 refresh token: access tokens are fetched with it"),
        )
        fields["service_account"] = (
            SecretStr | None,
            Field(None, description="A service account's JSON key (JWT bearer grant)"),
        )
        fields["subject"] = (
            str | None,
            Field(None, description="The user a service account acts as (delegation)"),
        )
        user = authorization_code_scheme(spec)
        fields["authorization_url"] = (
            str | None,
            Field(
                user.authorization_url if user else None,
                description="OAuth2 authorization URL (signing in as a user)",
            ),
        )
        fields["token_expires_at"] = (
            dt.datetime | None,
            Field(None, description="When the access token in 'token' runs out"),
        )
    signing = aws_signing(spec)
    if signing is not None:
        fields["access_key_id"] = (str | None, Field(None, description="AWS access key id"))
        fields["secret_access_key"] = (
            SecretStr | None,
            Field(None, description="AWS secret access key"),
        )
        fields["session_token"] = (
            SecretStr | None,
            Field(None, description="AWS session token (temporary credentials)"),
        )
        fields["region"] = (str, Field(signing.region, description="AWS region"))
        fields["base_url"] = (str, Field(signing.base_url(signing.region), description=_BASE))
    words = re.findall(r"[A-Za-z0-9]+", name) or ["Api"]
    model_name = "".join(w[:1].upper() + w[1:] for w in words) + "Config"
    base = AwsApiConfig if signing is not None else ApiConfig
    model: type[ApiConfig] = create_model(model_name, __base__=base, **fields)
    model.api_key_fields = key_fields
    if signing is not None:
        model.aws = signing  # type: ignore[attr-defined]
    model.__doc__ = f"Settings of a {spec.title or name} connection."
    return model


def auth_kinds(spec: ApiSpec) -> tuple[str, ...]:
    """The kinds of authentication the spec declares (``api_key``, ``bearer``, ...).

    Example:
        >>> from workbench.openapi.model import ApiSpec, SecurityScheme
        >>> auth_kinds(ApiSpec("t", "1", "", {}, {}.__getitem__, security_schemes={
        ...     "b": SecurityScheme("b", "http", scheme="basic"),
        ...     "o": SecurityScheme("o", "oauth2")}))
        ('basic', 'oauth2')
    """
    kinds = dict.fromkeys(_kind(s) for s in spec.security_schemes.values())
    return tuple(kinds) or ("none",)


def oauth2_scheme(spec: ApiSpec) -> SecurityScheme | None:
    """The first OAuth2 scheme with a token URL, a client-credentials flow first."""
    schemes = [s for s in spec.security_schemes.values() if s.kind == "oauth2" and s.token_url]
    schemes.sort(key=lambda s: "clientCredentials" not in s.flows)
    return schemes[0] if schemes else None


def authorization_code_scheme(spec: ApiSpec) -> SecurityScheme | None:
    """The first OAuth2 scheme with an authorization-code flow (authorization and token URL).

    Example:
        >>> from workbench.openapi.model import ApiSpec, SecurityScheme
        >>> spec = ApiSpec("t", "1", "", {}, {}.__getitem__, security_schemes={
        ...     "o": SecurityScheme("o", "oauth2", token_url="https://id.test/token",
        ...                         authorization_url="https://id.test/authorize",
        ...                         flows=("authorizationCode",))})
        >>> authorization_code_scheme(spec).authorization_url
        'https://id.test/authorize'
    """
    for scheme in spec.security_schemes.values():
        if (
            scheme.kind == "oauth2"
            and "authorizationCode" in scheme.flows
            and scheme.authorization_url
            and scheme.token_url
        ):
            return scheme
    return None


def _kind(scheme: SecurityScheme) -> str:
    if scheme.signing == AWS_SIGV4:
        return "aws_sigv4"
    if scheme.kind == "apiKey":
        return "api_key"
    if scheme.kind == "http":
        return "basic" if scheme.scheme == "basic" else "bearer"
    if scheme.kind == "openIdConnect":
        return "openid"
    return "oauth2" if scheme.kind == "oauth2" else scheme.kind


def _field_name(key: str, taken: Mapping[str, Any]) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key)
    name = re.sub(r"\W+", "_", name).strip("_").lower() or "api_key"
    if name[0].isdigit() or name in taken or name in ApiConfig.model_fields or name in _AUTH_FIELDS:
        name = f"{name}_key"
    return name
