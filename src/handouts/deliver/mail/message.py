"""The message: the patient's email with the PDF attached, built from texts already in the
patient's language (see :mod:`handouts.render.email`); and writing it as an .eml file."""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import os
import secrets
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

from handouts.config import EmailSettings
from handouts.deliver.mail.ledger import shown_path
from handouts.errors import OutputError


@dataclass(frozen=True)
class Outgoing:
    """One message to send: who, what, and the ledger key."""

    key: str
    to: str
    message: EmailMessage
    label: str  # "row 5" or "baclofen (es)": what log lines say instead of the address


def compose(*, to: str, pdf: bytes, texts, settings: EmailSettings, key: str, date: _dt.datetime,
            pdf_password: str | None = None) -> EmailMessage:
    """The message with the PDF attached (encrypted with ``pdf_password``, if given).

    ``texts``: the subject, the plain and HTML bodies and the attachment's name in the
    patient's language (:class:`handouts.render.email.EmailTexts`); ``date``: when it is sent.
    The same handout to the same person has the same Message-ID (from ``key``): a resent copy
    can be recognised.
    """
    if pdf_password:
        pdf = encrypt_pdf(pdf, pdf_password)
    msg = EmailMessage()
    msg["Subject"] = texts.subject
    msg["From"] = formataddr((settings.sender_name or "", settings.sender or ""))
    msg["To"] = to
    msg["Date"] = date.astimezone(_dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    msg["Message-ID"] = f"<{key[:32]}@handouts.invalid>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(texts.text, cte="quoted-printable")
    msg.add_alternative(texts.html, subtype="html", cte="quoted-printable")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=texts.attachment_name)
    msg["Content-Language"] = texts.lang  # after the parts: setting content clears Content-* headers
    return msg


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """AES-256 (PDF 2.0 security handler, R=6): opens only with the password."""
    import pikepdf  # (0.1 s to load: only for an encrypted attachment)

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


def dry_run_folder(folder: Path) -> None:
    """The --dry-run folder, made owner-only if missing; an :class:`OutputError` naming --dry-run if it
    cannot be (a command can call it before making anything)."""
    where = f"--dry-run {shown_path(folder)}"
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{where}: is a file, not a folder; give a folder for the .eml files (it is made if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as err:
        raise OutputError(f"{where}: cannot make the folder ({err.strerror}); "
                          "choose a folder you can write to") from None


def write_eml(folder: Path, name: str, data: bytes) -> None:
    """``folder/name``, owner-only, through a temporary file in the same folder that is renamed
    into place (and removed if anything fails)."""
    where = f"--dry-run {shown_path(folder)}"
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
