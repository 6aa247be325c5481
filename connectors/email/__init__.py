"""Email connector: send through SMTP, fetch from IMAP into DataFrames."""

from connectors.email.config import EmailConfig
from connectors.email.connector import Email

__all__ = ["Email", "EmailConfig"]
