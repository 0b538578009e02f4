"""Emailing handouts: a localized message with the PDF attached, sent exactly once.

Modules: :mod:`.settings` (the relay's settings), :mod:`.addresses` (checking an address,
keeping addresses out of messages), :mod:`.message` (the message, an .eml file),
:mod:`.ledger` (the send ledger), :mod:`.smtp` (the relay and the retry policy).
:func:`email_handout` does it all for one handout (``handouts email``, the web page).

- The message: subject and body from ``templates/email/`` in the patient's language
  (made by :mod:`handouts.render.email`: a plain-text part, and an HTML part that carries
  the handout's whole text as headings and lists for a screen reader), the PDF attached
  under a clear localized file name, the clinic as the sender.
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from handouts.config import EmailSettings
from handouts.deliver.mail.addresses import AddressError, check_address, scrub
from handouts.deliver.mail.ledger import LEDGER_NAME, SendLedger, StateFolder, state_folder
from handouts.deliver.mail.message import Outgoing, compose, dry_run_folder, encrypt_pdf, message_key
from handouts.deliver.mail.settings import MailError, check_settings, settings_from
from handouts.deliver.mail.smtp import Relay, SendReport, send_all
from handouts.errors import UsageError
from handouts.handout import Request, Result, email_texts, make_handout

__all__ = ["AddressError", "EmailResult", "LEDGER_NAME", "SendLedger", "MailError", "Outgoing", "Relay", "SendReport",
           "StateFolder", "check_address", "check_settings", "compose", "dry_run_folder", "email_handout",
           "encrypt_pdf", "message_key", "scrub", "send_all", "settings_from", "state_folder"]


@dataclass(frozen=True)
class EmailResult:
    handout: Result  # the PDF as made (before any encryption), with its notes for standard error
    report: SendReport


def email_handout(request: Request, to: str, *, settings: EmailSettings, state: Path | None = None,
                  near: Path | None = None, dry_run: Path | None = None, insecure: bool = False,
                  resend: bool = False, pdf_password: str | None = None,
                  say: Callable[[str], None] = lambda line: None, now: _dt.datetime | None = None) -> EmailResult:
    """Make the handout and email it to ``to``, at most once (the ledger in ``state``, else
    ``email.state``, else ``.handouts-state`` in ``near``, the current folder by default).

    Everything that can be checked (the address, the relay's settings) is checked before the
    handout is made. ``say`` gets one line per message (never an address); the report says
    what happened (sent, already sent, deferred, failed, uncertain).
    """
    try:
        address = check_address(to, "--to")
    except AddressError as err:
        raise UsageError(err.message) from None
    check_settings(settings, insecure, dry_run is not None)
    result = make_handout(request)
    # a brand or a language's name resolved
    request = replace(request, drug=result.drug, lang=result.lang, paper=result.paper)
    texts = email_texts(request, encrypted=bool(pdf_password))
    key = message_key(address, result.drug, result.lang, result.pdf)
    msg = compose(to=address, pdf=result.pdf, texts=texts, settings=settings, key=key,
                  date=now or _dt.datetime.now(_dt.timezone.utc), pdf_password=pdf_password)
    item = Outgoing(key=key, to=address, message=msg, label=f"{result.drug} ({result.lang})")
    ledger = None if dry_run else SendLedger(state_folder(state, settings, near or Path.cwd()))
    try:
        report = send_all([item], settings, ledger, insecure=insecure, resend=resend, dry_run=dry_run,
                          drug_lang=lambda _i: (result.drug, result.lang), say=say)
    finally:
        if ledger:
            ledger.close()
    return EmailResult(result, report)
