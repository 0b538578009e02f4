"""Emailing handouts through a real SMTP server on 127.0.0.1 (STARTTLS, AUTH): what it
received, exactly once, with retries, refusals, a server that goes away, a lost reply and a
crash; what the send ledger said while the server was being spoken to."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pikepdf
import pytest
from conftest import flat
from smtp_server import PASSWORD, SMTPServer, ledger_statuses

ENV = {"HANDOUTS_SMTP_PASSWORD": PASSWORD}
SUMMARY_SENT_1 = "email: sent 1, already sent 0, deferred 0, failed 0"


def _ledger(folder: Path) -> Path:
    return folder / ".handouts-state" / "sent.sqlite3"


def _state_bytes(folder: Path) -> bytes:
    """Every byte of the send ledger's folder (the database and any journal beside it)."""
    state = folder / ".handouts-state"
    return b"".join(p.read_bytes() for p in sorted(state.iterdir()) if p.is_file())


@pytest.fixture
def smtp(tmp_path):
    server = SMTPServer(tmp_path).start()
    yield server
    server.stop()


def _parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = msg.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")
    attachments = list(msg.iter_attachments())
    return text, html, attachments


def test_a_handout_reaches_the_patient_over_starttls_with_auth(cli, tmp_path, smtp):
    cfg = smtp.config(tmp_path)
    r = cli("email", "--drug", "baclofen", "--lang", "es", "--to", "ana@example.org", "--patient", "Ana García",
            "--config", str(cfg), env=ENV)
    assert r.code == 0, r
    assert r.out.strip().splitlines()[-1] == "email: sent 1, already sent 0, deferred 0, failed 0"
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.tls and got.user == "clinic"  # encrypted, authenticated
    assert got.rcpt_tos == ["ana@example.org"] and got.mail_from == "handouts@riverside.example"
    msg = got.message
    assert msg["To"] == "ana@example.org"
    assert msg["From"] == "Riverside Recovery Clinic <handouts@riverside.example>"
    assert msg["Subject"] == "Baclofeno: información sobre su medicamento"
    assert msg["Content-Language"] == "es"
    text, html, attachments = _parts(msg)
    assert text.startswith("Hola, Ana García:\n\nLe enviamos adjunta, en un archivo PDF, la hoja de información sobre Baclofeno.")
    assert "Si tiene preguntas, llame al 555-0100." in text
    # the HTML part carries the handout's text as headings and lists, in the language
    assert '<html lang="es" dir="ltr">' in html and "<h1>Baclofeno</h1>" in html
    assert "<h2>Información más importante</h2>" in html and "<ul><li>" in html
    assert "No deje de tomar el baclofeno de repente." in flat(html)
    # the attachment is the very PDF `handouts make` makes for the same request
    (att,) = attachments
    assert att.get_filename() == "Baclofeno - Información para el paciente.pdf"
    made = cli("make", "--drug", "baclofen", "--lang", "es", "--patient", "Ana García", "--config", str(cfg),
               "--out", "same.pdf")
    assert made.code == 0
    assert att.get_content() == (tmp_path / "same.pdf").read_bytes()


def test_a_rerun_never_sends_twice_and_resend_is_explicit(cli, tmp_path, smtp):
    cfg = smtp.config(tmp_path)
    args = ("email", "--drug", "lamotrigine", "--lang", "en", "--to", "bo@example.org", "--config", str(cfg))
    assert cli(*args, env=ENV).code == 0
    again = cli(*args, env=ENV)
    assert again.code == 0
    assert "already sent" in again.out and again.out.strip().endswith("sent 0, already sent 1, deferred 0, failed 0")
    assert len(smtp.received) == 1
    assert cli(*args, "--resend", env=ENV).code == 0
    assert len(smtp.received) == 2


def test_a_temporary_refusal_is_retried_and_sent_once(cli, tmp_path, smtp):
    smtp.behaviour.temporary_failures = 1
    r = cli("email", "--drug", "baclofen", "--to", "cy@example.org", "--config", str(smtp.config(tmp_path)), env=ENV)
    assert r.code == 0, r
    assert len(smtp.received) == 1
    db = sqlite3.connect(tmp_path / ".handouts-state" / "sent.sqlite3")
    (status, attempts), = db.execute("SELECT status, attempts FROM sends").fetchall()
    assert status == "sent" and attempts == 2


def test_a_permanent_refusal_is_recorded_with_the_reply(cli, tmp_path, smtp):
    smtp.behaviour.refuse.add("gone@example.org")
    smtp.behaviour.watch = _ledger(tmp_path)
    r = cli("email", "--drug", "baclofen", "--to", "gone@example.org", "--config", str(smtp.config(tmp_path)), env=ENV)
    assert r.code == 1
    assert "failed: the server said 550 5.1.1 No such user here" in r.out
    assert r.out.strip().endswith("sent 0, already sent 0, deferred 0, failed 1")
    # when the server refused the recipient, the ledger had nothing marked sending
    assert smtp.ledger_seen == [("RCPT", [])]
    db = sqlite3.connect(_ledger(tmp_path))
    assert db.execute("SELECT status, reply, attempts FROM sends").fetchall() == [
        ("failed", "550 5.1.1 No such user here", 1)]


def test_the_ledger_says_sending_only_once_the_envelope_is_accepted(cli, tmp_path, smtp):
    smtp.behaviour.watch = _ledger(tmp_path)
    r = cli("email", "--drug", "baclofen", "--to", "ivy@example.org", "--config", str(smtp.config(tmp_path)), env=ENV)
    assert r.code == 0, r
    # RCPT TO: nothing yet; the message itself (DATA): marked sending; afterwards: sent
    assert smtp.ledger_seen == [("RCPT", []), ("DATA", ["sending"])]
    assert ledger_statuses(_ledger(tmp_path)) == ["sent"]


def test_a_reply_lost_after_the_message_is_uncertain_and_never_sent_again(cli, tmp_path, smtp):
    smtp.behaviour.drop_after_data = 1  # the server takes the message and closes without a reply
    args = ("email", "--drug", "baclofen", "--to", "jo@example.org", "--config", str(smtp.config(tmp_path)))
    r = cli(*args, env=ENV)
    assert r.code == 1, r
    assert "baclofen (en): the connection closed before the server answered; it may have been delivered" in r.out
    assert r.out.strip().splitlines()[-1] == "email: sent 0, already sent 0, deferred 0, failed 0, uncertain 1"
    assert len(smtp.received) == 1  # not retried
    assert ledger_statuses(_ledger(tmp_path)) == ["sending"]
    again = cli(*args, env=ENV)
    assert again.code == 1 and "may have been sent before an interruption" in again.out
    assert len(smtp.received) == 1


def test_the_server_going_away_mid_batch_and_a_rerun_deliver_each_once(cli, tmp_path, smtp):
    rows = ["drug,lang,patient,email"] + [f"baclofen,{'es' if i % 2 else 'en'},P{i},p{i}@example.org" for i in range(6)]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cfg = smtp.config(tmp_path)
    smtp.behaviour.stop_after = 2
    first = cli("batch", "day.csv", "--email", "--config", str(cfg), "-j", "1", env=ENV)
    assert first.code == 1, first
    assert "email: sent 2, already sent 0, deferred 4, failed 0" in first.out
    assert len(smtp.received) == 2
    smtp.behaviour.stop_after = None
    smtp.start()
    second = cli("batch", "day.csv", "--email", "--config", str(cfg), "-j", "1", env=ENV)
    assert second.code == 0, second
    assert "email: sent 4, already sent 2, deferred 0, failed 0" in second.out
    delivered = sorted(r.rcpt_tos[0] for r in smtp.received)
    assert delivered == sorted(f"p{i}@example.org" for i in range(6))  # every one, exactly once


def test_a_crash_between_send_and_record_never_sends_twice(cli, tmp_path, smtp):
    cfg = smtp.config(tmp_path)
    args = ("email", "--drug", "baclofen", "--to", "dee@example.org", "--config", str(cfg))
    crashed = cli(*args, env={**ENV, "HANDOUTS_TEST_CRASH_AFTER_SEND": "1"})
    assert crashed.code == 70 and len(smtp.received) == 1
    after = cli(*args, env=ENV)
    assert after.code == 1
    assert "may have been sent before an interruption" in after.out and "uncertain 1" in after.out
    assert len(smtp.received) == 1
    assert cli(*args, "--resend", env=ENV).code == 0 and len(smtp.received) == 2


def test_an_encrypted_attachment_opens_with_the_password_only(cli, tmp_path, smtp):
    r = cli("email", "--drug", "baclofen", "--lang", "es", "--to", "eve@example.org", "--encrypt",
            "--config", str(smtp.config(tmp_path)), env={**ENV, "HANDOUTS_PDF_PASSWORD": "rio-2026-azul"})
    assert r.code == 0, r
    text, html, (att,) = _parts(smtp.received[0].message)
    assert "protegido con una contraseña" in text and "rio-2026-azul" not in text + html
    data = att.get_content()
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(data))
    with pikepdf.open(io.BytesIO(data), password="rio-2026-azul") as pdf:
        assert pdf.encryption.R == 6 and len(pdf.pages) >= 2


def test_an_untrusted_certificate_is_refused_and_the_right_ca_file_then_sends_once(cli, tmp_path, smtp):
    cfg = smtp.config(tmp_path)
    right = cfg.read_text()
    cfg.write_text(right.replace(f'ca_file = "{smtp.ca_file}"\n', ""))
    args = ("email", "--drug", "baclofen", "--to", "fay@example.org", "--config", str(cfg))
    r = cli(*args, env=ENV)
    assert r.code == 1 and r.out == ""
    assert r.err.startswith(f"handouts: error: the SMTP server 127.0.0.1:{smtp.port} failed the certificate check")
    assert "email.ca_file" in r.err and len(r.err.splitlines()) == 1
    assert smtp.received == []
    assert ledger_statuses(_ledger(tmp_path)) == []  # not sent: nothing in the ledger
    cfg.write_text(right)
    fixed = cli(*args, env=ENV)
    assert fixed.code == 0, fixed
    assert "uncertain" not in fixed.out and fixed.out.strip().splitlines()[-1] == SUMMARY_SENT_1
    assert [m.rcpt_tos for m in smtp.received] == [["fay@example.org"]]
    assert ledger_statuses(_ledger(tmp_path)) == ["sent"]


def test_a_refused_login_then_the_right_password_sends_once(cli, tmp_path, smtp):
    args = ("email", "--drug", "baclofen", "--to", "gus@example.org", "--config", str(smtp.config(tmp_path)))
    r = cli(*args, env={"HANDOUTS_SMTP_PASSWORD": "not-the-pw-4711"})
    assert r.code == 1 and r.out == ""
    assert r.err == (f"handouts: error: the SMTP server 127.0.0.1:{smtp.port} refused the login (535); "
                     "check email.username and HANDOUTS_SMTP_PASSWORD\n")
    assert smtp.received == [] and ledger_statuses(_ledger(tmp_path)) == []
    fixed = cli(*args, env=ENV)
    assert fixed.code == 0, fixed
    assert fixed.out.strip().splitlines() == ["baclofen (en): sent", SUMMARY_SENT_1]
    assert [m.rcpt_tos for m in smtp.received] == [["gus@example.org"]]
    assert ledger_statuses(_ledger(tmp_path)) == ["sent"]


def test_an_address_in_a_server_reply_is_neither_printed_nor_stored(cli, tmp_path, smtp):
    smtp.behaviour.refuse.add("ana.garcia@example.org")
    smtp.behaviour.refuse_reply = ("550 5.1.1 <{address}>: Recipient address rejected: user ana.garcia unknown; "
                                   "ask postmaster@riverside.example or \"Ana G\"@[192.0.2.1]")
    r = cli("email", "--drug", "baclofen", "--to", "ana.garcia@example.org", "--config", str(smtp.config(tmp_path)),
            env=ENV)
    assert r.code == 1
    scrubbed = ("550 5.1.1 <address>: Recipient address rejected: user <address> unknown; ask <address> or "
                "<address>")
    assert f"baclofen (en): failed: the server said {scrubbed}" in r.out
    db = sqlite3.connect(_ledger(tmp_path))
    assert db.execute("SELECT status, reply FROM sends").fetchall() == [("failed", scrubbed)]
    db.close()
    stored = _state_bytes(tmp_path)
    for secret in ("ana.garcia", "postmaster@", "Ana G", "@[192.0.2.1]"):
        assert secret not in r.out + r.err, secret
        assert secret.encode() not in stored, secret


def test_no_password_name_or_address_in_any_output_line(cli, tmp_path, smtp):
    rows = "drug,lang,patient,email,pdf_password\nbaclofen,es,Ana García,ana@example.org,rio-2026-azul\n" \
           "lamotrigine,en,Bo Lee,not-an-address,x\nbaclofen,en,Cy Doe,cy.doe@example.org,pw-of-cy-0001\n"
    (tmp_path / "day.csv").write_text(rows, encoding="utf-8")
    smtp.behaviour.refuse.add("cy.doe@example.org")
    smtp.behaviour.refuse_reply = "550 5.1.1 <{address}>: Recipient address rejected: no mailbox cy.doe here"
    args = ("batch", "day.csv", "--email", "--encrypt", "--config", str(smtp.config(tmp_path)), "-j", "1")
    r = cli(*args, env=ENV)
    assert r.code == 1
    assert "row 3: email: not a valid email address" in r.err
    assert ("row 4: failed: the server said 550 5.1.1 <address>: Recipient address rejected: no mailbox <address> "
            "here") in r.out
    assert len(smtp.received) == 1
    # the same rows again: a refused login (a wrong password), a password the login cannot carry, a dry run
    wrong = cli(*args, "--resend", env={"HANDOUTS_SMTP_PASSWORD": "Ana-Garcia-pw"})
    assert wrong.code == 1 and "refused the login (535)" in wrong.err
    accented = cli(*args, "--resend", env={"HANDOUTS_SMTP_PASSWORD": "Ana-García-pw"})
    assert accented.code == 1 and accented.err.splitlines()[-1] == (
        "handouts: error: email.username or the password in HANDOUTS_SMTP_PASSWORD has a character that is not "
        "plain ASCII, which the SMTP login cannot carry; use an ASCII user name and password for the relay")
    dry = cli(*args, "--dry-run", "mail", env=ENV)
    assert dry.code == 1, dry  # row 3 is still bad
    assert "row 2: written to mail/row-2.eml" in dry.out and "row 4: written to mail/row-4.eml" in dry.out
    assert dry.out.strip().splitlines()[-1] == "email: written 2 (.eml)"
    assert len(smtp.received) == 1
    for run in (r, wrong, accented, dry):
        log = run.out + run.err
        for secret in (PASSWORD, "Ana-Garcia-pw", "Ana-García-pw", "rio-2026-azul", "pw-of-cy-0001", "Ana García",
                       "Bo Lee", "Cy Doe", "ana@example.org", "not-an-address", "cy.doe", "@example.org"):
            assert secret not in log, (secret, log)


def test_a_bad_address_or_missing_password_is_a_clear_error(cli, tmp_path, smtp):
    cfg = smtp.config(tmp_path)
    r = cli("email", "--drug", "baclofen", "--to", "ana@", "--config", str(cfg), env=ENV)
    assert r.code == 2 and r.err.startswith("handouts: error: --to: not a valid email address")
    r = cli("email", "--drug", "baclofen", "--to", "ana@[10.20.30]", "--config", str(cfg), env=ENV)
    assert r.code == 2 and r.err.startswith("handouts: error: --to: not a valid email address")
    assert "10.20.30" not in r.err and len(r.err.splitlines()) == 1  # not even a piece of the address
    r = cli("email", "--drug", "baclofen", "--to", "ana@example.org", "--config", str(cfg),
            env={**ENV, "HANDOUTS_SMTP_PORT": "25\x1b[2J"})
    assert r.code == 1 and r.err == ("handouts: error: HANDOUTS_SMTP_PORT: '25\\x1b[2J' is not a port number; "
                                     "use a number from 1 to 65535\n")
    r = cli("email", "--drug", "baclofen", "--to", "ana@example.org", "--config", str(cfg))
    assert r.code == 1 and "set the environment variable HANDOUTS_SMTP_PASSWORD" in r.err
    plain = tmp_path / "plain.toml"
    plain.write_text(cfg.read_text().replace('security = "starttls"', 'security = "none"'))
    r = cli("email", "--drug", "baclofen", "--to", "ana@example.org", "--config", str(plain), env=ENV)
    assert r.code == 1 and "--insecure-smtp" in r.err


def test_dry_run_writes_eml_files(cli, tmp_path, smtp):
    r = cli("email", "--drug", "lamotrigine", "--lang", "fr", "--to", "gil@example.org", "--dry-run", "out",
            "--config", str(smtp.config(tmp_path)))
    assert r.code == 0, r
    assert r.out.splitlines() == ["lamotrigine (fr): written to out/lamotrigine-fr.eml", "email: written 1 (.eml)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic-ca.pem", "handouts.toml", "out"]  # no ledger
    (eml,) = (tmp_path / "out").glob("*.eml")
    assert eml.name == "lamotrigine-fr.eml" and eml.stat().st_mode & 0o777 == 0o600
    from email import message_from_bytes, policy

    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"] == "Lamotrigine\u00a0: information sur votre médicament"
    assert smtp.received == []


def test_rate_limits_messages_per_minute(cli, tmp_path, smtp):
    import time

    rows = ["drug,lang,email"] + [f"baclofen,en,r{i}@example.org" for i in range(3)]
    (tmp_path / "day.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    t = time.monotonic()
    r = cli("batch", "day.csv", "--email", "--rate", "120", "--config", str(smtp.config(tmp_path)), "-j", "1", env=ENV)
    elapsed = time.monotonic() - t
    assert r.code == 0, r
    assert len(smtp.received) == 3
    assert elapsed >= 1.0  # 120 a minute: at least half a second between messages


def test_a_refused_sender_stops_with_one_error_and_marks_nothing(cli, tmp_path, smtp):
    smtp.behaviour.refuse_sender = "553 5.7.1 <handouts@riverside.example>: Sender address rejected: not owned by user"
    args = ("email", "--drug", "baclofen", "--to", "lu@example.org", "--config", str(smtp.config(tmp_path)))
    r = cli(*args, env=ENV)
    assert r.code == 1 and r.out == ""
    assert r.err == (f"handouts: error: the SMTP server 127.0.0.1:{smtp.port} refused the sender (553 5.7.1 "
                     "<address>: Sender address rejected: not owned by user); check email.sender and "
                     "email.username\n")
    assert ledger_statuses(_ledger(tmp_path)) == []  # not "failed": once the sender is fixed, it is sent
    smtp.behaviour.refuse_sender = None
    fixed = cli(*args, env=ENV)
    assert fixed.code == 0 and fixed.out.strip().splitlines()[-1] == SUMMARY_SENT_1
    assert len(smtp.received) == 1


def test_an_internationalized_address_goes_out_with_smtputf8(cli, tmp_path, smtp):
    r = cli("email", "--drug", "baclofen", "--lang", "es", "--to", "josé@example.org", "--patient", "José Núñez",
            "--config", str(smtp.config(tmp_path)), env=ENV)
    assert r.code == 0, r
    (got,) = smtp.received
    assert got.rcpt_tos == ["josé@example.org"] and got.mail_options == ["SIZE=" + str(len(got.data)), "SMTPUTF8",
                                                                          "BODY=8BITMIME"]
    assert got.message["To"] == "josé@example.org" and "josé" not in r.out + r.err


def test_the_message_goes_out_byte_for_byte_as_smtplib_send_message_sends_it(tmp_path, smtp, monkeypatch):
    import smtplib
    import ssl
    from email.message import EmailMessage

    from handouts.config import EmailSettings
    from handouts.deliver.mail import Relay

    msg = EmailMessage()
    msg["From"] = "Clínica Río <handouts@riverside.example>"
    msg["To"] = "mo@example.org"
    msg["Bcc"] = "hidden@example.org"
    msg["Subject"] = "Baclofeno: información"
    msg.set_content("Hola:\n.una línea que empieza con un punto\n..y otra\n.\nFin.\n", cte="quoted-printable")
    msg.add_attachment(b"%PDF-1.7\n.\r\n\x00\xff" * 50, maintype="application", subtype="pdf", filename="h.pdf")
    msg.set_boundary("==handouts-test-boundary==")  # otherwise each flattening draws its own
    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=5) as conn:
        conn.starttls(context=ssl.create_default_context(cafile=str(smtp.ca_file)))
        conn.login("clinic", PASSWORD)
        conn.send_message(msg, from_addr="handouts@riverside.example", to_addrs=["mo@example.org"])
    monkeypatch.setenv("HANDOUTS_SMTP_PASSWORD", PASSWORD)
    relay = Relay(EmailSettings(host="127.0.0.1", port=smtp.port, username="clinic", ca_file=smtp.ca_file,
                                sender="handouts@riverside.example", timeout=5))
    marks = []
    try:
        assert relay.send(msg, "mo@example.org", before_data=lambda: marks.append(len(smtp.received))) == \
            "250 accepted"
    finally:
        relay.close()
    by_smtplib, by_relay = smtp.received
    assert by_relay.data == by_smtplib.data and b"hidden@" not in by_relay.data
    assert (by_relay.mail_from, by_relay.rcpt_tos, by_relay.mail_options) == \
        (by_smtplib.mail_from, by_smtplib.rcpt_tos, by_smtplib.mail_options)
    assert marks == [1]  # once, before the server had the message
