"""The output end as a library, called without the command line (as the web page calls it):
``run_batch`` with its progress events, ``email_handout`` through a real SMTP server."""

from __future__ import annotations

import pytest
from conftest import pdf_text
from smtp_server import PASSWORD, SMTPServer

from handouts.config import load_config
from handouts.deliver.batch import BatchOptions, EmailOptions, Options, Progress, read_csv, run_batch
from handouts.deliver.mail import email_handout, settings_from
from handouts.errors import UsageError
from handouts.handout import Request
from handouts.personal import personal_from_fields

NAMES = ("Ana García", "Chen Wei", "ana@example.org", "wei@example.org")
CSV = ("drug,lang,patient,dose,form,times,email\n"
       "baclofen,es,Ana García,1,tablet,3,ana@example.org\n"
       "lamotrigine,en,Chen Wei,,,,wei@example.org\n"
       "nosuchdrug,es,Ana García,,,,ana@example.org\n")


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_SMTP_PASSWORD", PASSWORD)
    server = SMTPServer(tmp_path).start()
    yield server
    server.stop()


def _rows(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(CSV, encoding="utf-8")
    return read_csv(path)


def test_run_batch_makes_every_good_row_and_reports_each_as_an_event(tmp_path):
    events: list[Progress] = []
    options = BatchOptions(rows=Options(out=tmp_path / "out", paper="letter"), workers=1,
                           print_file=tmp_path / "print.pdf")
    result = run_batch(_rows(tmp_path), options, events.append)

    assert sorted(result.outcome.made) == [2, 3]
    assert list(result.outcome.failed) == [4]
    assert result.outcome.failed[4].startswith("row 4: drug: ")
    assert not result.ok and not result.refused
    start = [e for e in events if e.kind == "start"]
    rows = [e for e in events if e.kind == "row"]
    assert [(e.total) for e in start] == [2]
    assert [(e.done, e.total, e.text) for e in rows] == [(1, 2, "made"), (2, 2, "made")]
    assert sorted(e.row for e in rows) == [2, 3]
    assert {e.file for e in rows} == {"0002-baclofen-es.pdf", "0003-lamotrigine-en.pdf"}
    (printed,) = [e for e in events if e.kind == "print-file"]
    assert printed.text == str(tmp_path / "print.pdf") and printed.done == result.outcome.print_pages > 0
    assert result.print_file == tmp_path / "print.pdf"
    # the made handout is the patient's, and no event ever carries a name or an address
    assert "Ana García" in pdf_text(tmp_path / "out" / "0002-baclofen-es.pdf")[0]
    for event in events:
        assert not any(name in f"{event.text} {event.file}" for name in NAMES), event

    again: list[Progress] = []
    result = run_batch(_rows(tmp_path), options, again.append)
    assert sorted(result.outcome.up_to_date) == [2, 3] and result.outcome.made == []
    assert [e.text for e in again if e.kind == "row"] == ["up to date", "up to date"]


def test_run_batch_strict_makes_nothing_when_a_row_is_bad(tmp_path):
    events: list[Progress] = []
    result = run_batch(_rows(tmp_path), BatchOptions(rows=Options(out=tmp_path / "out"), strict=True),
                       events.append)
    assert result.refused and not result.ok
    assert list(result.outcome.failed) == [4] and result.outcome.made == []
    assert not [e for e in events if e.kind in ("start", "row")]
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_run_batch_emails_each_row_once(tmp_path, smtp):
    config = load_config(smtp.config(tmp_path))
    email = EmailOptions(settings=settings_from(config))
    options = BatchOptions(rows=Options(out=tmp_path / "out", config=config), workers=1, email=email)
    events: list[Progress] = []
    result = run_batch(_rows(tmp_path), options, events.append)
    assert result.mailed is not None and result.mailed.sent == ["row 2", "row 3"]
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["ana@example.org", "wei@example.org"]
    assert [e.text for e in events if e.kind == "email"] == ["row 2: sent", "row 3: sent"]

    result = run_batch(_rows(tmp_path), options)
    assert result.mailed.sent == [] and result.mailed.already == ["row 2", "row 3"]
    assert len(smtp.received) == 2


def test_email_handout_sends_the_made_pdf_once(tmp_path, smtp):
    config = load_config(smtp.config(tmp_path))
    request = Request(drug="Lioresal", lang="Spanish", config=config,
                      personal=personal_from_fields({"patient": "Ana García"}))
    lines: list[str] = []
    done = email_handout(request, "ana@example.org", settings=settings_from(config), near=tmp_path,
                         say=lines.append)
    assert done.report.sent == ["baclofen (es)"] and done.report.ok
    assert done.handout.drug == "baclofen" and done.handout.lang == "es"
    assert "Lioresal is baclofen" in " ".join(done.handout.notes)
    (got,) = smtp.received
    (attachment,) = list(got.message.iter_attachments())
    assert attachment.get_content() == done.handout.pdf
    assert got.message["Subject"] == "Baclofeno: información sobre su medicamento"
    assert lines == ["baclofen (es): sent"]

    again = email_handout(request, "ana@example.org", settings=settings_from(config), near=tmp_path)
    assert again.report.sent == [] and again.report.already == ["baclofen (es)"]
    assert len(smtp.received) == 1


def test_email_handout_checks_the_address_before_making_anything(tmp_path, smtp):
    config = load_config(smtp.config(tmp_path))
    with pytest.raises(UsageError, match=r"^--to: not a valid email address") as caught:
        email_handout(Request(drug="baclofen", lang="es", config=config), "ana.garcia@@example",
                      settings=settings_from(config), near=tmp_path)
    assert "ana.garcia" not in caught.value.message
    assert smtp.received == [] and not (tmp_path / ".handouts-state").exists()
