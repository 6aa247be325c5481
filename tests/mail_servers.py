"""Real mail servers for the email tests: aiosmtpd (plain, STARTTLS, implicit TLS) and an
unprivileged Dovecot IMAP instance with its own config, users and maildir in a temp folder.

Dovecot is Debian's ``dovecot-imapd`` (``make test`` installs it with apt, as it does
Chromium); the instance listens on free loopback ports, never the system's 143/993.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from s3_server import free_port

USER = "ada@example.com"
PASSWORD = "mail-pw-" + os.urandom(8).hex()
DOVECOT = "/usr/sbin/dovecot"


@dataclass
class Certificate:
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost (it is its own CA)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / "cert.pem", folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class Smtp:
    """One running aiosmtpd server and what it received."""

    host: str
    port: int
    security: str
    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


class Inbox:
    """aiosmtpd handler: refuses ``nobody@...``, keeps every message it accepts."""

    def __init__(self, server: Smtp) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address  # noqa: UP031
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 Message accepted for delivery"


def start_smtp(security: str, certificate: Certificate) -> tuple[Controller, Smtp]:
    import ssl

    server = Smtp("127.0.0.1", free_port(), security)

    def authenticate(
        smtp: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth, LoginPassword)
            and auth.login.decode() == USER
            and auth.password.decode() == PASSWORD
        )
        if ok:
            server.logins.append(auth.login.decode())
        return AuthResult(success=ok, handled=False)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    options: dict[str, Any] = {
        "authenticator": authenticate,
        # aiosmtpd counts only STARTTLS as TLS for AUTH; implicit TLS is TLS from the start
        "auth_require_tls": security == "starttls",
    }
    if security == "starttls":
        options.update(tls_context=context, require_starttls=True)
    controller = Controller(
        Inbox(server),
        hostname=server.host,
        port=server.port,
        ssl_context=context if security == "tls" else None,
        **options,
    )
    controller.start()
    return controller, server


@pytest.fixture(scope="module", params=["none", "starttls", "tls"])
def smtp(request: pytest.FixtureRequest, certificate: Certificate) -> Iterator[Smtp]:
    """An SMTP server of each kind of security in turn."""
    controller, server = start_smtp(request.param, certificate)
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def starttls_smtp(certificate: Certificate) -> Iterator[Smtp]:
    controller, server = start_smtp("starttls", certificate)
    try:
        yield server
    finally:
        controller.stop()


# --- IMAP -------------------------------------------------------------------------------


@dataclass
class Imap:
    host: str
    port: int
    tls_port: int
    home: Path


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""


@pytest.fixture(scope="session")
def dovecot(certificate: Certificate) -> Iterator[Imap]:
    """Dovecot on two free loopback ports (plain and implicit TLS), one passwd-file user."""
    if not Path(DOVECOT).exists():
        pytest.fail("Debian's dovecot-imapd is needed: `make test` installs it (apt-get)")
    root = Path(tempfile.mkdtemp(prefix="wb-dovecot-"))
    root.chmod(0o755)  # the mail user reads its maildir below it
    if os.geteuid() == 0:  # as root, mail is kept as Debian's unprivileged "mail" user
        user = group = "mail"
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
        group = pwd.getpwuid(os.getuid()).pw_name
    (root / "mail").mkdir()
    shutil.chown(root / "mail", user, None if os.geteuid() else group)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    server = Imap("127.0.0.1", free_port(), free_port(), root / "mail")
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            root=root,
            cert=certificate.cert,
            key=certificate.key,
            user=user,
            group=group,
            port=server.port,
            tls_port=server.tls_port,
        )
    )
    # dovecot forks into the background: its output goes to a file, not a pipe kept open
    with (root / "start.log").open("wb") as out:
        subprocess.run([DOVECOT, "-c", str(conf)], check=True, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection((server.host, server.port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                log = root / "dovecot.log"
                pytest.fail(f"dovecot did not listen: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)
    try:
        yield server
    finally:
        pid = int((root / "run" / "master.pid").read_text().split()[0])
        os.kill(pid, 15)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
