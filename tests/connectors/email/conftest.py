"""The mail servers of tests/mail_servers.py as fixtures of the email tests."""

from mail_servers import certificate, dovecot, smtp, starttls_smtp

__all__ = ["certificate", "dovecot", "smtp", "starttls_smtp"]
