"""The settings of an email connection: an SMTP server to send, an IMAP server to fetch."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from workbench.sdk import ConnectionConfig

Security = Literal["starttls", "tls", "none"]
SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}
IMAP_PORTS = {"starttls": 143, "tls": 993, "none": 143}


class EmailConfig(ConnectionConfig):
    """SMTP for sending, IMAP for fetching, one login (or one each).

    ``smtp_security`` is ``starttls`` (port 587), ``tls`` (implicit TLS, port 465) or
    ``none`` (port 25); ``imap_security`` the same with ports 143 and 993. Ports follow
    the security unless given. ``imap_username`` / ``imap_password`` default to
    ``username`` / ``password``.

    Example:
        >>> cfg = EmailConfig(smtp_host="smtp.example.com", username="ada@example.com",
        ...                   password="app-password-123")
        >>> cfg.public_fields()["password"], cfg.smtp_address(), cfg.sender()
        ('***', ('smtp.example.com', 587), 'ada@example.com')
    """

    smtp_host: str | None = Field(default=None, description="The SMTP server that sends mail")
    smtp_port: int | None = Field(
        default=None, gt=0, lt=65536, description="SMTP port (587, 465 or 25 by security)"
    )
    smtp_security: Security = Field(
        default="starttls", description="starttls, tls (implicit TLS) or none"
    )
    imap_host: str | None = Field(default=None, description="The IMAP server mail is read from")
    imap_port: int | None = Field(
        default=None, gt=0, lt=65536, description="IMAP port (993 or 143 by security)"
    )
    imap_security: Security = Field(
        default="tls", description="tls (implicit TLS), starttls or none"
    )
    username: str | None = Field(default=None, description="The login name")
    password: SecretStr | None = Field(default=None, description="The password (or app password)")
    imap_username: str | None = Field(default=None, description="IMAP login, if not username")
    imap_password: SecretStr | None = Field(
        default=None, description="IMAP password, if not password"
    )
    from_address: str | None = Field(
        default=None, description="The From address of sent mail (default: username)"
    )
    verify: bool = Field(default=True, description="Verify the servers' TLS certificates")
    ca_file: str | None = Field(
        default=None, description="A CA bundle (PEM) to verify the servers' certificates with"
    )
    timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for a server")

    def smtp_address(self) -> tuple[str, int]:
        """The SMTP host and port in effect."""
        return self.smtp_host or "", self.smtp_port or SMTP_PORTS[self.smtp_security]

    def imap_address(self) -> tuple[str, int]:
        """The IMAP host and port in effect."""
        return self.imap_host or "", self.imap_port or IMAP_PORTS[self.imap_security]

    def sender(self) -> str | None:
        """The From address: ``from_address``, else the login name when it is an address."""
        if self.from_address:
            return self.from_address
        return self.username if self.username and "@" in self.username else None

    def imap_login(self) -> tuple[str | None, SecretStr | None]:
        """The IMAP user name and password."""
        return self.imap_username or self.username, self.imap_password or self.password
