"""Signing a named connection in as a user: what ``wb connections authorize NAME`` does.

The connection's settings give the authorization URL, token URL and scopes (by default
those of the spec's ``authorizationCode`` flow), the client id and the optional client
secret. After the browser sign-in (:func:`workbench.http.authorization_code.sign_in`),
the refresh token and the access token go to the secret store as ``NAME/refresh_token``
and ``NAME/token`` (or under the secret names the connection already references), and the
connection's entry is rewritten to reference them, with ``token_expires_at``. Later calls
then use the access token until it runs out, and the refresh token after.

Example:
    >>> authorize("shop")
    Traceback (most recent call last):
    ...
    workbench.errors.ConfigError: built-in: connection 'shop': connector 'sqlite' has no OAuth2 authorization-code flow to sign in with
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workbench.config.connections import configure, connection_store
from workbench.errors import ConfigError
from workbench.http.authorization_code import DEFAULT_TIMEOUT, SignIn, Tokens, sign_in
from workbench.redaction import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Authorized:
    """What a sign-in stored: the secret names, the access token's expiry, the file."""

    name: str
    stored: list[str]
    expires_at: Any
    target: Path
    refresh_token: bool


def authorize(
    name: str,
    *,
    open_browser: bool = True,
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    say: Callable[[str], None] = print,
    opener: Callable[[str], object] | None = None,
) -> Authorized:
    """Sign connection ``name`` in through the browser and store its tokens."""
    cls, config = configure(name)
    store = connection_store()
    entry = store.get(name) if name in store else None
    if not hasattr(config, "authorization_url"):
        where = entry.where() if entry else f"connection {name!r}"
        raise ConfigError(
            f"{where}: connector {cls.name!r} has no OAuth2 authorization-code flow to sign in with"
        )
    if entry is None or entry.source == "built-in":
        raise ConfigError(
            f"connection {name!r} is not defined in a workbench.toml; add it first: "
            f"wb connections add {name} --connector {cls.name} --set client_id=CLIENT_ID"
        )
    needed = {
        "authorization_url": getattr(config, "authorization_url", None),
        "token_url": getattr(config, "token_url", None),
        "client_id": getattr(config, "client_id", None),
    }
    missing = [key for key, value in needed.items() if not value]
    if missing:
        raise ConfigError(
            f"{entry.where()}: set {', '.join(missing)} to sign in "
            f"(wb connections add {name} --connector {cls.name} --force --set client_id=...)"
        )
    secret = getattr(config, "client_secret", None)
    scopes = list(getattr(config, "scopes", None) or _spec_scopes(cls))
    attempt = SignIn(
        str(needed["authorization_url"]),
        str(needed["token_url"]),
        str(needed["client_id"]),
        secret.get_secret_value() if secret is not None else None,
        scopes,
    )
    tokens = sign_in(
        attempt,
        open_browser=open_browser,
        port=port,
        timeout=timeout,
        say=say,
        opener=opener,
        verify=bool(getattr(config, "verify", True)),
        connection=name,
    )
    return _store(name, tokens)


def _spec_scopes(cls: Any) -> tuple[str, ...]:
    from workbench.openapi.settings import authorization_code_scheme

    spec = getattr(cls, "api", None)
    scheme = authorization_code_scheme(spec) if spec is not None else None
    return scheme.scopes if scheme is not None else ()


def _store(name: str, tokens: Tokens) -> Authorized:
    """Put the tokens in the secret store and reference them from the connection's entry."""
    store = connection_store()
    entry = store.get(name)
    fields = dict(entry.fields)
    stored = []
    for field, value in (("refresh_token", tokens.refresh_token), ("token", tokens.access_token)):
        if value is None:
            continue
        ref = fields.get(field)
        secret_name = str(ref["secret"]) if isinstance(ref, dict) and _is_ref(ref) else ""
        secret_name = secret_name or f"{name}/{field}"
        store.secrets.set(secret_name, value)
        fields[field] = {"secret": secret_name}
        stored.append(secret_name)
    if tokens.expires_at is not None:
        fields["token_expires_at"] = tokens.expires_at
    else:
        fields.pop("token_expires_at", None)
    target = Path(entry.source)
    store.add(replace(entry, fields=fields), target)
    log.info("signed in %r: stored %s", name, ", ".join(stored))
    return Authorized(name, stored, tokens.expires_at, target, tokens.refresh_token is not None)


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secret"} and isinstance(value["secret"], str)
