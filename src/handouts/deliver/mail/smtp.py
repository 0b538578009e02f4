"""Sending: the SMTP relay, and the loop that sends each message at most once, with its
retry policy (temporary failures retried with a growing pause, then deferred)."""

from __future__ import annotations

import copy
import io
import os
import re
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from handouts.config import EmailSettings
from handouts.deliver.mail.addresses import scrub
from handouts.deliver.mail.ledger import SendLedger, shown_path
from handouts.deliver.mail.message import Outgoing, dry_run_folder, write_eml
from handouts.deliver.mail.settings import MailError
from handouts.errors import shown


class _Temporary(Exception):
    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


class _Permanent(Exception):
    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


class _InDoubt(Exception):
    """The whole message went out and the connection failed before the server's reply: it may
    have been delivered."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _refusal(code: int, text, to: str = "") -> Exception:
    """A server's refusal of one message: temporary (4xx) or permanent (5xx), its reply scrubbed."""
    reply = f"{code} {_reply(text, to)}"
    return (_Temporary if 400 <= code < 500 else _Permanent)(reply)


def flatten(msg: EmailMessage, envelope_addresses: list[str], smtputf8: bool) -> tuple[bytes, bool]:
    """The message's bytes for DATA, as ``smtplib.SMTP.send_message`` makes them: no Bcc, CRLF line
    ends, the message's policy (with utf8 when an envelope address is not ASCII and the server
    offers SMTPUTF8). Also whether SMTPUTF8 is needed; without the server's support, a
    :class:`_Permanent` refusal of this message."""
    international = not all(a.isascii() for a in envelope_addresses)
    if international and not smtputf8:
        raise _Permanent("the address is not plain ASCII and the server does not offer SMTPUTF8 "
                         "(internationalized email)")
    copied = copy.copy(msg)
    del copied["Bcc"]
    del copied["Resent-Bcc"]
    with io.BytesIO() as out:
        generator = BytesGenerator(out, policy=msg.policy.clone(utf8=True)) if international else BytesGenerator(out)
        generator.flatten(copied, linesep="\r\n")
        return out.getvalue(), international


class Relay:
    """One SMTP connection, opened on first use and again after a failure."""

    def __init__(self, s: EmailSettings, insecure: bool = False):
        self.s = s
        self.insecure = insecure
        self.conn = None

    def _server(self) -> str:
        """host:port for a message (the host as configured, escaped)."""
        return f"{shown(self.s.host)}:{self.s.resolved_port()}"

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if self.s.ca_file:
            ctx.load_verify_locations(cafile=str(self.s.ca_file))
        return ctx  # certificate and host name verified, always

    def _open(self):
        s = self.s
        port = s.resolved_port()
        server = self._server()
        password = os.environ.get(s.password_env, "") if s.username else ""
        if not (s.username or "").isascii() or not password.isascii():
            # smtplib sends AUTH PLAIN and LOGIN as ASCII only
            raise MailError(f"email.username or the password in {shown(s.password_env)} has a character that is not "
                            "plain ASCII, which the SMTP login cannot carry; use an ASCII user name and password "
                            "for the relay")
        try:
            if s.security == "tls":
                conn = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout, context=self._context())
            else:
                conn = smtplib.SMTP(s.host, port, timeout=s.timeout)
                conn.ehlo()
                if s.security == "starttls":
                    if not conn.has_extn("starttls"):
                        conn.close()
                        raise MailError(f"the SMTP server {server} does not offer STARTTLS; "
                                        "set email.security = \"tls\" if it uses implicit TLS")
                    conn.starttls(context=self._context())
                    conn.ehlo()
            if s.username:
                conn.login(s.username, password)
        except ssl.SSLCertVerificationError as err:
            raise MailError(f"the SMTP server {server} failed the certificate check "
                            f"({_reply(err.verify_message)}); "
                            "if the clinic's relay uses its own certificate authority, set email.ca_file") from None
        except smtplib.SMTPAuthenticationError as err:
            raise MailError(f"the SMTP server {server} refused the login ({err.smtp_code}); "
                            f"check email.username and {shown(s.password_env)}") from None
        except smtplib.SMTPResponseException as err:
            reply = f"{err.smtp_code} {_reply(err.smtp_error)}"
            if 400 <= err.smtp_code < 500:
                raise _Temporary(reply) from None
            raise MailError(f"the SMTP server {server} refused the session: {reply}") from None
        except (OSError, smtplib.SMTPException) as err:
            raise _Temporary(f"cannot reach {server}: {err.__class__.__name__}") from None
        self.conn = conn

    def send(self, msg: EmailMessage, to: str, before_data: Callable[[], None] = lambda: None) -> str:
        """One message, in steps: MAIL FROM, RCPT TO, then ``before_data()`` (the ledger's
        *sending*), then DATA. Until DATA has carried the whole message, a failure means it was
        not sent (:class:`_Temporary`, :class:`_Permanent`, or :class:`MailError` for the
        relay's settings); after that and before the server's reply, :class:`_InDoubt`."""
        if self.conn is None:
            self._open()
        conn = self.conn
        try:
            conn.ehlo_or_helo_if_needed()
            data, international = flatten(msg, [self.s.sender or "", to], conn.has_extn("smtputf8"))
            options = []
            if conn.does_esmtp:
                if conn.has_extn("size"):
                    options.append(f"size={len(data)}")
                if international:
                    options += ["SMTPUTF8", "BODY=8BITMIME"]
            code, text = conn.mail(self.s.sender or "", options)
            if code != 250:
                if code == 552 or 400 <= code < 500:  # 552: this message is too big; 4xx: later
                    raise _refusal(code, text, to)
                raise MailError(f"the SMTP server {self._server()} refused the sender ({code} {_reply(text, to)}); "
                                "check email.sender and email.username")
            code, text = conn.rcpt(to, [])
            if code not in (250, 251):
                raise _refusal(code, text, to)
            before_data()
            # DATA in its two halves (what smtplib.SMTP.data does), to tell "not sent" from "in doubt"
            code, text = conn.docmd("data")
            if code != 354:
                raise _refusal(code, text, to)
            conn.send(_dot_stuffed(data))
        except (_Temporary, _Permanent, MailError):
            self._drop()
            raise
        except smtplib.SMTPResponseException as err:
            self._drop()
            raise _refusal(err.smtp_code, err.smtp_error, to) from None
        except (OSError, smtplib.SMTPException) as err:
            self._drop()
            raise _Temporary(f"connection lost: {err.__class__.__name__}") from None
        try:
            code, text = conn.getreply()
        except (OSError, smtplib.SMTPException) as err:
            self._drop()
            raise _InDoubt(err.__class__.__name__) from None
        if code != 250:
            self._drop()
            raise _refusal(code, text, to)
        return "250 accepted"

    def _drop(self) -> None:
        try:
            if self.conn is not None:
                self.conn.close()
        except Exception:
            pass
        self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.conn = None


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: a leading dot doubled, ended by CRLF "." CRLF."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _reply(text, to: str = "") -> str:
    """A server's reply as one scrubbed line, at most 300 characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return shown(scrub(" ".join(str(text).split()), to), 300)


@dataclass
class SendReport:
    sent: list[str]
    already: list[str]
    deferred: dict[str, str]
    failed: dict[str, str]
    uncertain: list[str]
    written: list[str] = field(default_factory=list)  # --dry-run: written as .eml files
    dry_run: bool = False

    def summary(self) -> str:
        if self.dry_run:
            return f"email: written {len(self.written)} (.eml)"
        parts = [f"sent {len(self.sent)}", f"already sent {len(self.already)}", f"deferred {len(self.deferred)}",
                 f"failed {len(self.failed)}"]
        if self.uncertain:
            parts.append(f"uncertain {len(self.uncertain)}")
        return "email: " + ", ".join(parts)

    @property
    def ok(self) -> bool:
        return not (self.deferred or self.failed or self.uncertain)


def send_all(items: list[Outgoing], settings: EmailSettings, ledger: SendLedger | None, *, insecure: bool = False,
            resend: bool = False, dry_run: Path | None = None, drug_lang: Callable[[Outgoing], tuple[str, str]],
            say: Callable[[str], None] = lambda line: None, sleep: Callable[[float], None] = time.sleep) -> SendReport:
    """Send (or, with ``dry_run``, write as .eml files) each message at most once."""
    report = SendReport([], [], {}, {}, [])
    if dry_run is not None:
        report.dry_run = True
        dry_run_folder(dry_run)
        for item in items:
            name = item.label.replace(" ", "-").replace("(", "").replace(")", "") + ".eml"
            write_eml(dry_run, name, item.message.as_bytes())
            report.written.append(item.label)
            say(f"{item.label}: written to {shown_path(dry_run / name)}")
        return report
    relay = Relay(settings, insecure)
    interval = 60.0 / settings.rate if settings.rate else 0.0
    last = 0.0
    try:
        for item in items:
            drug, lang = drug_lang(item)
            state = ledger.status(item.key) if ledger else None
            if state and not resend:
                if state[0] == "sent":
                    report.already.append(item.label)
                    say(f"{item.label}: already sent ({state[1]}); --resend to send it again")
                    continue
                if state[0] == "failed":
                    report.failed[item.label] = "refused before"
                    say(f"{item.label}: the server refused it before ({state[1]}); fix the address, or --resend")
                    continue
                if state[0] == "sending":
                    report.uncertain.append(item.label)
                    say(f"{item.label}: may have been sent before an interruption at {state[1]}; "
                        "check with the patient, then --resend to send it again")
                    continue
            attempt = 0
            while True:
                if interval:
                    wait = last + interval - time.monotonic()
                    if wait > 0:
                        sleep(wait)
                    last = time.monotonic()
                attempt += 1
                marked = False

                def mark_sending() -> None:
                    # the server took the sender and the recipient: the message itself goes next
                    nonlocal marked
                    if ledger:
                        ledger.mark(item.key, "sending", drug=drug, lang=lang, attempts=1,
                                    message_id=item.message["Message-ID"])
                    marked = True

                try:
                    reply = relay.send(item.message, item.to, before_data=mark_sending)
                except _InDoubt:
                    report.uncertain.append(item.label)  # the ledger keeps it *sending*: never sent again
                    say(f"{item.label}: the connection closed before the server answered; it may have been "
                        "delivered: check with the patient, then --resend to send it again")
                    break
                except _Temporary as err:
                    if ledger:  # an attempt that ended before DATA was not counted by mark_sending
                        ledger.mark(item.key, "deferred", drug=drug, lang=lang, reply=err.reply,
                                    attempts=0 if marked else 1)
                    if attempt <= settings.retries:
                        sleep(settings.backoff * 2 ** (attempt - 1))
                        continue
                    report.deferred[item.label] = err.reply
                    say(f"{item.label}: deferred after {attempt} tries: {err.reply}; run again later")
                    break
                except _Permanent as err:
                    report.failed[item.label] = err.reply
                    if ledger:
                        ledger.mark(item.key, "failed", drug=drug, lang=lang, reply=err.reply,
                                    attempts=0 if marked else 1)
                    say(f"{item.label}: failed: the server said {err.reply}")
                    break
                if os.environ.get("HANDOUTS_TEST_CRASH_AFTER_SEND"):
                    os._exit(70)  # tests: a crash inside the documented window
                if ledger:
                    ledger.mark(item.key, "sent", drug=drug, lang=lang, reply=reply)
                report.sent.append(item.label)
                say(f"{item.label}: sent")
                break
    finally:
        relay.close()
    return report
