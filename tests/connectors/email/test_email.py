"""The email connector against real servers: aiosmtpd to send, Dovecot to fetch."""

from __future__ import annotations

import imaplib
import logging
import ssl
from email import policy
from email.parser import BytesParser
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from mail_servers import PASSWORD, USER, Certificate, Imap, Smtp, start_smtp
from s3_server import free_port

import workbench as wb
from workbench.connectors.email import Email, EmailConfig
from workbench.errors import ActionArgumentError, ActionError, ConfigError, ConnectionFailedError

FRAME = pd.DataFrame({"order": [41, 42], "customer": ["Ada", "Zoë"], "total": [9.5, 120.0]})


def sender(server: Smtp, certificate: Certificate, **fields: Any) -> Email:
    values: dict[str, Any] = {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_security": server.security,
        "username": USER,
        "password": PASSWORD,
        "ca_file": str(certificate.cert),
        "timeout": 10,
    }
    return Email(EmailConfig(**{**values, **fields}), connection="mail")


def reader(imap: Imap, certificate: Certificate, **fields: Any) -> Email:
    values: dict[str, Any] = {
        "imap_host": imap.host,
        "imap_port": imap.port,
        "imap_security": "none",
        "username": USER,
        "password": PASSWORD,
        "ca_file": str(certificate.cert),
        "timeout": 10,
    }
    return Email(EmailConfig(**{**values, **fields}), connection="inbox")


def parsed(data: bytes) -> Any:
    return BytesParser(policy=policy.default).parsebytes(data)


def deliver(imap: Imap, data: bytes, folder: str = "INBOX") -> None:
    """Put a message into the user's mailbox with IMAP APPEND."""
    client = imaplib.IMAP4(imap.host, imap.port)
    try:
        client.login(USER, PASSWORD)
        client.create(f'"{folder}"')  # an existing folder answers NO: fine
        status, _ = client.append(f'"{folder}"', None, None, data)
        assert status == "OK"
    finally:
        client.logout()


# --- SMTP -------------------------------------------------------------------------------


def test_send_text_html_and_attachments(
    smtp: Smtp, certificate: Certificate, tmp_path: Path
) -> None:
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 tiny")
    mail = sender(smtp, certificate)
    sent = mail.send(
        to="ops@example.com, boss@example.com",
        cc=["cc@example.com"],
        bcc="hidden@example.com",
        subject="Orders shipped ✓",
        text="42 orders shipped.",
        html="<p><b>42</b> orders shipped.</p>",
        attachments=[report],
        reply_to="noreply@example.com",
    )
    assert sent.data["accepted"] == [
        "ops@example.com",
        "boss@example.com",
        "cc@example.com",
        "hidden@example.com",
    ]
    assert sent.data["refused"] == {}
    got = smtp.received[-1]
    assert got.sender == USER
    assert got.recipients == sent.data["accepted"]
    assert smtp.logins[-1] == USER
    message = parsed(got.data)
    assert message["Subject"] == "Orders shipped ✓"
    assert message["To"] == "ops@example.com, boss@example.com"
    assert message["Cc"] == "cc@example.com"
    assert message["Bcc"] is None  # hidden recipients get the mail, not a header
    assert message["Reply-To"] == "noreply@example.com"
    assert message["Message-ID"] == sent.data["message_id"]
    assert message.get_body(("plain",)).get_content().strip() == "42 orders shipped."
    assert message.get_body(("html",)).get_content().strip() == "<p><b>42</b> orders shipped.</p>"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4 tiny"


def test_a_dataframe_as_csv_attachment_or_html_table(
    starttls_smtp: Smtp, certificate: Certificate
) -> None:
    mail = sender(starttls_smtp, certificate)
    mail.send(to="ops@example.com", subject="CSV", text="attached", df=FRAME, df_name="orders.csv")
    [csv] = list(parsed(starttls_smtp.received[-1].data).iter_attachments())
    assert csv.get_filename() == "orders.csv"
    assert csv.get_content_type() == "text/csv"
    back = pd.read_csv(StringIO(csv.get_content()))
    pd.testing.assert_frame_equal(back, FRAME)

    mail.send(to="ops@example.com", subject="Table", html="<h1>Orders</h1>", df=FRAME, df_as="html")
    message = parsed(starttls_smtp.received[-1].data)
    assert list(message.iter_attachments()) == []
    html = message.get_body(("html",)).get_content()
    assert html.startswith("<h1>Orders</h1>")
    assert "<table" in html
    assert "<th>customer</th>" in html
    assert "<td>Zoë</td>" in html
    assert "<td>120.0</td>" in html
    assert "Zoë" in message.get_body(("plain",)).get_content()


def test_refused_recipients(starttls_smtp: Smtp, certificate: Certificate) -> None:
    mail = sender(starttls_smtp, certificate)
    some = mail.send(to=["ops@example.com", "nobody@example.com"], subject="x", text="y")
    assert some.data["accepted"] == ["ops@example.com"]
    assert some.data["refused"]["nobody@example.com"].startswith("550 5.1.1")
    assert starttls_smtp.received[-1].recipients == ["ops@example.com"]
    with pytest.raises(
        ActionError,
        match=r"mail\.send: the server refused every recipient: 'nobody@example.com' \(550",
    ):
        mail.send(to="nobody@example.com", subject="x", text="y")


def test_login_and_connection_failures_name_the_connection_not_the_password(
    starttls_smtp: Smtp, certificate: Certificate, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-pw-" + PASSWORD[::-1]
    with pytest.raises(
        ConnectionFailedError,
        match=rf"mail\.send: the SMTP server 127\.0\.0\.1:{starttls_smtp.port} refused the login "
        rf"of '{USER}' \(535",
    ) as err:
        sender(starttls_smtp, certificate, password=wrong).send(
            to="a@example.com", subject="s", text="t"
        )
    assert wrong not in str(err.value)
    port = free_port()
    with pytest.raises(
        ConnectionFailedError,
        match=rf"mail\.send: cannot reach the SMTP server 127\.0\.0\.1:{port}",
    ):
        sender(starttls_smtp, certificate, smtp_port=port).send(
            to="a@example.com", subject="s", text="t"
        )
    untrusted = sender(starttls_smtp, certificate, ca_file=None)
    with pytest.raises(
        ConnectionFailedError, match=r"mail\.send: .*TLS failed: CERTIFICATE_VERIFY_FAILED"
    ):
        untrusted.send(to="a@example.com", subject="s", text="t")
    assert wrong not in caplog.text
    assert PASSWORD not in caplog.text


def test_plain_smtp_cannot_be_asked_for_starttls(certificate: Certificate) -> None:
    controller, plain = start_smtp("none", certificate)
    try:
        with pytest.raises(ConnectionFailedError, match="does not offer"):
            sender(plain, certificate, smtp_security="starttls").send(
                to="a@example.com", subject="s", text="t"
            )
    finally:
        controller.stop()


def test_bad_send_arguments(starttls_smtp: Smtp, certificate: Certificate) -> None:
    mail = sender(starttls_smtp, certificate)
    with pytest.raises(ActionArgumentError, match="give text, html or df"):
        mail.send(to="a@example.com", subject="empty")
    with pytest.raises(ActionArgumentError, match="to must name at least one address"):
        mail.send(to="", subject="s", text="t")
    with pytest.raises(ActionArgumentError, match=r"cannot read attachment 'missing\.txt'"):
        mail.send(to="a@example.com", subject="s", text="t", attachments=["missing.txt"])
    with pytest.raises(ActionArgumentError, match="df must be a DataFrame"):
        mail.send(to="a@example.com", subject="s", text="t", df=[1, 2])
    with pytest.raises(ActionArgumentError, match="no From address"):
        sender(starttls_smtp, certificate, username="ada").send(
            to="a@example.com", subject="s", text="t"
        )
    with pytest.raises(ConfigError, match="no smtp_host is set"):
        Email(EmailConfig(from_address="me@example.com"), connection="mail").send(
            to="a@example.com", subject="s", text="t"
        )


# --- IMAP -------------------------------------------------------------------------------


def test_mail_sent_through_smtp_is_fetched_from_imap(
    starttls_smtp: Smtp, dovecot: Imap, certificate: Certificate
) -> None:
    mail = sender(starttls_smtp, certificate)
    sent = mail.send(
        to="Ops Team <ops@example.com>",
        subject="Round trip 42",
        text="Body of the round trip.",
        html="<p>Body</p>",
        attachments={"notes.txt": "hello", "orders.csv": b"id\n1\n"},
    )
    deliver(dovecot, starttls_smtp.received[-1].data, folder="RoundTrip")
    fetched = reader(dovecot, certificate).fetch(folder="RoundTrip")
    frame = fetched.df
    assert list(frame.columns) == [
        "uid",
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "text",
        "attachments",
        "message_id",
    ]
    [message] = frame.to_dict("records")
    assert message["from"] == USER
    assert message["to"] == "Ops Team <ops@example.com>"
    assert message["subject"] == "Round trip 42"
    assert message["text"].strip() == "Body of the round trip."
    assert message["attachments"] == ["notes.txt", "orders.csv"]
    assert message["message_id"] == sent.data["message_id"]
    assert isinstance(frame["date"].dtype, pd.DatetimeTZDtype)


def test_fetch_search_criteria_limit_and_order(dovecot: Imap, certificate: Certificate) -> None:
    for number, who in enumerate(["ada@example.com", "grace@example.com", "ada@example.com"], 1):
        deliver(
            dovecot,
            (
                f"From: {who}\r\nTo: {USER}\r\nSubject: Note {number}\r\n"
                f"Date: Tue, 0{number} Dec 2026 10:00:00 +0000\r\n\r\nnote {number}\r\n"
            ).encode(),
            folder="Notes",
        )
    inbox = reader(dovecot, certificate)
    every = inbox.fetch(folder="Notes").df
    assert every["subject"].tolist() == ["Note 3", "Note 2", "Note 1"]
    assert inbox.fetch(folder="Notes", newest_first=False, limit=2).df["subject"].tolist() == [
        "Note 1",
        "Note 2",
    ]
    from_ada = inbox.fetch(folder="Notes", criteria='FROM "ada@example.com"')
    assert from_ada.df["subject"].tolist() == ["Note 3", "Note 1"]
    assert from_ada.raw["matched"] == 2
    assert inbox.fetch(folder="Notes", criteria='SUBJECT "nothing like it"').df.empty
    with pytest.raises(ActionArgumentError, match="refused criteria 'NOT A CRITERION'"):
        inbox.fetch(folder="Notes", criteria="NOT A CRITERION")
    with pytest.raises(ActionError, match=r"inbox\.fetch: no folder 'Missing'"):
        inbox.fetch(folder="Missing")
    names = [f["name"] for f in inbox.folders().data]
    assert {"INBOX", "Notes"} <= set(names)
    # the read-only fetch left the messages unseen
    assert len(inbox.fetch(folder="Notes", criteria="UNSEEN").df) == 3


def test_imap_over_tls_and_its_failures(dovecot: Imap, certificate: Certificate) -> None:
    deliver(dovecot, b"From: tls@example.com\r\nSubject: Over TLS\r\n\r\nsecure\r\n", "Tls")
    secure = reader(dovecot, certificate, imap_port=dovecot.tls_port, imap_security="tls")
    assert secure.fetch(folder="Tls").df["subject"].tolist() == ["Over TLS"]
    assert secure.check() == f"IMAP 127.0.0.1:{dovecot.tls_port} accepted the login"
    upgraded = reader(dovecot, certificate, imap_security="starttls")
    assert upgraded.fetch(folder="Tls").df["from"].tolist() == ["tls@example.com"]

    wrong = "wrong-pw-" + PASSWORD[::-1]
    with pytest.raises(
        ConnectionFailedError,
        match=rf"inbox\.fetch: the IMAP server 127\.0\.0\.1:{dovecot.port} refused the login of "
        rf"'{USER}'",
    ) as err:
        reader(dovecot, certificate, password=wrong).fetch()
    assert wrong not in str(err.value)
    untrusted = reader(
        dovecot, certificate, imap_port=dovecot.tls_port, imap_security="tls", ca_file=None
    )
    with pytest.raises(ConnectionFailedError, match="TLS failed"):
        untrusted.fetch()
    port = free_port()
    with pytest.raises(
        ConnectionFailedError, match=rf"cannot reach the IMAP server 127\.0\.0\.1:{port}"
    ):
        reader(dovecot, certificate, imap_port=port).fetch()


def test_wb_connect_with_the_password_from_the_environment(
    starttls_smtp: Smtp,
    dovecot: Imap,
    certificate: Certificate,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (project / "workbench.toml").write_text(
        f"""
[connections.mail]
connector = "email"
smtp_host = "127.0.0.1"
smtp_port = {starttls_smtp.port}
imap_host = "127.0.0.1"
imap_port = {dovecot.tls_port}
username = "{USER}"
password = "${{MAIL_TEST_PASSWORD}}"
ca_file = "{certificate.cert}"
"""
    )
    monkeypatch.setenv("MAIL_TEST_PASSWORD", PASSWORD)
    mail = wb.connect("mail")
    assert mail.check() == (
        f"SMTP 127.0.0.1:{starttls_smtp.port}, IMAP 127.0.0.1:{dovecot.tls_port} accepted the login"
    )
    result = mail.send(to="ops@example.com", subject="From the toml", text="hi")
    assert (result.connection, result.action) == ("mail", "send")
    assert PASSWORD not in repr(mail)
    assert PASSWORD not in wb.connections().to_string()
    assert ssl.OPENSSL_VERSION  # TLS was available for both servers
