"""Emailing handouts through a real SMTP server on 127.0.0.1 (STARTTLS, AUTH): what it
received, exactly once, with retries, refusals, a server that goes away and a crash."""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path

import pikepdf
import pytest
from conftest import flat
from smtp_server import PASSWORD, SMTPServer

ENV = {"HANDOUTS_SMTP_PASSWORD": PASSWORD}


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
    r = cli("email", "--drug", "baclofen", "--to", "gone@example.org", "--config", str(smtp.config(tmp_path)), env=ENV)
    assert r.code == 1
    assert "failed: the server said 550 5.1.1 No such user here" in r.out
    assert r.out.strip().endswith("sent 0, already sent 0, deferred 0, failed 1")
    db = sqlite3.connect(tmp_path / ".handouts-state" / "sent.sqlite3")
    assert db.execute("SELECT status, reply FROM sends").fetchall() == [("failed", "550 5.1.1 No such user here")]


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


def test_an_untrusted_certificate_is_refused(cli, tmp_path, smtp):
    cfg = smtp.config(tmp_path)
    cfg.write_text(cfg.read_text().replace(f'ca_file = "{smtp.ca_file}"\n', ""))
    r = cli("email", "--drug", "baclofen", "--to", "fay@example.org", "--config", str(cfg), env=ENV)
    assert r.code == 1
    assert "failed the certificate check" in r.err and "email.ca_file" in r.err
    assert smtp.received == []


def test_no_password_name_or_address_in_any_output_line(cli, tmp_path, smtp):
    rows = "drug,lang,patient,email,pdf_password\nbaclofen,es,Ana García,ana@example.org,rio-2026-azul\n" \
           "lamotrigine,en,Bo Lee,not-an-address,x\n"
    (tmp_path / "day.csv").write_text(rows, encoding="utf-8")
    r = cli("batch", "day.csv", "--email", "--encrypt", "--config", str(smtp.config(tmp_path)), "-j", "1", env=ENV)
    assert r.code == 1
    assert "row 3: email: not a valid email address" in r.err
    log = r.out + r.err
    for secret in (PASSWORD, "rio-2026-azul", "Ana García", "Bo Lee", "ana@example.org", "not-an-address"):
        assert secret not in log, secret
    assert len(smtp.received) == 1


def test_a_bad_address_or_missing_password_is_a_clear_error(cli, tmp_path, smtp):
    cfg = smtp.config(tmp_path)
    r = cli("email", "--drug", "baclofen", "--to", "ana@", "--config", str(cfg), env=ENV)
    assert r.code == 2 and r.err.startswith("handouts: error: --to: not a valid email address")
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
    (eml,) = (tmp_path / "out").glob("*.eml")
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
