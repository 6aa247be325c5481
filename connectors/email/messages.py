"""Email messages: building one to send, and reading fetched ones into rows."""

from __future__ import annotations

import mimetypes
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path
from typing import Any

from workbench.sdk import Result
from workbench.sdk.errors import ActionArgumentError

FETCH_COLUMNS = ["uid", "from", "to", "cc", "subject", "date", "text", "attachments", "message_id"]


def addresses(value: str | list[str] | None) -> list[str]:
    """A list of addresses from one, a comma-separated string or a list.

    Example:
        >>> addresses("ada@example.com, grace@example.com")
        ['ada@example.com', 'grace@example.com']
    """
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def frame_of(label: str, value: Any) -> Any:
    """``value`` as a DataFrame (a Result's ``.df``); anything else is an argument error."""
    if isinstance(value, Result):
        return value.df
    if type(value).__name__ != "DataFrame":
        raise ActionArgumentError(f"{label}: df must be a DataFrame, got {type(value).__name__}")
    return value


def build(
    label: str,
    *,
    sender: str,
    to: list[str],
    cc: list[str],
    reply_to: str | None,
    subject: str,
    text: str | None,
    html: str | None,
    attachments: list[str | Path] | dict[str, bytes | str] | None,
    df: Any,
    df_as: str,
    df_name: str,
) -> EmailMessage:
    """A MIME message: text and/or HTML alternatives, then attachments.

    Example:
        >>> msg = build("m.send", sender="a@example.com", to=["b@example.com"], cc=[],
        ...             reply_to=None, subject="Hi", text="plain", html="<p>rich</p>",
        ...             attachments={"notes.txt": "hello"}, df=None, df_as="csv",
        ...             df_name="data.csv")
        >>> msg.get_content_type(), [p.get_content_type() for p in msg.walk()][1:]
        ('multipart/mixed', ['multipart/alternative', 'text/plain', 'text/html', 'text/plain'])
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(_now())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)

    files: list[tuple[str, bytes]] = []
    if df is not None:
        frame = frame_of(label, df)
        if df_as == "csv":
            files.append((df_name, frame.to_csv(index=False).encode("utf-8")))
        elif df_as == "html":
            table = frame.to_html(index=False, border=1, na_rep="")
            html = (html or "") + table
            text = (text + "\n\n" if text else "") + frame.to_string(index=False)
        else:
            raise ActionArgumentError(f"{label}: df_as must be 'csv' or 'html', got {df_as!r}")
    if text is None and html is None:
        raise ActionArgumentError(f"{label}: give text, html or df (as='html') for the body")
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html or "", subtype="html")

    files.extend(_read_attachments(label, attachments))
    for name, data in files:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        if maintype == "text":
            try:
                text_data = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:  # sent with its charset, so readers decode it right
                message.add_attachment(text_data, subtype=subtype, filename=name)
                continue
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def _read_attachments(
    label: str, attachments: list[str | Path] | dict[str, bytes | str] | None
) -> list[tuple[str, bytes]]:
    if not attachments:
        return []
    if isinstance(attachments, dict):
        return [
            (name, data.encode("utf-8") if isinstance(data, str) else bytes(data))
            for name, data in attachments.items()
        ]
    out = []
    for item in attachments:
        path = Path(item)
        try:
            out.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise ActionArgumentError(
                f"{label}: cannot read attachment {str(item)!r} ({exc.strerror or exc})"
            ) from None
    return out


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def row(uid: str, data: bytes) -> dict[str, Any]:
    """One fetched message as a row: addresses, subject, date, text, attachment names.

    Example:
        >>> raw = (b"From: Ada <ada@example.com>\\r\\nTo: b@example.com\\r\\nSubject: Hi\\r\\n"
        ...        b"Date: Tue, 01 Dec 2026 10:00:00 +0000\\r\\n\\r\\nHello\\r\\n")
        >>> r = row("7", raw)
        >>> r["from"], r["subject"], r["text"], str(r["date"])
        ('Ada <ada@example.com>', 'Hi', 'Hello\\n', '2026-12-01 10:00:00+00:00')
    """
    message = BytesParser(policy=policy.default).parsebytes(data)
    body = message.get_body(preferencelist=("plain", "html"))
    text = None
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, UnicodeError):
            payload = body.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else None
    if text is not None:
        text = text.replace("\r\n", "\n")
    date = None
    if message["Date"]:
        try:
            date = parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            date = None
    names = [part.get_filename() or "" for part in message.iter_attachments()]
    return {
        "uid": int(uid),
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "cc": str(message["Cc"] or ""),
        "subject": str(message["Subject"] or ""),
        "date": date,
        "text": text,
        "attachments": names,
        "message_id": str(message["Message-ID"] or ""),
    }
