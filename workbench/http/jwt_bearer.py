"""OAuth2 JWT bearer grant (RFC 7523), as Google service accounts and Salesforce use.

The client signs a short-lived assertion (``iss``, ``sub``, ``aud``, ``iat``, ``exp``,
``jti``, and ``scope`` when scopes are asked for) with its private key and trades it at
the token endpoint for an access token, which is cached like any OAuth2 token.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from workbench.errors import ConfigError
from workbench.http.tokens import Clock, OAuth2Flow
from workbench.redaction import register_secret

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 180  # seconds; Salesforce accepts at most 3 minutes, Google 1 hour


class JwtBearerAuth(OAuth2Flow):
    """Access tokens for a signed JWT assertion (RS256 by default), signed with PyJWT.

    For a Google service account: ``issuer`` is its ``client_email``, ``audience`` and
    ``token_url`` its ``token_uri``, ``key_id`` its ``private_key_id``; ``subject`` is the
    user to act as (domain-wide delegation) or None. For Salesforce: ``issuer`` is the
    connected app's consumer key, ``subject`` the username, ``audience``
    ``https://login.salesforce.com``.

    Example:
        >>> from cryptography.hazmat.primitives import serialization
        >>> from cryptography.hazmat.primitives.asymmetric import rsa
        >>> key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        >>> pem = key.private_bytes(serialization.Encoding.PEM,
        ...     serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
        >>> auth = JwtBearerAuth("https://oauth2.example.com/token", "svc@example.com",
        ...                      None, "https://oauth2.example.com/token", pem, scopes=["read"])
        >>> import jwt
        >>> claims = jwt.decode(auth.assertion(), key.public_key(), algorithms=["RS256"],
        ...                     audience="https://oauth2.example.com/token")
        >>> claims["iss"], claims["scope"], claims["exp"] - claims["iat"]
        ('svc@example.com', 'read', 180)
    """

    grant = "jwt-bearer"

    def __init__(
        self,
        token_url: str,
        issuer: str,
        subject: str | None,
        audience: str,
        private_key_pem: str,
        scopes: Sequence[str] = (),
        key_id: str | None = None,
        algorithm: str = "RS256",
        *,
        clock: Clock = time.monotonic,
        skew: float = 60,
    ) -> None:
        super().__init__(token_url, clock=clock, skew=skew)
        register_secret(private_key_pem)
        self.issuer, self.subject, self.audience = issuer, subject, audience
        self.scopes = tuple(scopes)
        self.key_id = key_id
        self.algorithm = algorithm
        self._key = _load_key(private_key_pem, algorithm)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, issuer={self.issuer!r})"

    def assertion(self) -> str:
        """A freshly signed assertion (registered as a secret)."""
        import jwt

        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        if self.subject:
            claims["sub"] = self.subject
        if self.scopes:
            claims["scope"] = " ".join(self.scopes)
        headers = {"kid": self.key_id} if self.key_id else None
        signed = jwt.encode(claims, self._key, algorithm=self.algorithm, headers=headers)
        register_secret(signed)
        return signed

    def token_fields(self) -> dict[str, str]:
        fields = {"grant_type": GRANT_TYPE, "assertion": self.assertion()}
        if self.scopes:
            fields["scope"] = " ".join(self.scopes)
        return fields


def _load_key(pem: str, algorithm: str) -> Any:
    """The signing key, parsed once (a shared secret for the HS algorithms)."""
    import jwt

    try:
        implementation = jwt.get_algorithm_by_name(algorithm)
    except NotImplementedError:
        raise ConfigError(f"JwtBearerAuth: unknown signing algorithm {algorithm!r}") from None
    try:
        return implementation.prepare_key(pem)
    except (ValueError, TypeError, jwt.InvalidKeyError):
        raise ConfigError(
            f"JwtBearerAuth: private_key_pem is not a private key usable with {algorithm}"
        ) from None
