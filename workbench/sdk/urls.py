"""Broker URLs without secrets: a password written in ``url`` moves to the ``password`` field.

Connection settings keep ``url`` as plain text (it shows in reprs and tables), so a
password inside it is lifted out into the secret field before the config is built.

Example:
    >>> fields = lift_password({"url": "amqp://app:s3cret@mq.example:5672/prod"})
    >>> fields["url"], fields["password"]
    ('amqp://app@mq.example:5672/prod', 's3cret')
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import field_validator, model_validator

from workbench.sdk.config import ConnectionConfig


def lift_password(data: Any) -> Any:
    """Move a password from ``data["url"]`` to ``data["password"]`` (for a ``before`` validator)."""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return data
    parts = urlsplit(data["url"])
    if parts.password is None:
        return data
    if data.get("password") is not None:
        raise ValueError("url holds a password and so does the password field; keep one")
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}@{host}" if user else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    out = dict(data)
    out["url"] = urlunsplit(parts._replace(netloc=netloc))
    out["password"] = unquote(parts.password)
    return out


def parts(url: str) -> tuple[str, int | None, str, str]:
    """``(host, port, user, path without the leading slash)`` of ``url``.

    Example:
        >>> parts("redis://ada@cache.example:6380/2")
        ('cache.example', 6380, 'ada', '2')
    """
    split = urlsplit(url)
    return (
        split.hostname or "",
        split.port,
        unquote(split.username or ""),
        unquote(split.path[1:]) if split.path.startswith("/") else unquote(split.path),
    )


class UrlConfig(ConnectionConfig):
    """Settings of a service reached by a URL: the password comes out of ``url``, and the
    URL's scheme must be one of ``url_schemes``.

    Example:
        >>> from pydantic import SecretStr, ValidationError
        >>> class CacheConfig(UrlConfig):
        ...     url_schemes = ("redis://",)
        ...     url: str | None = None
        ...     password: SecretStr | None = None
        >>> CacheConfig(url="redis://ada:pw-1234@cache.example").url
        'redis://ada@cache.example'
        >>> try:
        ...     CacheConfig(url="http://cache.example")
        ... except ValidationError as exc:
        ...     print(exc.errors()[0]["msg"])
        Value error, url must start with redis://, got 'http://cache.example'
    """

    url_schemes: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _password_out_of_url(cls, data: Any) -> Any:
        return lift_password(data)

    @field_validator("url", check_fields=False)
    @classmethod
    def _url_scheme(cls, value: str | None) -> str | None:
        if value and cls.url_schemes and not value.startswith(cls.url_schemes):
            allowed = ", ".join(cls.url_schemes[:-1])
            allowed = f"{allowed} or {cls.url_schemes[-1]}" if allowed else cls.url_schemes[0]
            raise ValueError(f"url must start with {allowed}, got {value!r}")
        return value
