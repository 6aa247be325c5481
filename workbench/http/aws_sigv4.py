"""AWS Signature Version 4, as an httpx auth flow signed by botocore's own signer.

Each request is signed as it is sent: its method, URL (path and query), the ``Host`` and
``Content-Type`` headers, every ``x-amz-*`` header, and the body, whose SHA-256 goes in
``x-amz-content-sha256``. The query is re-encoded strictly first (:func:`strict_query`).
The signature covers the time (``x-amz-date``), and a session token (temporary
credentials) goes in ``x-amz-security-token``. Headers a proxy or the
transport may change (``User-Agent``, ``Accept-Encoding``, ``Connection``) are not signed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from urllib.parse import quote

import httpx

from workbench.errors import ConfigError
from workbench.redaction import register_secret
from workbench.sdk.deps import require

SIGNED = ("host", "content-type", "content-md5")
"""The headers signed besides every ``x-amz-*`` one."""
ADDED = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")
"""The headers the signer sets."""


class AwsSigV4Auth(httpx.Auth):
    """Signs each request for ``service`` in ``region`` with an access key (SigV4).

    Example:
        >>> def echo(request):
        ...     return httpx.Response(200, json=dict(request.headers))
        >>> auth = AwsSigV4Auth("AKIDEXAMPLE", "wJalrXUtnFEMI-K7MDENG-EXAMPLEKEY",
        ...                     region="us-east-1", service="robomaker")
        >>> auth
        AwsSigV4Auth(access_key_id='AKIDEXAMPLE', region='us-east-1', service='robomaker')
        >>> client = httpx.Client(transport=httpx.MockTransport(echo))
        >>> sent = client.post("https://robomaker.us-east-1.amazonaws.com/listFleets",
        ...                    json={}, auth=auth).json()
        >>> sent["authorization"].split("/")[2:]  # doctest: +ELLIPSIS
        ['us-east-1', 'robomaker', 'aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=...']
    """  # noqa: E501

    requires_request_body = True

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        *,
        region: str,
        service: str,
        session_token: str | None = None,
    ) -> None:
        missing = [
            name
            for name, value in (
                ("access_key_id", access_key_id),
                ("secret_access_key", secret_access_key),
                ("region", region),
                ("service", service),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"AWS Signature V4: {', '.join(missing)} missing")
        register_secret(secret_access_key)
        if session_token:
            register_secret(session_token)
        self.access_key_id, self.region, self.service = access_key_id, region, service
        self._secret_access_key = secret_access_key
        self._session_token = session_token or None

    def __repr__(self) -> str:
        return (
            f"AwsSigV4Auth(access_key_id={self.access_key_id!r}, region={self.region!r}, "
            f"service={self.service!r})"
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request

    def sign(self, request: httpx.Request) -> None:
        """Add ``Authorization``, ``X-Amz-Date`` and ``X-Amz-Content-SHA256`` (and the
        session token, if any) to ``request``, signed for the current time."""
        auth = require("botocore.auth", "aws")
        awsrequest = require("botocore.awsrequest", "aws")
        credentials = require("botocore.credentials", "aws")
        request.url = strict_query(request.url)
        body = request.content
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
        for name in ADDED:
            request.headers.pop(name, None)
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in SIGNED or name.lower().startswith("x-amz-")
        }
        signed = awsrequest.AWSRequest(
            method=request.method, url=str(request.url), data=body, headers=headers
        )
        key = credentials.Credentials(
            self.access_key_id, self._secret_access_key, self._session_token
        )
        auth.SigV4Auth(key, self.service, self.region).add_auth(signed)
        for name in ADDED:
            value = signed.headers.get(name)
            if value is not None:
                request.headers[name] = value


def strict_query(url: httpx.URL) -> httpx.URL:
    """``url`` with its query encoded as SigV4 signs it: every byte but ``A-Za-z0-9-_.~``
    percent-encoded (a space as ``%20``, never ``+``), so what is sent is what was signed.

    Example:
        >>> str(strict_query(httpx.URL("https://a.test/p", params={"q": "a b/c", "n": 5})))
        'https://a.test/p?q=a%20b%2Fc&n=5'
    """
    if not url.query:
        return url
    pairs = url.params.multi_items()
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    return url.copy_with(query=query.encode("ascii"))
