"""A real SMTP server on 127.0.0.1 for the email tests: aiosmtpd with STARTTLS (a certificate
from a test certificate authority made here, with trustme) and AUTH, recording what it gets.

Behaviours a test can ask for: refuse the next messages with a 451 (temporary), refuse an
address with a 550 (permanent, with a reply of the test's choosing, which may repeat the
address), refuse the sender (MAIL FROM), stop after N messages (the server going away
mid-batch), take a message and close the connection without answering (the reply lost).
It can also look at the client's send ledger while a command is in progress: what the
ledger said when the server got RCPT TO and when it got the message (DATA).
"""

from __future__ import annotations

import socket
import sqlite3
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "clinic", "s3cret-relay-pw"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    user: str | None
    mail_options: list[str] = field(default_factory=list)  # MAIL FROM's parameters, e.g. SMTPUTF8

    @property
    def message(self):
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class Behaviour:
    temporary_failures: int = 0  # the next N messages get "451"
    refuse: set[str] = field(default_factory=set)  # recipients that get refuse_reply
    refuse_reply: str = "550 5.1.1 No such user here"  # "{address}" is replaced by the recipient
    refuse_sender: str | None = None  # the reply to every MAIL FROM, instead of "250 OK"
    stop_after: int | None = None  # accept N messages, then the server goes away
    drop_after_data: int = 0  # the next N messages are taken, then the connection closes unanswered
    watch: Path | None = None  # a send ledger (sent.sqlite3) to read at RCPT TO and at DATA


class Handler:
    def __init__(self, server: "SMTPServer"):
        self.server = server

    def _look(self, stage: str) -> None:
        if self.server.behaviour.watch is not None:
            self.server.ledger_seen.append((stage, ledger_statuses(self.server.behaviour.watch)))

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.server.behaviour.refuse_sender:
            return self.server.behaviour.refuse_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self._look("RCPT")
        b = self.server.behaviour
        if address.lower() in b.refuse:
            return b.refuse_reply.replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self._look("DATA")
        b = self.server.behaviour
        if b.temporary_failures > 0:
            b.temporary_failures -= 1
            return "451 4.3.0 Try again later"
        self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                             session.ssl is not None, getattr(session, "auth_data", None)
                                             and session.auth_data.login.decode(), list(envelope.mail_options)))
        if b.drop_after_data > 0:
            b.drop_after_data -= 1
            server.transport.abort()  # the message was taken; the client never gets the reply
            return "250 Message accepted"
        if b.stop_after is not None and len(self.server.received) >= b.stop_after:
            threading.Thread(target=self.server.stop, daemon=True).start()
        return "250 Message accepted"


def ledger_statuses(path: Path) -> list[str] | None:
    """The status of every message in a send ledger (None: no ledger file yet), read-only."""
    if not path.exists():
        return None
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("SELECT status FROM sends ORDER BY updated")]
    except sqlite3.OperationalError:  # the table is not made yet
        return []
    finally:
        db.close()


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    # handled=False: the server itself answers a refusal ("535 5.7.8 Authentication credentials invalid")
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    def __init__(self, folder: Path, port: int | None = None):
        self.ca = trustme.CA()
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(self.context)
        self.ca_file = folder / "clinic-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.port = port or free_port()
        self.received: list[Received] = []
        self.behaviour = Behaviour()
        #: (command, the statuses in the watched ledger when the server got it)
        self.ledger_seen: list[tuple[str, list[str] | None]] = []
        self.controller = None

    def start(self) -> "SMTPServer":
        self.controller = Controller(
            Handler(self), hostname="127.0.0.1", port=self.port, tls_context=self.context, require_starttls=True,
            authenticator=_authenticator, auth_require_tls=True, auth_exclude_mechanism=["CRAM-MD5"],
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            controller, self.controller = self.controller, None
            controller.stop()

    def config(self, folder: Path, extra: str = "") -> Path:
        """A handouts.toml for a clinic that sends through this server."""
        path = folder / "handouts.toml"
        path.write_text(
            "[clinic]\nname = \"Riverside Recovery Clinic\"\nphone = \"555-0100\"\n\n"
            "[handouts]\npaper = \"letter\"\n\n"  # not the machine's locale: no note about the paper
            f"[email]\nhost = \"127.0.0.1\"\nport = {self.port}\nsecurity = \"starttls\"\nusername = \"{USER}\"\n"
            f"sender = \"handouts@riverside.example\"\nca_file = \"{self.ca_file}\"\nbackoff = 0.05\nretries = 2\n"
            f"timeout = 5\n{extra}",
            encoding="utf-8")
        return path
