"""Connection URLs built from config fields, and DSN scrubbing for messages.

Example:
    >>> options = {"sslmode": "require"}
    >>> target = Target("postgresql", "db.local", 5432, "shop", "ada", "pa:ss", options)
    >>> target.url()
    'postgresql://ada:pa%3Ass@db.local:5432/shop?sslmode=require'
    >>> target.display()
    'postgresql://ada@db.local:5432/shop'
    >>> Target("postgresql", "db", options={"options": "-c a=b"}).url()  # libpq reads %20
    'postgresql://db?options=-c%20a%3Db'
    >>> scrub("connection to 'host=x password=hunter2 user=y' failed")
    "connection to 'host=x password=*** user=y' failed"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from workbench.redaction import MASK, redact

_PASSWORD_KV = re.compile(r"(?i)\b(password|pwd)\s*=\s*('[^']*'|[^\s;'\"]+)")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*):([^@\s]*)@")


@dataclass(frozen=True)
class Target:
    """Where a database is: scheme, host, port, database, user, password and options."""

    scheme: str
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, url: str) -> Target:
        """Read ``scheme://user:password@host:port/database?option=value``.

        Example:
            >>> Target.parse("mysql://root:@127.0.0.1:3306/test").port
            3306
        """
        parts = urlsplit(url)
        if not parts.scheme:
            raise ValueError("expected a URL such as postgresql://user@host:5432/database")
        return cls(
            scheme=parts.scheme,
            host=unquote(parts.hostname) if parts.hostname else None,
            port=parts.port,
            database=unquote(parts.path.lstrip("/")) or None,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            options=dict(parse_qsl(parts.query)),
        )

    def with_scheme(self, scheme: str) -> Target:
        """The same target under another scheme (``mysql+pymysql``, ``postgresql``)."""
        return replace(self, scheme=scheme)

    def url(self, *, hide_password: bool = False) -> str:
        """The URL, with the password unless ``hide_password``."""
        auth = ""
        if self.user is not None:
            auth = quote(self.user, safe="")
            if self.password is not None:
                auth += ":" + (MASK if hide_password else quote(self.password, safe=""))
            auth += "@"
        host = self.host or ""
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        port = f":{self.port}" if self.port is not None else ""
        database = "/" + quote(self.database, safe="") if self.database else ""
        query = "?" + urlencode(self.options, quote_via=quote) if self.options else ""
        return f"{self.scheme}://{auth}{host}{port}{database}{query}"

    def display(self) -> str:
        """The URL without password or options, for messages."""
        return replace(self, password=None, options={}).url()


def scrub(text: str) -> str:
    """Mask registered secrets and any ``password=...`` or ``user:password@`` in ``text``."""
    text = redact(text)
    text = _PASSWORD_KV.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{MASK}@", text)
