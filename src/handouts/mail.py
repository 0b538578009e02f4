"""Emailing handouts: a localized message with the PDF attached, sent exactly once.

- The message: subject and body from ``templates/email/`` in the patient's language (a
  plain-text part, and an HTML part that carries the handout's whole text as headings and
  lists for a screen reader), the PDF attached under a clear localized file name, the
  clinic as the sender.
- The relay: ``[email]`` in handouts.toml and ``HANDOUTS_SMTP_*`` variables; STARTTLS (the
  default) or implicit TLS, the server's certificate and host name always verified (a
  clinic's own certificate authority is trusted with ``email.ca_file``); the password only
  from an environment variable. Plain SMTP only with ``--insecure-smtp``, for a local relay.
- The ledger: every message is recorded in SQLite under a key of recipient, drug, language
  and the PDF's hash. A message is marked *sending* once the server has accepted its sender
  and recipient (MAIL FROM, RCPT TO), just before the message itself (DATA), and *sent* when
  the server accepts it, so a re-run never sends a handout twice. A failure before DATA (no
  connection, a certificate or login refused, a refused recipient) leaves nothing marked
  *sending*. The one window: a crash after the server's "250 accepted" and before the
  ledger's commit (a few milliseconds), or a connection lost after the whole message went
  out and before the server's reply. The next run then finds the message *sending*, does
  not send it again, and reports it as uncertain; ``--resend`` sends it again on purpose.
  The ledger's folder and file are never used through a symbolic link.
- Temporary failures (4xx replies, refused or dropped connections, time-outs) are retried
  with a growing pause, a bounded number of times, then reported *deferred* (the next run
  tries again); permanent ones (5xx) are *failed*, with the server's reply recorded.
- ``--dry-run DIR`` writes each message as an .eml file instead, and sends nothing.

No address, name or password is ever written to a log line, an error message or the ledger:
every address-shaped part of a server's reply is replaced by ``<address>``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import ssl
import time
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Callable

from handouts.config import Config, EmailSettings
from handouts.render.html import html_from_markup
from handouts.errors import HandoutsError, OutputError, UsageError, shown

LEDGER_NAME = "sent.sqlite3"


class MailError(HandoutsError):
    """The email settings or the relay cannot be used (for every message, not one)."""


class AddressError(UsageError):
    pass


# ------------------------------------------------------------------------------ settings

_ENV = {"host": "HANDOUTS_SMTP_HOST", "port": "HANDOUTS_SMTP_PORT", "security": "HANDOUTS_SMTP_SECURITY",
        "username": "HANDOUTS_SMTP_USERNAME", "sender": "HANDOUTS_SMTP_SENDER"}


def settings_from(config: Config, environ: dict[str, str] | None = None) -> EmailSettings:
    """The config's [email] table, with HANDOUTS_SMTP_* variables taking precedence."""
    env = os.environ if environ is None else environ
    s = config.email
    changes: dict = {}
    for key, var in _ENV.items():
        value = env.get(var)
        if not value:
            continue
        if key == "port":
            if not value.isdigit() or not 1 <= int(value) <= 65535:
                raise MailError(f"{var}: '{shown(value)}' is not a port number; use a number from 1 to 65535")
            changes[key] = int(value)
        elif key == "security":
            if value.lower() not in ("starttls", "tls", "none"):
                raise MailError(f"{var}: use starttls, tls or none, not '{shown(value)}'")
            changes[key] = value.lower()
        else:
            changes[key] = value
    s = replace(s, **changes)
    if not s.sender_name and config.clinic.name:
        s = replace(s, sender_name=config.clinic.name)
    return s


def check_settings(s: EmailSettings, insecure: bool, dry_run: bool) -> None:
    if not s.sender:
        raise MailError("no sender address: set email.sender in handouts.toml (or HANDOUTS_SMTP_SENDER)")
    check_address(s.sender, "email.sender")
    if dry_run:
        return
    if not s.host:
        raise MailError("no SMTP server: set email.host in handouts.toml (or HANDOUTS_SMTP_HOST)")
    if s.security == "none" and not insecure:
        raise MailError("email.security is none (plain, unencrypted SMTP): allowed only for a local relay, "
                        "with --insecure-smtp")
    if s.username and not os.environ.get(s.password_env):
        raise MailError(f"email.username is set but the password is not: set the environment variable "
                        f"{shown(s.password_env)} (never a flag or the config file)")


def check_address(address: str, field: str = "email") -> str:
    """A syntactically valid address (no DNS lookup), normalized; the error never repeats it."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        reason = str(err).replace(address.strip(), "the address")
        # the reason may quote a piece of the address (a domain label, an address literal): never shown
        local, _, domain = address.strip().rpartition("@")
        pieces = {local, domain, domain.strip("[]"), *domain.strip("[]").split(".")}
        for piece in sorted(pieces, key=len, reverse=True):
            if len(piece) >= 4:
                reason = reason.replace(piece, "...")
        reason = shown(scrub(reason), 200)
        raise AddressError(f"{field}: not a valid email address ({reason.rstrip('.')}); fix it") from None


# ------------------------------------------------------------------------------ composing

@dataclass(frozen=True)
class Outgoing:
    """One message to send: who, what, and the ledger key."""

    key: str
    to: str
    message: EmailMessage
    label: str  # "row 5" or "baclofen (es)": what log lines say instead of the address


def compose(*, to: str, pdf: bytes, prepared, drug: str, lang: str, settings: EmailSettings, config: Config,
            patient: str = "", encrypt_password: str | None = None, allow_fallback: bool = False,
            key: str) -> EmailMessage:
    """The localized message with the (optionally encrypted) PDF attached."""
    import html
    import re

    from markupsafe import Markup

    from handouts import i18n
    from handouts.i18n.catalog import translator_for
    from handouts.render import template_dirs
    from handouts.render.markup import environment

    lang_dirs = i18n.locales_dirs([p for p in [config.locales] if p])
    tr = translator_for(lang, lang_dirs, allow_fallback)
    env = environment(template_dirs())
    title = _first(prepared.markup, "title")
    subtitle = _first(prepared.markup, "subtitle")
    rtl = i18n.is_rtl(lang)  # (CLDR's text direction)
    common = dict(_translator=tr, lang=lang, direction="rtl" if rtl else "ltr", drug=title, patient=patient,
                  clinic=config.clinic.as_template_vars(), encrypted=bool(encrypt_password))
    subject = _text(env.get_template("email/subject.txt.j2").render(**common)).strip()
    text = _text(env.get_template("email/body.txt.j2").render(**common)).strip() + "\n"
    body_html = env.get_template("email/body.html.j2").render(
        subject=subject, handout_html=Markup(html_from_markup(prepared.markup)), **common)
    tr.check_complete("email")
    if encrypt_password:
        pdf = encrypt_pdf(pdf, encrypt_password)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr((settings.sender_name or "", settings.sender or ""))
    msg["To"] = to
    msg["Date"] = _dt.datetime.now(_dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    # the same handout to the same person has the same Message-ID: a resent copy can be recognised
    msg["Message-ID"] = f"<{key[:32]}@handouts.invalid>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(body_html, subtype="html", cte="quoted-printable")
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", f"{title} - {subtitle}").strip() or drug
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{name}.pdf")
    msg["Content-Language"] = lang  # after the parts: setting content clears Content-* headers
    return msg


def _text(rendered: str) -> str:
    """A text template's output: the environment escapes for markup; plain text must not be."""
    import html
    import re

    rendered = re.sub(r"<en>(.*?)</en>", r"[EN] \1", rendered, flags=re.S)
    return html.unescape(rendered)


def _first(markup: str, tag: str) -> str:
    import xml.etree.ElementTree as ET

    el = ET.fromstring(markup).find(tag)
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """AES-256 (PDF 2.0 security handler, R=6): opens only with the password."""
    import io

    import pikepdf

    src = pikepdf.open(io.BytesIO(pdf))
    out = io.BytesIO()
    # the owner password is random and thrown away: nobody can lift the protection
    src.save(out, encryption=pikepdf.Encryption(user=password, owner=secrets.token_urlsafe(24), R=6))
    return out.getvalue()


def message_key(to: str, drug: str, lang: str, pdf: bytes) -> str:
    """Recipient, drug, language and the handout's content: the same handout to the same person."""
    h = hashlib.sha256()
    for part in (to.lower(), drug, lang, hashlib.sha256(pdf).hexdigest()):
        h.update(part.encode() + b"\x00")
    return h.hexdigest()


# ------------------------------------------------------------------------------ the ledger

def _shown_path(path: Path) -> str:
    """A path for a message: relative to the current folder when it is inside it, escaped, cut."""
    text = str(path)
    if path.is_absolute():
        try:
            text = str(path.relative_to(Path.cwd()))
        except ValueError:
            pass
    return shown(text)


class StateFolder(type(Path())):
    """The ledger's folder, remembering where it was chosen (``--state``, ``email.state`` or the
    default) so that an error about it names that place."""

    origin = "default"


def _ledger_place(folder: Path) -> tuple[str, str]:
    """How an error names the ledger's folder, and how to choose another one."""
    origin = getattr(folder, "origin", "--state")
    where = _shown_path(folder)
    if origin == "--state":
        return f"--state {where}", "choose another folder with --state"
    if origin == "email.state":
        return f"email.state {where}", "set email.state (or --state) to another folder"
    return f"the send ledger's folder {where} (the default)", "choose another folder with --state"


#: files SQLite keeps beside the ledger
_LEDGER_COMPANIONS = ("-wal", "-shm", "-journal")


class Ledger:
    """Who was sent what, in SQLite (``<state>/sent.sqlite3``); addresses kept only as keyed hashes.

    The folder is made owner-only if missing. Neither the folder nor the ledger file (nor the
    journal files beside it) may be a symbolic link: the ledger is never opened through one.
    Anything that keeps the ledger from being used is an :class:`OutputError` that names the
    folder's option and path.
    """

    def __init__(self, folder: Path):
        where, fix = _ledger_place(folder)
        link = "is a symbolic link, and the send ledger is never opened through a link"
        if folder.is_symlink():
            raise OutputError(f"{where}: {link}; {fix}")
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{where}: is a file, not a folder; move the file away, or {fix}")
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as err:
            raise OutputError(f"{where}: cannot make the folder ({err.strerror}); {fix}") from None
        self.path = folder / LEDGER_NAME
        for path in [self.path] + [self.path.with_name(LEDGER_NAME + c) for c in _LEDGER_COMPANIONS]:
            if path.is_symlink():
                raise OutputError(f"{where}: {path.name} {link}; put the ledger file itself there, or {fix}")
        if self.path.exists() and not self.path.is_file():
            raise OutputError(f"{where}: {LEDGER_NAME} is not a file; move it away, or {fix}")
        made = not self.path.exists()
        try:
            # made here, owner-only, without following a link; SQLite gives its journal files the same mode
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600, follow_symlinks=False)
        except OSError as err:
            raise OutputError(f"{where}: cannot write {LEDGER_NAME} ({err.strerror}); {fix}") from None
        self.db = None
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("""CREATE TABLE IF NOT EXISTS sends (
                key TEXT PRIMARY KEY, drug TEXT, lang TEXT, status TEXT, attempts INTEGER,
                reply TEXT, message_id TEXT, updated TEXT)""")
            row = self.db.execute("SELECT value FROM meta WHERE name='salt'").fetchone()
            if row is None:
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
                row = self.db.execute("SELECT value FROM meta WHERE name='salt'").fetchone()
            self._salt = bytes.fromhex(row[0])
        except sqlite3.Error as err:
            if self.db is not None:
                self.db.close()
            if made:  # an empty file made just now: not left behind
                for path in [self.path] + [self.path.with_name(LEDGER_NAME + c) for c in _LEDGER_COMPANIONS]:
                    try:
                        path.unlink()
                    except OSError:
                        pass
            reason = shown(str(err))
            if "locked" in reason or "busy" in reason:
                raise OutputError(f"{where}: the send ledger is in use by another run ({reason}); wait for it "
                                  "to finish, then run again") from None
            if isinstance(err, sqlite3.DatabaseError) and "not a database" in reason:
                raise OutputError(f"{where}: {LEDGER_NAME} is not a send ledger ({reason}); move it away, "
                                  f"or {fix}") from None
            raise OutputError(f"{where}: cannot use {LEDGER_NAME} ({reason}); {fix}") from None

    def id_for(self, key: str) -> str:
        return hmac.new(self._salt, key.encode(), hashlib.sha256).hexdigest()

    def status(self, key: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT status, updated FROM sends WHERE key=?", (self.id_for(key),)).fetchone()
        return (row[0], row[1]) if row else None

    def mark(self, key: str, status: str, *, drug: str, lang: str, reply: str = "", attempts: int = 0,
             message_id: str = "") -> None:
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.db.execute(
            "INSERT INTO sends VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET status=excluded.status, "
            "attempts=sends.attempts+excluded.attempts, reply=excluded.reply, message_id=excluded.message_id, "
            "updated=excluded.updated",
            (self.id_for(key), drug, lang, status, attempts, reply[:500], message_id, now))

    def close(self) -> None:
        self.db.close()


# ------------------------------------------------------------------------------ sending

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
    import copy
    import io
    from email.generator import BytesGenerator

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
        import smtplib

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
        import smtplib

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
        import smtplib

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


#: a domain: an [address literal], or a name that starts with neither "-" nor "." ("the @-sign" is no address)
_DOMAIN = r"""(?:\[[^\]\s]*\]|[^\s<>()\[\]@,;:"\\.-][^\s<>()\[\]@,;:"\\]*)"""
#: anything shaped like an address, angle brackets included: a local part (plain or quoted), "@"
#: and a domain, or either side alone with its "@"
_ADDRESS = re.compile(rf"""<?(?:(?:"[^"]*"|[^\s<>()\[\]@,;:"\\]+)@{_DOMAIN}?|@{_DOMAIN})>?""")


def scrub(text: str, to: str = "") -> str:
    """A server's reply with every address-shaped part, and the recipient's local part as a
    word of its own (three characters or more), replaced by ``<address>``."""
    text = _ADDRESS.sub("<address>", text)
    local = to.rpartition("@")[0]
    if len(local) >= 3:
        text = re.sub(rf"(?<![\w.+-]){re.escape(local)}(?![\w+-]|\.\w)", "<address>", text, flags=re.I)
    return text


def _reply(text, to: str = "") -> str:
    """A server's reply as one scrubbed line, at most 300 characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return shown(scrub(" ".join(str(text).split()), to), 300)


@dataclass
class Report:
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


def deliver(items: list[Outgoing], settings: EmailSettings, ledger: Ledger | None, *, insecure: bool = False,
            resend: bool = False, dry_run: Path | None = None, drug_lang: Callable[[Outgoing], tuple[str, str]],
            say: Callable[[str], None] = lambda line: None, sleep: Callable[[float], None] = time.sleep) -> Report:
    """Send (or, with ``dry_run``, write as .eml files) each message at most once."""
    report = Report([], [], {}, {}, [])
    if dry_run is not None:
        report.dry_run = True
        dry_run_folder(dry_run)
        for item in items:
            name = item.label.replace(" ", "-").replace("(", "").replace(")", "") + ".eml"
            _write_eml(dry_run, name, item.message.as_bytes())
            report.written.append(item.label)
            say(f"{item.label}: written to {_shown_path(dry_run / name)}")
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


def dry_run_folder(folder: Path) -> None:
    """The --dry-run folder, made owner-only if missing; an :class:`OutputError` naming --dry-run if it
    cannot be (a command can call it before making anything)."""
    where = f"--dry-run {_shown_path(folder)}"
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{where}: is a file, not a folder; give a folder for the .eml files (it is made if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as err:
        raise OutputError(f"{where}: cannot make the folder ({err.strerror}); "
                          "choose a folder you can write to") from None


def _write_eml(folder: Path, name: str, data: bytes) -> None:
    """``folder/name``, owner-only, through a temporary file in the same folder that is renamed
    into place (and removed if anything fails)."""
    import tempfile

    where = f"--dry-run {_shown_path(folder)}"
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
    except OSError as err:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise OutputError(f"{where}: cannot write {name} ({err.strerror}); choose a folder you can write to") from None


def state_folder(explicit: Path | None, settings: EmailSettings, near: Path) -> Path:
    """--state, else email.state, else a folder next to the output (a :class:`StateFolder` that
    remembers which, for the ledger's errors)."""
    if explicit:
        folder, origin = StateFolder(explicit), "--state"
    elif settings.state:
        folder, origin = StateFolder(settings.state), "email.state"
    else:
        folder, origin = StateFolder(near / ".handouts-state"), "default"
    folder.origin = origin
    return folder
