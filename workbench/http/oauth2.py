"""OAuth2 client credentials and refresh token grants, as httpx auth flows.

Both cache the access token, refresh it ``skew`` seconds before ``expires_in`` and once
after a 401. The client authenticates to the token endpoint with HTTP Basic
(``client_auth="basic"``, RFC 6749 ``client_secret_basic``) or with form fields
(``client_auth="post"``). A refresh token the endpoint rotates is handed to
``on_rotate``; :func:`persist_rotation` writes it back to the secret store.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from workbench.http.tokens import Clock, OAuth2Flow, _Token, basic_client_auth
from workbench.redaction import register_secret

if TYPE_CHECKING:
    from workbench.config.secrets import SecretStore

ClientAuth = Literal["basic", "post"]


class _ClientFlow(OAuth2Flow):
    """A flow whose client authenticates with an id and (for confidential clients) a secret."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | None,
        *,
        clock: Clock,
        skew: float,
        client_auth: ClientAuth,
    ) -> None:
        super().__init__(token_url, clock=clock, skew=skew)
        if client_auth not in ("basic", "post"):
            raise ValueError(f"client_auth: expected 'basic' or 'post', got {client_auth!r}")
        self.client_id = client_id
        self._client_secret = client_secret or None
        self.client_auth = client_auth
        if self._client_secret:
            register_secret(self._client_secret)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, client_id={self.client_id!r})"

    def client_fields(self) -> dict[str, str]:
        if self._client_secret is None:  # a public client names itself only
            return {"client_id": self.client_id}
        if self.client_auth == "post":
            return {"client_id": self.client_id, "client_secret": self._client_secret}
        return {}

    def token_headers(self) -> dict[str, str]:
        if self._client_secret is None or self.client_auth == "post":
            return {}
        return basic_client_auth(self.client_id, self._client_secret)


class ClientCredentialsAuth(_ClientFlow):
    """OAuth2 client credentials grant (machine to machine), with a cached bearer token.

    ``params`` adds form fields some providers need (such as Auth0's ``audience``).

    Example:
        >>> auth = ClientCredentialsAuth("https://id.example.com/token", "app", "s3cret-x1",
        ...                              scopes=["read", "write"])
        >>> auth
        ClientCredentialsAuth(token_url='https://id.example.com/token', client_id='app')
        >>> auth.token_fields()
        {'grant_type': 'client_credentials', 'scope': 'read write'}
    """

    grant = "client_credentials"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: Sequence[str] = (),
        *,
        clock: Clock = time.monotonic,
        skew: float = 60,
        client_auth: ClientAuth = "basic",
        params: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            token_url, client_id, client_secret, clock=clock, skew=skew, client_auth=client_auth
        )
        self.scopes = tuple(scopes)
        self.params = dict(params or {})

    def token_fields(self) -> dict[str, str]:
        fields = {"grant_type": "client_credentials"}
        if self.scopes:
            fields["scope"] = " ".join(self.scopes)
        return {**fields, **self.params, **self.client_fields()}


class RefreshTokenAuth(_ClientFlow):
    """OAuth2 refresh token grant: a new access token whenever the last one runs out.

    ``access_token`` is used first, until ``access_token_expires_at`` (an aware datetime;
    when it is unknown, until a 401). When the
    endpoint answers with a new refresh token, it replaces the old one and is passed to
    ``on_rotate`` (for instance ``persist_rotation(store, "crm/refresh-token")``).
    ``client_secret`` may be empty for a public client.

    Example:
        >>> auth = RefreshTokenAuth("https://id.example.com/token", "app", "s3cret-x1",
        ...                         refresh_token="r-0001-abcd")
        >>> sorted(auth.token_fields())
        ['grant_type', 'refresh_token']
    """

    grant = "refresh_token"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | None,
        refresh_token: str,
        *,
        on_rotate: Callable[[str], None] | None = None,
        access_token: str | None = None,
        access_token_expires_at: dt.datetime | None = None,
        clock: Clock = time.monotonic,
        skew: float = 60,
        client_auth: ClientAuth = "basic",
    ) -> None:
        super().__init__(
            token_url, client_id, client_secret, clock=clock, skew=skew, client_auth=client_auth
        )
        register_secret(refresh_token)
        self._refresh_token = refresh_token
        self.on_rotate = on_rotate
        if access_token:
            register_secret(access_token)
            self._token = _Token(access_token, self._until(access_token_expires_at))

    def _until(self, expires_at: dt.datetime | None) -> float | None:
        """The clock time to refresh a token that runs out at ``expires_at``."""
        if expires_at is None:
            return None
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=dt.UTC)
        left = (expires_at - dt.datetime.now(dt.UTC)).total_seconds()
        return self._clock() + left - self._skew

    def token_fields(self) -> dict[str, str]:
        fields = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        return {**fields, **self.client_fields()}

    def accept(self, payload: Mapping[str, Any]) -> None:
        rotated = payload.get("refresh_token")
        if not isinstance(rotated, str) or not rotated or rotated == self._refresh_token:
            return
        register_secret(rotated)
        self._refresh_token = rotated
        if self.on_rotate is not None:
            self.on_rotate(rotated)


def persist_rotation(store: SecretStore, secret_name: str) -> Callable[[str], None]:
    """An ``on_rotate`` callback that saves each rotated refresh token as ``secret_name``.

    The store replaces the secret atomically under its lock (the file store holds a file
    lock and renames a complete file into place); writes from this process are serialised.

    Example:
        >>> from workbench.config.secrets import default_secret_store
        >>> store = default_secret_store()
        >>> save = persist_rotation(store, "doc/refresh-token")
        >>> save("r-0002-efgh")
        >>> store.get("doc/refresh-token")
        'r-0002-efgh'
        >>> store.delete("doc/refresh-token")
    """
    from workbench.config.secrets import check_name

    check_name(secret_name)
    lock = threading.Lock()

    def save(rotated: str) -> None:
        with lock:
            store.set(secret_name, rotated)

    return save
