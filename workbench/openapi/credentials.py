"""Which credentials an operation sends: its security requirements against the connection."""

from __future__ import annotations

import json
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

import httpx

from workbench.config.secrets import default_secret_store
from workbench.errors import ConfigError
from workbench.http.auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    JwtBearerAuth,
    RefreshTokenAuth,
    persist_rotation,
)
from workbench.http.aws_sigv4 import AwsSigV4Auth
from workbench.openapi.aws import aws_signing
from workbench.openapi.model import ApiSpec, Operation, SecurityScheme
from workbench.openapi.security import AWS_SIGV4
from workbench.openapi.settings import ApiConfig
from workbench.redaction import register_secret

if TYPE_CHECKING:
    from pydantic import SecretStr

_SIMPLE = (ApiKeyAuth, BasicAuth, BearerAuth)
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret


class Credentials:
    """Builds (and keeps, so that OAuth2 tokens are reused) the auth of each scheme.

    The first security requirement of the operation (else of the spec) whose schemes all
    have credentials in the connection is used; with none, the request goes without auth.
    A spec that declares no scheme gets a ``token`` field, sent as a bearer token.

    Example:
        >>> from workbench.openapi.model import ApiSpec, Operation, SecurityScheme
        >>> from workbench.openapi.settings import config_class
        >>> spec = ApiSpec("Pets", "1", "", {}, {}.__getitem__, security=(("key",),),
        ...                security_schemes={"key": SecurityScheme("key", "apiKey",
        ...                                  name="api_key", location="query")})
        >>> config = config_class(spec, "pets")(api_key="k-123456")
        >>> Credentials(spec, config).auth_for(Operation("list", "get", "/pets", ""))
        ApiKeyAuth(name='api_key', location='query')
    """

    def __init__(self, spec: ApiSpec, config: ApiConfig) -> None:
        self.spec = spec
        self.config = config
        self._auths: dict[str, httpx.Auth | None] = {}

    def auth_for(self, operation: Operation) -> httpx.Auth | None:
        """The auth to send ``operation`` with, or None."""
        if not self.spec.security_schemes:
            return self._scheme_auth(SecurityScheme("", "http", scheme="bearer"))
        requirements = operation.security if operation.security is not None else self.spec.security
        for requirement in requirements:
            schemes = [self.spec.security_schemes.get(key) for key in requirement]
            auths = [self._scheme_auth(s) for s in schemes if s is not None]
            if auths and all(a is not None for a in auths):
                return _combined([a for a in auths if a is not None])
        return None  # nothing configured fits: sent as it is (the API says what is missing)

    def _scheme_auth(self, scheme: SecurityScheme) -> httpx.Auth | None:
        if scheme.key not in self._auths:
            self._auths[scheme.key] = self._build(scheme)
        return self._auths[scheme.key]

    def _build(self, scheme: SecurityScheme) -> httpx.Auth | None:
        config = self.config
        if scheme.signing == AWS_SIGV4:
            return self._aws()
        if scheme.kind == "apiKey":
            field = type(config).api_key_fields.get(scheme.key, "api_key")
            key = _secret(getattr(config, field, None))
            if key is None:
                return None
            location = scheme.location if scheme.location in ("query", "cookie") else "header"
            return ApiKeyAuth(scheme.name or "X-API-Key", key, location)  # type: ignore[arg-type]
        if scheme.kind == "http" and scheme.scheme == "basic":
            username = getattr(config, "username", None)
            password = _secret(getattr(config, "password", None))
            if username is None:
                return None
            return BasicAuth(username, password or "")
        token = _secret(getattr(config, "token", None))
        if scheme.kind == "oauth2":
            flow = self._oauth2(scheme, token)
            if flow is not None:
                return flow
        return BearerAuth(token) if token is not None else None

    def _aws(self) -> httpx.Auth | None:
        """Requests signed with the connection's AWS access key (SigV4), if it has one."""
        config = self.config
        signing = aws_signing(self.spec)
        key_id = getattr(config, "access_key_id", None)
        secret = _secret(getattr(config, "secret_access_key", None))
        if signing is None or not key_id or secret is None:
            return None
        return AwsSigV4Auth(
            key_id,
            secret,
            region=getattr(config, "region", None) or signing.region,
            service=signing.service,
            session_token=_secret(getattr(config, "session_token", None)),
        )

    def _oauth2(self, scheme: SecurityScheme, token: str | None) -> httpx.Auth | None:
        """A service account's JWT bearer flow, a refresh-token flow (rotations saved to the
        secret store), else client credentials."""
        config = self.config
        scopes: Sequence[str] = getattr(config, "scopes", None) or ()
        key = _secret(getattr(config, "service_account", None))
        if key is not None and token is None:
            return service_account_auth(
                key,
                scopes or list(scheme.scopes),
                getattr(config, "subject", None),
                config.secret_name("service_account"),
            )
        client_id = getattr(config, "client_id", None)
        secret = _secret(getattr(config, "client_secret", None))
        token_url = getattr(config, "token_url", None) or scheme.token_url
        refresh = _secret(getattr(config, "refresh_token", None))
        if not (client_id and token_url):
            return None
        if refresh is not None:
            name = config.secret_name("refresh_token")
            saved = persist_rotation(default_secret_store(), name) if name else None
            return RefreshTokenAuth(
                token_url,
                client_id,
                secret,
                refresh,
                on_rotate=saved,
                access_token=token,
                access_token_expires_at=getattr(config, "token_expires_at", None),
            )
        if secret and token is None and "clientCredentials" in scheme.flows:
            return ClientCredentialsAuth(token_url, client_id, secret, scopes)
        return None


def service_account_auth(
    key: str, scopes: Sequence[str], subject: str | None = None, where: str | None = None
) -> JwtBearerAuth:
    """The JWT bearer flow of a Google service account's JSON ``key`` (the text of the file
    the console gives), asking for ``scopes``; ``where`` names the setting in errors.

    Example:
        >>> service_account_auth('{"type": "service_account"}', [], where="sheets/key")
        Traceback (most recent call last):
        ...
        workbench.errors.ConfigError: service_account (sheets/key): the JSON key lacks client_email, private_key; expected the key file of a service account
    """  # noqa: E501
    name = f"service_account ({where})" if where else "service_account"
    try:
        info = json.loads(key)
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise ConfigError(f"{name}: expected the JSON key file of a service account") from None
    missing = [f for f in ("client_email", "private_key") if not isinstance(info.get(f), str)]
    if missing:
        raise ConfigError(
            f"{name}: the JSON key lacks {', '.join(missing)}; expected the key file of a "
            "service account"
        )
    register_secret(info["private_key"])
    token_uri = str(info.get("token_uri") or GOOGLE_TOKEN_URI)
    return JwtBearerAuth(
        token_uri,
        info["client_email"],
        subject,
        token_uri,
        info["private_key"],
        scopes=list(scopes),
        key_id=info.get("private_key_id"),
    )


def _secret(value: SecretStr | str | None) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else value.get_secret_value()
    return text or None


def _combined(auths: list[httpx.Auth]) -> httpx.Auth | None:
    if len(auths) <= 1:
        return auths[0] if auths else None
    simple = [a for a in auths if isinstance(a, _SIMPLE)]
    if len(simple) < len(auths):  # a flow that talks to a token endpoint goes alone
        return next(a for a in auths if not isinstance(a, _SIMPLE))
    return AllAuth(simple)


class AllAuth(httpx.Auth):
    """Several one-step auths (API keys, basic, bearer) applied to the same request."""

    def __init__(self, auths: Sequence[httpx.Auth]) -> None:
        self.auths = list(auths)

    def __repr__(self) -> str:
        return f"AllAuth({self.auths!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for auth in self.auths:
            next(auth.auth_flow(request))
        yield request
