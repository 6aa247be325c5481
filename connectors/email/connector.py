"""The email connector: send through SMTP, fetch from IMAP into DataFrames."""

from __future__ import annotations

import contextlib
import imaplib
import smtplib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from workbench.connectors.email.config import EmailConfig
from workbench.connectors.email.messages import FETCH_COLUMNS, addresses, build, row
from workbench.sdk import Connector, Result, action, redact
from workbench.sdk.errors import (
    ActionArgumentError,
    ActionError,
    ConfigError,
    ConnectionFailedError,
)


class Email(Connector):
    """Send mail through SMTP (STARTTLS or TLS) and fetch it from IMAP into DataFrames.

    ``send`` writes a text and/or HTML message with attachments; a DataFrame goes along
    as a CSV attachment or as an HTML table in the body. ``fetch`` reads a folder's
    messages matching IMAP search criteria into rows (from, to, subject, date, text,
    attachment names). The password is a secret: never in an error, a log or a repr.
    A connection::

        [connections.mail]
        connector = "email"
        smtp_host = "smtp.example.com"
        imap_host = "imap.example.com"
        username = "reports@example.com"
        password = { secret = "mail/password" }

    Example:
        >>> from workbench.connectors.email import Email, EmailConfig
        >>> mail = Email(EmailConfig(smtp_host="smtp.example.com", username="me@example.com",
        ...                          password="app-password-123"), connection="mail")
        >>> sorted(mail.action_specs)
        ['fetch', 'folders', 'send']
        >>> mail.send(to="ops@example.com", subject="Shipped", text="42 orders")  # doctest: +SKIP
    """

    name = "email"
    title = "Email (SMTP / IMAP)"
    category = "messaging"
    auth_kinds = ("password",)
    config_model = EmailConfig
    config: EmailConfig

    def check(self) -> str:
        """Log in to the SMTP and IMAP servers that are set; say what answered."""
        said = []
        if self.config.smtp_host:
            with self._smtp(f"{self.connection}.check"):
                said.append("SMTP {}:{}".format(*self.config.smtp_address()))
        if self.config.imap_host:
            with self._imap(f"{self.connection}.check"):
                said.append("IMAP {}:{}".format(*self.config.imap_address()))
        if not said:
            raise ConnectionFailedError(f"{self.connection}: no smtp_host or imap_host is set")
        return ", ".join(said) + " accepted the login"

    @action
    def send(
        self,
        to: str | list[str],
        subject: str,
        text: str | None = None,
        html: str | None = None,
        cc: str | list[str] | None = None,
        bcc: str | list[str] | None = None,
        attachments: list[str | Path] | dict[str, bytes | str] | None = None,
        df: Any = None,
        df_as: Literal["csv", "html"] = "csv",
        df_name: str = "data.csv",
        from_address: str | None = None,
        reply_to: str | None = None,
    ) -> dict[str, Any]:
        """Send a message; returns its Message-ID and the recipients the server accepted.

        Args:
            to: recipient addresses (a list, or comma-separated)
            subject: the subject line
            text: the plain-text body
            html: the HTML body (with text, sent as alternatives)
            cc: copy recipients
            bcc: hidden recipients (not written into the message)
            attachments: file paths, or {file name: bytes or text}
            df: a DataFrame to send along
            df_as: csv (an attachment named df_name) or html (a table in the body)
            df_name: the CSV attachment's file name
            from_address: the From address (default: the connection's)
            reply_to: a Reply-To address
        """
        label = f"{self.connection}.send"
        sender = from_address or self.config.sender()
        if not sender:
            raise ActionArgumentError(
                f"{label}: no From address: set from_address on the connection or the call"
            )
        recipients = addresses(to)
        copies, hidden = addresses(cc), addresses(bcc)
        if not recipients:
            raise ActionArgumentError(f"{label}: to must name at least one address")
        message = build(
            label,
            sender=sender,
            to=recipients,
            cc=copies,
            reply_to=reply_to,
            subject=subject,
            text=text,
            html=html,
            attachments=attachments,
            df=df,
            df_as=df_as,
            df_name=df_name,
        )
        everyone = recipients + copies + hidden
        with self._smtp(label) as smtp:
            try:
                refused = smtp.send_message(message, from_addr=sender, to_addrs=everyone)
            except smtplib.SMTPRecipientsRefused as exc:
                raise ActionError(redact(f"{label}: {_refused(exc.recipients)}")) from None
            except smtplib.SMTPSenderRefused as exc:
                raise ActionError(
                    redact(f"{label}: the server refused the sender {sender!r} ({_said(exc)})")
                ) from None
            except smtplib.SMTPDataError as exc:
                raise ActionError(
                    redact(f"{label}: the server refused the message ({_said(exc)})")
                ) from None
        accepted = [address for address in everyone if address not in refused]
        return {
            "message_id": message["Message-ID"],
            "accepted": accepted,
            "refused": {address: _said_pair(answer) for address, answer in refused.items()},
            "bytes": len(message.as_bytes()),
        }

    @action
    def fetch(
        self,
        folder: str = "INBOX",
        criteria: str = "ALL",
        limit: int | None = 50,
        newest_first: bool = True,
    ) -> Result:
        """Fetch messages into rows: uid, from, to, cc, subject, date, text, attachments.

        Args:
            folder: the mailbox to read (opened read-only)
            criteria: IMAP SEARCH criteria, e.g. ``UNSEEN`` or ``FROM "ada" SINCE 1-Dec-2026``
            limit: at most this many messages (None: all)
            newest_first: the newest messages first (and the ones kept by limit)
        """
        import pandas as pd

        label = f"{self.connection}.fetch"
        rows: list[dict[str, Any]] = []
        with self._imap(label) as imap:
            status, answer = imap.select(_quoted(folder), readonly=True)
            if status != "OK":
                raise ActionError(
                    redact(f"{label}: no folder {folder!r} ({_imap_text(answer)})")
                ) from None
            try:
                status, found = imap.uid("SEARCH", None, criteria)
            except imaplib.IMAP4.error as exc:
                raise ActionArgumentError(
                    redact(f"{label}: the server refused criteria {criteria!r} ({exc})")
                ) from None
            uids = found[0].split() if found and found[0] else []
            if newest_first:
                uids.reverse()
            if limit is not None:
                uids = uids[:limit]
            for uid in uids:
                status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                for part in parts:
                    if isinstance(part, tuple):
                        rows.append(row(uid.decode(), part[1]))
        frame = pd.DataFrame(rows, columns=FETCH_COLUMNS)
        if rows:
            frame["date"] = pd.to_datetime(frame["date"], utc=True)
        return Result(frame, raw={"folder": folder, "criteria": criteria, "matched": len(uids)})

    @action
    def folders(self) -> list[dict[str, Any]]:
        """The IMAP folders: name, flags and hierarchy delimiter."""
        label = f"{self.connection}.folders"
        out = []
        with self._imap(label) as imap:
            _, listed = imap.list()
            for line in listed:
                if not isinstance(line, bytes):
                    continue
                flags, _, rest = line.decode("utf-8", "replace").partition(") ")
                delimiter, _, name = rest.partition(" ")
                out.append(
                    {
                        "name": name.strip('"'),
                        "flags": flags.lstrip("(").split(),
                        "delimiter": delimiter.strip('"'),
                    }
                )
        return out

    # --- connections ----------------------------------------------------------------

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.config.ca_file)
        if not self.config.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    @contextlib.contextmanager
    def _smtp(self, label: str) -> Iterator[smtplib.SMTP]:
        config = self.config
        host, port = config.smtp_address()
        if not host:
            raise ConfigError(f"{self.connection}: no smtp_host is set; it is needed to send")
        where = f"SMTP server {host}:{port}"
        try:
            if config.smtp_security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=config.timeout, context=self._tls()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=config.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionFailedError(
                redact(f"{label}: cannot reach the {where} ({_why(exc)})")
            ) from None
        try:
            try:
                if config.smtp_security == "starttls":
                    smtp.starttls(context=self._tls())
                if config.username and config.password is not None:
                    smtp.login(config.username, config.password.get_secret_value())
            except smtplib.SMTPAuthenticationError as exc:
                raise ConnectionFailedError(
                    redact(
                        f"{label}: the {where} refused the login of {config.username!r} "
                        f"({_said(exc)})"
                    )
                ) from None
            except smtplib.SMTPNotSupportedError as exc:
                raise ConnectionFailedError(
                    redact(f"{label}: the {where} does not offer {_why(exc)}")
                ) from None
            except (OSError, smtplib.SMTPException) as exc:
                raise ConnectionFailedError(
                    redact(f"{label}: the {where} failed: {_why(exc)}")
                ) from None
            yield smtp
        except smtplib.SMTPServerDisconnected as exc:
            raise ConnectionFailedError(
                redact(f"{label}: the {where} closed the connection ({_why(exc)})")
            ) from None
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()

    @contextlib.contextmanager
    def _imap(self, label: str) -> Iterator[imaplib.IMAP4]:
        config = self.config
        host, port = config.imap_address()
        if not host:
            raise ConfigError(f"{self.connection}: no imap_host is set; it is needed to fetch")
        user, password = config.imap_login()
        where = f"IMAP server {host}:{port}"
        try:
            if config.imap_security == "tls":
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    host, port, ssl_context=self._tls(), timeout=config.timeout
                )
            else:
                imap = imaplib.IMAP4(host, port, timeout=config.timeout)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ConnectionFailedError(
                redact(f"{label}: cannot reach the {where} ({_why(exc)})")
            ) from None
        try:
            try:
                if config.imap_security == "starttls":
                    imap.starttls(ssl_context=self._tls())
                if user and password is not None:
                    imap.login(user, password.get_secret_value())
            except imaplib.IMAP4.error as exc:
                raise ConnectionFailedError(
                    redact(f"{label}: the {where} refused the login of {user!r} ({_why(exc)})")
                ) from None
            except OSError as exc:
                raise ConnectionFailedError(
                    redact(f"{label}: the {where} failed: {_why(exc)}")
                ) from None
            yield imap
        except imaplib.IMAP4.abort as exc:
            raise ConnectionFailedError(
                redact(f"{label}: the {where} closed the connection ({_why(exc)})")
            ) from None
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _why(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {getattr(exc, 'reason', None) or exc}"
    text = str(exc)
    if isinstance(exc, bytes):
        text = exc.decode("utf-8", "replace")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _said_pair(answer: tuple[int, bytes]) -> str:
    code, text = answer
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {message}"


def _said(exc: smtplib.SMTPResponseException) -> str:
    return _said_pair((exc.smtp_code, exc.smtp_error))


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    parts = [f"{address!r} ({_said_pair(answer)})" for address, answer in recipients.items()]
    return "the server refused every recipient: " + ", ".join(parts)


def _imap_text(answer: list[Any]) -> str:
    return " ".join(
        item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        for item in answer
        if item
    )
