"""Signing in as a user: the OAuth2 authorization code grant with PKCE (RFC 7636, S256).

A :class:`SignIn` is one attempt. It makes a code verifier (43 to 128 characters), its S256
challenge and a random ``state``; :meth:`SignIn.consent_url` is where the user's browser
goes; :meth:`SignIn.finish` takes the parameters the authorization server redirects back
with, checks ``state`` in constant time, turns an ``error=`` answer into a clear error, and
trades the code and verifier for tokens at the token endpoint. :func:`sign_in` runs it end
to end with a loopback listener (:mod:`workbench.http.loopback`) as the redirect target.

The code, the verifier and the tokens are registered as secrets: no log line, error or
repr shows them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from workbench.errors import ConfigError, ConnectionFailedError
from workbench.http.masking import safe_url
from workbench.http.oauth2 import ClientAuth, _ClientFlow
from workbench.redaction import redact, register_secret

VERIFIER_BYTES = 64  # token_urlsafe(64): an 86-character verifier, within RFC 7636's 43-128
DEFAULT_TIMEOUT = 300.0  # seconds to wait for the browser's answer


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of ``verifier``: BASE64URL(SHA256(verifier)), no padding.

    Example (RFC 7636, appendix B):
        >>> challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Tokens:
    """What a sign-in obtained: the access token, its expiry, the refresh token if given.

    Example:
        >>> Tokens("at-0001-abcd", "rt-0001-abcd", None, "read")
        Tokens(access_token='***', refresh_token='***', expires_at=None, scope='read')
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: dt.datetime | None
    scope: str | None = None

    def __repr__(self) -> str:
        refresh = "'***'" if self.refresh_token else "None"
        return (
            f"Tokens(access_token='***', refresh_token={refresh}, "
            f"expires_at={self.expires_at!r}, scope={self.scope!r})"
        )


class AuthorizationCodeGrant(_ClientFlow):
    """The token request of the authorization code grant: code, redirect URI and verifier.

    Example:
        >>> grant = AuthorizationCodeGrant("https://id.example.com/token", "app", None,
        ...     code="c-0001-abcd", verifier="v" * 43, redirect_uri="http://127.0.0.1:1/callback")
        >>> sorted(grant.token_fields())
        ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri']
    """

    grant = "authorization_code"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | None,
        *,
        code: str,
        verifier: str,
        redirect_uri: str,
        client_auth: ClientAuth = "basic",
    ) -> None:
        super().__init__(
            token_url,
            client_id,
            client_secret,
            clock=time.monotonic,
            skew=0,
            client_auth=client_auth,
        )
        register_secret(code)
        register_secret(verifier)
        self._code, self._verifier, self.redirect_uri = code, verifier, redirect_uri
        self.payload: Mapping[str, Any] = {}

    def token_fields(self) -> dict[str, str]:
        fields = {
            "grant_type": "authorization_code",
            "code": self._code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self._verifier,
        }
        return {**fields, **self.client_fields()}

    def accept(self, payload: Mapping[str, Any]) -> None:
        refresh = payload.get("refresh_token")
        if isinstance(refresh, str) and refresh:
            register_secret(refresh)
        self.payload = payload


class SignIn:
    """One sign-in attempt of a user, for a client registered with an authorization server.

    ``client_secret`` is None for a public client (PKCE is what protects the code then).
    ``params`` adds query parameters to the consent URL (``access_type=offline`` for Google).

    Example:
        >>> attempt = SignIn("https://id.example.com/authorize", "https://id.example.com/token",
        ...                  "app", scopes=["notes.read"])
        >>> url = attempt.consent_url("http://127.0.0.1:8765/callback")
        >>> from urllib.parse import parse_qs, urlsplit
        >>> query = parse_qs(urlsplit(url).query)
        >>> query["response_type"], query["code_challenge_method"], query["scope"]
        (['code'], ['S256'], ['notes.read'])
        >>> query["code_challenge"] == [challenge_of(attempt._verifier)]
        True
        >>> attempt.finish({"state": "forged", "code": "c-1"}, client=None)
        Traceback (most recent call last):
        ...
        workbench.errors.ConnectionFailedError: sign-in refused: the answer's state does not match the one sent (a stale or forged redirect); sign in again
    """  # noqa: E501

    def __init__(
        self,
        authorization_url: str,
        token_url: str,
        client_id: str,
        client_secret: str | None = None,
        scopes: Sequence[str] = (),
        *,
        params: Mapping[str, str] | None = None,
        client_auth: ClientAuth = "basic",
    ) -> None:
        for name, url in (("authorization_url", authorization_url), ("token_url", token_url)):
            if urlsplit(url or "").scheme not in ("http", "https"):
                raise ConfigError(f"{name}: expected an http(s) URL, got {url!r}")
        if not client_id:
            raise ConfigError("client_id: required to sign in (the id the provider gave the app)")
        self.authorization_url, self.token_url = authorization_url, token_url
        self.client_id, self.scopes = client_id, tuple(scopes)
        self._client_secret = client_secret or None
        self.params, self.client_auth = dict(params or {}), client_auth
        self._verifier = secrets.token_urlsafe(VERIFIER_BYTES)
        self.state = secrets.token_urlsafe(24)
        register_secret(self._verifier)
        self.redirect_uri = ""

    def __repr__(self) -> str:
        return (
            f"SignIn(authorization_url={safe_url(self.authorization_url)!r}, "
            f"client_id={self.client_id!r})"
        )

    @property
    def challenge(self) -> str:
        """The S256 challenge of this attempt's verifier (sent in the consent URL)."""
        return challenge_of(self._verifier)

    def consent_url(self, redirect_uri: str) -> str:
        """The URL the user opens to sign in and consent; answers go to ``redirect_uri``."""
        self.redirect_uri = redirect_uri
        query = {
            **self.params,
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "state": self.state,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }
        if self.scopes:
            query["scope"] = " ".join(self.scopes)
        separator = "&" if urlsplit(self.authorization_url).query else "?"
        return f"{self.authorization_url}{separator}{urlencode(query)}"

    def finish(self, answer: Mapping[str, str], client: Any) -> Tokens:
        """Check the redirect's parameters and trade its code for tokens through ``client``
        (an httpx client); an error answer or a state mismatch is a ConnectionFailedError."""
        state = answer.get("state") or ""
        if not hmac.compare_digest(state.encode(), self.state.encode()):
            raise ConnectionFailedError(
                "sign-in refused: the answer's state does not match the one sent (a stale or "
                "forged redirect); sign in again"
            )
        if answer.get("error"):
            described = answer.get("error_description")
            detail = f"{answer['error']} ({described})" if described else answer["error"]
            raise ConnectionFailedError(
                redact(
                    f"sign-in failed: {safe_url(self.authorization_url)} answered {detail}"
                    + (
                        "; the user declined, or the app may not ask for these scopes"
                        if answer["error"] == "access_denied"
                        else ""
                    )
                )
            )
        code = answer.get("code")
        if not code:
            raise ConnectionFailedError(
                "sign-in failed: the answer carries neither a code nor an error"
            )
        grant = AuthorizationCodeGrant(
            self.token_url,
            self.client_id,
            self._client_secret,
            code=code,
            verifier=self._verifier,
            redirect_uri=self.redirect_uri,
            client_auth=self.client_auth,
        )
        access = grant.request_token(client)
        return _tokens(access, grant.payload)


def _tokens(access: str, payload: Mapping[str, Any]) -> Tokens:
    refresh = payload.get("refresh_token")
    try:
        lifetime: float | None = float(payload["expires_in"])
    except (KeyError, TypeError, ValueError):
        lifetime = None
    expires_at = (
        dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=lifetime)
        if lifetime is not None
        else None
    )
    scope = payload.get("scope")
    return Tokens(
        access,
        refresh if isinstance(refresh, str) and refresh else None,
        expires_at,
        scope if isinstance(scope, str) else None,
    )


def sign_in(
    attempt: SignIn,
    *,
    open_browser: bool = True,
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    say: Callable[[str], None] = print,
    opener: Callable[[str], object] | None = None,
    verify: bool = True,
    connection: str | None = None,
) -> Tokens:
    """Run ``attempt``: listen on 127.0.0.1:``port`` (0: a free port), show the consent URL
    with ``say`` (and open it with ``opener``, by default :func:`webbrowser.open`, unless
    ``open_browser`` is false), wait up to
    ``timeout`` seconds for the redirect, and return the tokens.

    The browser is answered with a short page: signed in, or what went wrong.
    """
    from workbench.http.client import build_client
    from workbench.http.loopback import Loopback

    with (
        build_client(retry=None, verify=verify, connection=connection) as client,
        Loopback(lambda answer: attempt.finish(answer, client), port=port) as listener,
    ):
        url = attempt.consent_url(listener.redirect_uri)
        say(f"Open this URL in a browser to sign in:\n\n  {url}\n")
        if open_browser:
            (opener or webbrowser.open)(url)
        say(f"Waiting up to {timeout:g} s for the sign-in to come back to {listener.redirect_uri}")
        tokens: Tokens = listener.wait(timeout)
        return tokens
