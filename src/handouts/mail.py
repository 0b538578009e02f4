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
  and the PDF's hash. A message is marked *sending* before it goes to the server and *sent*
  when the server accepts it, so a re-run never sends a handout twice. The one window: a
  crash after the server's "250 accepted" and before the ledger's commit (a few
  milliseconds). The next run then finds the message *sending*, does not send it again, and
  reports it as uncertain; ``--resend`` sends it again on purpose.
- Temporary failures (4xx replies, refused or dropped connections, time-outs) are retried
  with a growing pause, a bounded number of times, then reported *deferred* (the next run
  tries again); permanent ones (5xx) are *failed*, with the server's reply recorded.

No address, name or password is ever written to a log line or an error message.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import secrets
import sqlite3
import ssl
import time
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Callable

from handouts.config import Config, EmailSettings
from handouts.errors import HandoutsError, UsageError

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
                raise MailError(f"{var}: '{value}' is not a port number")
            changes[key] = int(value)
        elif key == "security":
            if value.lower() not in ("starttls", "tls", "none"):
                raise MailError(f"{var}: use starttls, tls or none, not '{value}'")
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
                        f"{s.password_env} (never a flag or the config file)")


def check_address(address: str, field: str = "email") -> str:
    """A syntactically valid address (no DNS lookup), normalized; the error never repeats it."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        reason = str(err).replace(address.strip(), "the address")
        raise AddressError(f"{field}: not a valid email address ({reason.rstrip('.')}); fix it") from None


# ------------------------------------------------------------------------------ composing

def markup_to_html(markup: str) -> str:
    """The handout's markup as plain accessible HTML: headings, paragraphs and lists."""
    import xml.etree.ElementTree as ET
    from html import escape

    root = ET.fromstring(markup)
    out: list[str] = []

    def inline(el) -> str:
        parts = [escape(el.text or "")]
        for child in el:
            inner = inline(child)
            if child.tag == "b":
                parts.append(f"<strong>{inner}</strong>")
            elif child.tag == "en":
                parts.append(f'<span lang="en">[EN] {inner}</span>')
            elif child.tag == "br":
                parts.append("<br>")
            else:
                parts.append(inner)
            parts.append(escape(child.tail or ""))
        return "".join(parts).strip()

    def block(el, level: int) -> None:
        tag = el.tag
        if tag in ("footer", "letterhead", "qr") and tag != "qr":
            return
        if tag == "title":
            out.append(f"<h1>{inline(el)}</h1>")
        elif tag in ("subtitle", "meta", "notice", "p"):
            out.append(f"<p>{inline(el)}</p>")
        elif tag in ("section", "warning", "keypoints", "sources", "dose"):
            out.append(f"<h{level}>{escape(el.get('title', ''))}</h{level}>")
            items = [c for c in el if c.tag in ("li", "source")]
            if items:
                out.append("<ul>" + "".join(f"<li>{inline(c)}</li>" for c in items) + "</ul>")
            for child in el:
                if child.tag not in ("li", "source"):
                    block(child, level + 1)
        elif tag == "h2":
            out.append(f"<h{level}>{inline(el)}</h{level}>")
        elif tag == "ul":
            out.append("<ul>" + "".join(f"<li>{inline(li)}</li>" for li in el) + "</ul>")
        elif tag == "questions":
            out.append("<ol>" + "".join(f"<li>{inline(q)}</li>" for q in el) + "</ol>")
        elif tag in ("group", "qr"):
            for child in el:
                block(child, level)
        elif tag == "url":
            href = escape(el.get("href", ""))
            out.append(f'<p><a href="{href}">{href}</a></p>')
        elif tag == "chart":
            rows = [inline(r) for r in el.findall("row")]
            amount = el.find("amount")
            amount_text = inline(amount) if amount is not None else ""
            out.append("<table><tr><th>" + escape(el.get("time", "")) + "</th><th>" + escape(el.get("amount", ""))
                       + "</th></tr>" + "".join(f"<tr><td>{r}</td><td>{amount_text}</td></tr>" for r in rows)
                       + "</table>")

    for el in root:
        if el.tag in ("footer", "letterhead"):
            continue
        block(el, 2)
    return "\n".join(out)


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
    rtl = lang.split("-")[0] in ("ar", "fa", "he", "ur")
    common = dict(_translator=tr, lang=lang, direction="rtl" if rtl else "ltr", drug=title, patient=patient,
                  clinic=config.clinic.as_template_vars(), encrypted=bool(encrypt_password))
    subject = _text(env.get_template("email/subject.txt.j2").render(**common)).strip()
    text = _text(env.get_template("email/body.txt.j2").render(**common)).strip() + "\n"
    body_html = env.get_template("email/body.html.j2").render(
        subject=subject, handout_html=Markup(markup_to_html(prepared.markup)), **common)
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

class Ledger:
    """Who was sent what, in SQLite (``<state>/sent.sqlite3``); addresses kept only as keyed hashes."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = folder / LEDGER_NAME
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        os.chmod(self.path, 0o600)
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


class Relay:
    """One SMTP connection, opened on first use and again after a failure."""

    def __init__(self, s: EmailSettings, insecure: bool = False):
        self.s = s
        self.insecure = insecure
        self.conn = None

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if self.s.ca_file:
            ctx.load_verify_locations(cafile=str(self.s.ca_file))
        return ctx  # certificate and host name verified, always

    def _open(self):
        import smtplib

        s = self.s
        port = s.resolved_port()
        try:
            if s.security == "tls":
                conn = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout, context=self._context())
            else:
                conn = smtplib.SMTP(s.host, port, timeout=s.timeout)
                conn.ehlo()
                if s.security == "starttls":
                    if not conn.has_extn("starttls"):
                        conn.close()
                        raise MailError(f"the SMTP server {s.host}:{port} does not offer STARTTLS; "
                                        "set email.security = \"tls\" if it uses implicit TLS")
                    conn.starttls(context=self._context())
                    conn.ehlo()
            if s.username:
                conn.login(s.username, os.environ.get(s.password_env, ""))
        except ssl.SSLCertVerificationError as err:
            raise MailError(f"the SMTP server {s.host}:{port} failed the certificate check ({err.verify_message}); "
                            "if the clinic's relay uses its own certificate authority, set email.ca_file") from None
        except smtplib.SMTPAuthenticationError as err:
            raise MailError(f"the SMTP server {s.host}:{port} refused the login ({err.smtp_code}); "
                            f"check email.username and {s.password_env}") from None
        except smtplib.SMTPResponseException as err:
            reply = f"{err.smtp_code} {_reply(err.smtp_error)}"
            if 400 <= err.smtp_code < 500:
                raise _Temporary(reply) from None
            raise MailError(f"the SMTP server {s.host}:{port} refused the session: {reply}") from None
        except (OSError, smtplib.SMTPException) as err:
            raise _Temporary(f"cannot reach {s.host}:{port}: {err.__class__.__name__}") from None
        self.conn = conn

    def send(self, msg: EmailMessage, to: str) -> str:
        import smtplib

        if self.conn is None:
            self._open()
        try:
            refused = self.conn.send_message(msg, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as err:
            code, text = next(iter(err.recipients.values()))
            self._drop()
            reply = f"{code} {_reply(text)}"
            raise (_Temporary if 400 <= code < 500 else _Permanent)(reply) from None
        except smtplib.SMTPResponseException as err:
            self._drop()
            reply = f"{err.smtp_code} {_reply(err.smtp_error)}"
            raise (_Temporary if 400 <= err.smtp_code < 500 else _Permanent)(reply) from None
        except (OSError, smtplib.SMTPException) as err:
            self._drop()
            raise _Temporary(f"connection lost: {err.__class__.__name__}") from None
        if refused:
            code, text = next(iter(refused.values()))
            raise _Permanent(f"{code} {_reply(text)}")
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


def _reply(text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split())[:300]


@dataclass
class Report:
    sent: list[str]
    already: list[str]
    deferred: dict[str, str]
    failed: dict[str, str]
    uncertain: list[str]

    def summary(self) -> str:
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
        from handouts.output import write_atomic

        dry_run.mkdir(parents=True, exist_ok=True, mode=0o700)
        for item in items:
            name = item.label.replace(" ", "-").replace("(", "").replace(")", "")
            write_atomic(dry_run / f"{name}.eml", item.message.as_bytes(), 0o600)
            report.sent.append(item.label)
            say(f"{item.label}: written to {dry_run / (name + '.eml')}")
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
                if ledger:
                    ledger.mark(item.key, "sending", drug=drug, lang=lang, attempts=1,
                                message_id=item.message["Message-ID"])
                try:
                    reply = relay.send(item.message, item.to)
                except _Temporary as err:
                    if attempt <= settings.retries:
                        if ledger:
                            ledger.mark(item.key, "deferred", drug=drug, lang=lang, reply=err.reply)
                        sleep(settings.backoff * 2 ** (attempt - 1))
                        continue
                    report.deferred[item.label] = err.reply
                    if ledger:
                        ledger.mark(item.key, "deferred", drug=drug, lang=lang, reply=err.reply)
                    say(f"{item.label}: deferred after {attempt} tries: {err.reply}; run again later")
                    break
                except _Permanent as err:
                    report.failed[item.label] = err.reply
                    if ledger:
                        ledger.mark(item.key, "failed", drug=drug, lang=lang, reply=err.reply)
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


def state_folder(explicit: Path | None, settings: EmailSettings, near: Path) -> Path:
    """--state, else email.state, else a folder next to the output."""
    return explicit or settings.state or near / ".handouts-state"
