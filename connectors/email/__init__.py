"""Email connector: send through SMTP, fetch from IMAP into DataFrames."""

from workbench.connectors.email.config import EmailConfig
from workbench.connectors.email.connector import Email

__all__ = ["Email", "EmailConfig"]
