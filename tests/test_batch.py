"""`handouts batch`: a real CSV of 61 rows (50 good, 10 bad, 1 blank), the merged print
file, duplex and copies, --strict, resuming after a kill, and a real CUPS queue."""

from __future__ import annotations

import csv
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import DATA, EXE, ROOT, flat, pdf_text

CSV = DATA / "batch" / "patients.csv"

BAD = {
    5: "row 5: drug: unknown drug; did you mean 'lamotrigine'? Known: acamprosate, baclofen, buprenorphine-naloxone, disulfiram, gabapentin, lamotrigine, methadone, naloxone, naltrexone, topiramate, varenicline",
    12: "row 12: lang: unsupported language; supported: ar, de, en, es, fa, fr, hi, ht, it, ja, ko, pl, pt, ru, tl, "
        "uk, vi, zh-Hans, zh-Hant (a clinic can add one with --locales DIR)",
    18: "row 18: drug: missing; write the generic or brand name, e.g. baclofen",
    23: "row 23: lang: missing; write the patient's language, e.g. es",
    29: "row 29: dose: not a number; write the amount per dose, e.g. 1, 0.5 or 5",
    34: "row 34: form: not a form handouts knows; use one of: tablet, capsule, ml, packet",
    40: "row 40: times: too many or too few times a day: use 1 to 6",
    45: "row 45: start: not a date; use YYYY-MM-DD, e.g. 2026-12-01",
    51: "row 51: paper: use letter or a4 (or leave it empty)",
    57: "row 57: form: missing: a dose schedule (dose, times given) needs dose, form and times",
}
#: said once for the whole batch: no row names its paper and the locale names no country
PAPER_NOTE = ('handouts: paper: A4 (the machine\'s locale C.UTF-8 names no country); set paper = "letter" in '
              'handouts.toml [handouts], or use --paper letter')
#: the machine's locale as on a server (no country): the paper note is expected
ENV = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "", "LC_PAPER": ""}
BLANK = {38}


def _good_rows() -> list[tuple[int, dict]]:
    with CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [(n, r) for n, r in enumerate(rows, start=2) if n not in BAD and n not in BLANK]


def _pages(path: Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The batch run once for the module: its output folder, print file and result."""
    folder = tmp_path_factory.mktemp("batch")
    proc = subprocess.run([str(EXE), "batch", str(CSV), "--out", str(folder / "out"),
                           "--print-file", str(folder / "print.pdf"), "--workers", "2"],
                          cwd=folder, capture_output=True, text=True, timeout=600, env=ENV)
    return folder, proc


def test_every_good_row_is_made_and_every_bad_row_reported(made):
    folder, proc = made
    assert proc.returncode == 1, proc
    assert proc.stderr.splitlines() == [PAPER_NOTE, *(BAD[n] for n in sorted(BAD))]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("made 50, skipped 1 (1 blank), failed 10;"), proc.stdout
    pdfs = sorted((folder / "out").glob("*.pdf"))
    expected = [f"{n:04d}-{r['drug']}-{r['lang']}.pdf" for n, r in _good_rows()]
    assert [p.name for p in pdfs] == expected
    for p in pdfs:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p  # patient files: owner only
        assert p.read_bytes().rstrip().endswith(b"%%EOF")
    assert stat.S_IMODE((folder / "out").stat().st_mode) == 0o700


def test_no_patient_name_or_address_in_the_output_lines(made):
    _, proc = made
    log = proc.stdout + proc.stderr
    assert "Test Patient" not in log and "@example.org" not in log and "Rivera" not in log


def _size(path: Path) -> tuple[int, int]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return tuple(round(x) for x in pdf[0].get_size())
    finally:
        pdf.close()


def test_each_row_gets_its_own_language_paper_and_dose(made):
    folder, _ = made
    out = folder / "out"
    # row 27: Spanish on A4; a quoted prescriber cell with a comma and a line break
    text = flat(" ".join(pdf_text(out / "0027-baclofen-es.pdf")))
    assert "Para: Test Patient 27 · Recetado por: Lee, Ann (Family medicine)" in text
    assert "Tome 2 cápsulas 3 veces al día. Puede tomar este medicamento con o sin comida." in text
    assert _size(out / "0027-baclofen-es.pdf") == (595, 842)
    # row 47: English on A4, half a packet, an empty stomach, a start date
    text = flat(" ".join(pdf_text(out / "0047-baclofen-en.pdf")))
    assert "Take 0.5 packets 2 times a day. Take it on an empty stomach. Start on December 1, 2026." in text
    # row 4: one and a half capsules; row 10: a liquid, on A4 and Letter
    assert "Take 1.5 capsules 2 times a day." in flat(pdf_text(out / "0004-baclofen-en.pdf")[0])
    assert "Take 5 mL 3 times a day." in flat(pdf_text(out / "0010-baclofen-en.pdf")[0])
    assert _size(out / "0010-baclofen-en.pdf") == (595, 842)
    assert _size(out / "0059-baclofen-en.pdf") == (612, 792)
    # row 8: no personal fields: the generic handout, in French
    text = flat(pdf_text(out / "0008-baclofen-fr.pdf")[0])
    assert "Qu'est-ce que" in text and "Test Patient" not in text
    # row 14: large print
    assert len(pdf_text(out / "0014-lamotrigine-en.pdf")) > 3


def test_print_file_holds_every_handout_once_in_csv_order(made):
    folder, proc = made
    pdfs = sorted((folder / "out").glob("*.pdf"))
    counts = [_pages(p) for p in pdfs]
    printed = pdf_text(folder / "print.pdf")
    assert len(printed) == sum(counts)
    assert f"print file: {folder / 'print.pdf'} ({sum(counts)} pages)" in proc.stdout
    at = 0
    for path, n in zip(pdfs, counts):
        own = pdf_text(path)
        assert printed[at:at + n] == own, path.name  # the same pages, in CSV order
        at += n


def test_duplex_pads_every_handout_to_an_even_page_count_and_copies_repeat(made, cli, tmp_path):
    folder, _ = made
    pdfs = sorted((folder / "out").glob("*.pdf"))
    counts = [_pages(p) for p in pdfs]
    r = cli("batch", str(CSV), "--out", str(folder / "out"), "--print-file", "duplex.pdf", "--duplex",
            "--copies", "2", cwd=tmp_path)
    assert r.code == 1
    assert "made 0, skipped 51 (50 up to date, 1 blank), failed 10" in r.out  # nothing made twice
    printed = pdf_text(tmp_path / "duplex.pdf")
    padded = [n + n % 2 for n in counts]
    assert len(printed) == 2 * sum(padded)
    at = 0
    for path, n, p in zip(pdfs, counts, padded):
        own = pdf_text(path)
        for _copy in range(2):
            assert printed[at:at + n] == own, path.name
            assert all(not t.strip() for t in printed[at + n:at + p])  # the blank back page
            at += p
    assert any(n % 2 for n in counts)  # the padding was exercised


def test_strict_makes_nothing_when_any_row_is_bad(cli, tmp_path):
    r = cli("batch", str(CSV), "--out", "out", "--strict", env=ENV)
    assert r.code == 1
    assert r.err.splitlines()[:-1] == [PAPER_NOTE, *(BAD[n] for n in sorted(BAD))]
    assert r.err.splitlines()[-1] == "--strict: 10 bad rows; nothing made. Fix them and run again."
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


def test_bom_semicolons_and_a_clean_run_exit_0(cli, tmp_path):
    data = "\ufeffDrug;Language;Paper;Patient;Dose;Form;Times\n" \
           "baclofen;es-MX;letter;María;1;tablet;morning,bedtime\n" \
           "lamotrigine;en;a4;;;;\n"
    (tmp_path / "today.csv").write_text(data, encoding="utf-8")
    r = cli("batch", "today.csv", "--workers", "1")
    assert r.code == 0, r
    assert sorted(p.name for p in (tmp_path / "today").glob("*.pdf")) == ["0002-baclofen-es.pdf", "0003-lamotrigine-en.pdf"]
    assert "Tome 1 tableta en la mañana y al acostarse." in flat(pdf_text(tmp_path / "today" / "0002-baclofen-es.pdf")[0])
    assert "made 2, skipped 0, failed 0" in r.out


@pytest.mark.parametrize("content, message", [
    ("drug,lang,presciber\nbaclofen,en,Dr. X\n",
     "unknown column 'presciber' (did you mean 'prescriber'?); the columns are:"),
    ("lang,patient\nen,A\n", "no column 'drug' in the header row"),
    ("", "the file is empty"),
])
def test_a_broken_csv_is_one_clear_error(cli, tmp_path, content, message):
    (tmp_path / "p.csv").write_text(content, encoding="utf-8")
    r = cli("batch", "p.csv")
    assert r.code == 2, r
    assert r.err.startswith("handouts: error: p.csv: ") and message in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_not_utf8_names_the_line(cli, tmp_path):
    (tmp_path / "p.csv").write_bytes("drug,lang,patient\nbaclofen,es,Mar\xeda\n".encode("latin-1"))
    r = cli("batch", "p.csv")
    assert r.code == 2
    assert "p.csv: line 2: not UTF-8 text" in r.err and "CSV UTF-8" in r.err


def test_a_changed_row_is_made_again_and_only_that_row(cli, tmp_path):
    (tmp_path / "p.csv").write_text("drug,lang,dose,form,times\nbaclofen,en,1,tablet,3\nlamotrigine,en,,,\n",
                                    encoding="utf-8")
    assert cli("batch", "p.csv", "-j", "1").code == 0
    (tmp_path / "p.csv").write_text("drug,lang,dose,form,times\nbaclofen,en,2,tablet,3\nlamotrigine,en,,,\n",
                                    encoding="utf-8")
    r = cli("batch", "p.csv", "-j", "1")
    assert "made 1, skipped 1 (1 up to date), failed 0" in r.out
    assert "Take 2 tablets 3 times a day." in flat(pdf_text(tmp_path / "p" / "0002-baclofen-en.pdf")[0])
    r = cli("batch", "p.csv", "-j", "1", "--force")
    assert "made 2, skipped 0, failed 0" in r.out


def test_killed_batch_resumes_and_makes_each_handout_exactly_once(tmp_path):
    out = tmp_path / "out"
    cmd = [str(EXE), "batch", str(CSV), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("*.pdf"))) < 8:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # a power cut: no clean-up of any kind
    proc.wait()
    done_before = len(list(out.glob("*.pdf")))
    assert 8 <= done_before < 50, done_before
    r = subprocess.run([*cmd, "--print-file", str(tmp_path / "print.pdf")], cwd=tmp_path,
                       capture_output=True, text=True, timeout=600)
    summary = r.stdout.strip().splitlines()[-1]
    made = int(summary.split("made ")[1].split(",")[0])
    up_to_date = int(summary.split("(")[1].split(" up to date")[0])
    assert made + up_to_date == 50 and up_to_date >= done_before - 1, summary
    assert sorted(p.name for p in out.glob("*.pdf")) == [f"{n:04d}-{r_['drug']}-{r_['lang']}.pdf"
                                                        for n, r_ in _good_rows()]
    assert not list(out.glob(".*.tmp"))  # a write cut short is cleaned up
    pdf = pdfium.PdfDocument(str(tmp_path / "print.pdf"))
    titles = []
    for item in pdf.get_toc():
        titles.append(item.get_title())
    pdf.close()
    assert titles == [f"Row {n}: {r_['drug']} ({r_['lang']})" for n, r_ in _good_rows()]  # each once, in order


def test_prints_through_a_real_cups_queue(made, cli, tmp_path):
    """.ci/cups starts CUPS with a cups-pdf queue named handouts-test."""
    import shutil

    spool = Path(os.environ.get("HANDOUTS_TEST_PRINT_DIR", "/var/spool/cups-pdf/handouts-test"))
    queue_up = shutil.which("lp") and subprocess.run(["lpstat", "-p", "handouts-test"], capture_output=True).returncode == 0
    if not queue_up:
        if os.environ.get("HANDOUTS_REQUIRE_CUPS"):
            pytest.fail("CUPS queue handouts-test is not running (run .ci/cups)")
        pytest.skip("no CUPS queue handouts-test here (run .ci/cups as root to test printing)")
    before = set(spool.glob("*.pdf"))
    (tmp_path / "p.csv").write_text("drug,lang,patient\nbaclofen,es,Ana\nlamotrigine,en,Bo\n", encoding="utf-8")
    r = cli("batch", "p.csv", "--printer", "handouts-test", "--duplex", "-j", "1")
    assert r.code == 0, r
    assert "sent to handouts-test: request id is handouts-test-" in r.out
    sent = _pages(tmp_path / "p" / "print.pdf")
    deadline = time.time() + 60
    new = []
    while time.time() < deadline and not new:
        new = [p for p in set(spool.glob("*.pdf")) - before if p.stat().st_size > 0]
        time.sleep(0.2)
    assert new, "the print job did not come out of the queue"
    time.sleep(0.5)  # cups-pdf finishes writing
    printed = pdf_text(new[0])
    assert len(printed) == sent
    assert printed[0].startswith("Baclofeno")
    assert any(t.startswith("Lamotrigine") for t in printed)


def test_unknown_printer_is_found_before_anything_is_made_and_the_queues_listed(made, cli, tmp_path):
    import shutil

    if not shutil.which("lp"):
        pytest.skip("no lp here")
    (tmp_path / "p.csv").write_text("drug,lang\nbaclofen,en\n", encoding="utf-8")
    r = cli("batch", "p.csv", "--printer", "no-such-queue", "-j", "1")
    queues = subprocess.run(["lpstat", "-e"], capture_output=True, text=True).stdout.split()
    assert r.code == 2
    assert r.err == (f"handouts: error: --printer: there is no print queue 'no-such-queue'; "
                     f"the queues here are: {', '.join(sorted(queues)) or 'none (add one in CUPS first)'}\n")
    assert not (tmp_path / "p").exists()  # nothing made


def test_the_sample_csv_makes_every_row_in_its_language(cli, tmp_path):
    """samples/patients.csv: names in Vietnamese and Chinese, Arabic and Russian rows."""
    from conftest import ROOT

    r = cli("batch", str(ROOT / "samples" / "patients.csv"), "--out", "out", "--print-file", "print.pdf", "-j", "2")
    assert r.code == 0, r
    assert "made 6, skipped 0, failed 0" in r.out
    assert "Nguyễn Văn An" in flat(pdf_text(tmp_path / "out" / "0004-baclofen-vi.pdf")[0])
    assert "陳美玲" in flat(pdf_text(tmp_path / "out" / "0005-lamotrigine-zh-Hant.pdf")[0])


def test_strict_finds_a_missing_translation_before_making_anything(cli, tmp_path):
    """A clinic's own language whose catalog lacks a string this row needs."""
    from conftest import ROOT

    po = (ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    po = po.replace('"Language: es\\n"', '"Language: nl\\n"').replace('msgstr "Su dosis"', 'msgstr ""')
    folder = tmp_path / "clinic-locales" / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(po, encoding="utf-8")
    (tmp_path / "p.csv").write_text("drug,lang,dose,form,times\nbaclofen,es,1,tablet,2\nbaclofen,nl,1,tablet,2\n"
                                    "baclofen,nl,,,\n", encoding="utf-8")
    r = cli("batch", "p.csv", "--strict", "--locales", "clinic-locales", "-j", "1", "--paper", "a4")
    assert r.code == 1
    assert r.err.splitlines()[0].startswith("row 3: the 'nl' translation of baclofen is incomplete: 1 missing")
    assert len(r.err.splitlines()) == 2  # row 4, the generic handout, needs no dose strings
    assert not (tmp_path / "p").exists() or not list((tmp_path / "p").glob("*.pdf"))


def _session(sid: int) -> list[int]:
    """Every process of a session (the batch was started as the leader of its own)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # the session id; not a zombie
            pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_batch_killed_with_sigkill_leaves_no_process_and_resumes(tmp_path):
    out = tmp_path / "out"
    cmd = [str(EXE), "batch", str(CSV), "--out", str(out), "--workers", "2", "--paper", "letter"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("*.pdf"))) < 12:
        time.sleep(0.02)
    assert len(_session(proc.pid)) >= 3  # the batch, its workers (and multiprocessing's helper)
    os.kill(proc.pid, signal.SIGKILL)  # the batch only: its workers must notice by themselves
    proc.wait()
    deadline = time.time() + 5
    while time.time() < deadline and _session(proc.pid):
        time.sleep(0.1)
    assert _session(proc.pid) == [], "processes of the killed batch are still running"
    on_disk = {p.name for p in out.glob("*.pdf")}
    ledger = {line.split()[0] for line in (out / ".handouts-batch").read_text().splitlines()}
    assert on_disk <= ledger | set(), on_disk - ledger  # every handout on disk is recorded
    r = subprocess.run([*cmd, "-j", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    summary = r.stdout.strip().splitlines()[-1]
    assert f"skipped {len(on_disk) + 1} ({len(on_disk)} up to date, 1 blank)" in summary, summary
    assert summary.startswith(f"made {50 - len(on_disk)},"), summary


def test_two_batches_in_one_folder_at_once(tmp_path):
    rows = [f"baclofen,es,{(n % 3) + 1},tablet,2" for n in range(60)]  # personal: each one really made
    (tmp_path / "a.csv").write_text("drug,lang,dose,form,times\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("drug,lang\n" + "lamotrigine,en\n" * 6, encoding="utf-8")
    first = subprocess.Popen([str(EXE), "batch", "a.csv", "--out", "out", "-j", "1", "--paper", "a4"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list((tmp_path / "out").glob("0002-*.pdf")):
        time.sleep(0.01)
    second = subprocess.run([str(EXE), "batch", "b.csv", "--out", "out", "-j", "1", "--paper", "a4"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert first.wait(timeout=300) == 0
    assert second.returncode == 1
    assert second.stderr == ("handouts: error: --out out: another batch is writing there now; wait for it to "
                             "finish, run this one with --wait, or give another --out\n")
    names = sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))
    assert names == [f"{n:04d}-baclofen-es.pdf" for n in range(2, 62)]  # the first batch's, untouched
    # with --wait, the second one waits for the first, then makes its own (into its own names)
    first = subprocess.Popen([str(EXE), "batch", "a.csv", "--out", "out2", "-j", "1", "--paper", "a4"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while time.time() < deadline + 60 and not list((tmp_path / "out2").glob("0002-*.pdf")):
        time.sleep(0.01)
    second = subprocess.run([str(EXE), "batch", "b.csv", "--out", "out2", "-j", "1", "--paper", "a4", "--wait",
                             "--force"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.wait(timeout=300) == 0 and second.returncode == 0, second.stderr
    assert "handouts: waiting for another batch writing to out2..." in second.stderr


def test_an_existing_batch_folder_is_made_owner_only(cli, tmp_path):
    (tmp_path / "p.csv").write_text("drug,lang\nbaclofen,es\n", encoding="utf-8")
    (tmp_path / "out").mkdir(mode=0o755)
    os.chmod(tmp_path / "out", 0o755)
    r = cli("batch", "p.csv", "--out", "out", "--paper", "a4")
    assert r.code == 0, r
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
    # a folder of the user's own, with other files in it, keeps its mode, and that is said
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    (shared / "notes.txt").write_text("x")
    r = cli("batch", "p.csv", "--out", "shared", "--paper", "a4")
    assert r.code == 0, r
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert ("handouts: note: other users of this computer can list the folder shared (mode 755); "
            "the handouts in it are readable by you only") in r.err
    assert stat.S_IMODE((shared / "0002-baclofen-es.pdf").stat().st_mode) == 0o600


def test_a_row_too_long_for_any_page_fails_alone(cli, tmp_path):
    po = (ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    old = '"No deje de tomar el baclofeno de repente. No omita dosis ni deje que se "\n"le acabe."'
    assert old in po
    folder = tmp_path / "clinic-locales" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(po.replace(old, '"' + "No deje de tomarlo de repente. " * 300 + '"'),
                                        encoding="utf-8")
    (tmp_path / "p.csv").write_text("drug,lang\nbaclofen,es\nbaclofen,en\n", encoding="utf-8")
    r = cli("batch", "p.csv", "--locales", "clinic-locales", "--paper", "letter", "-j", "1")
    assert r.code == 1
    assert r.err == ("row 2: the baclofen handout in 'es' cannot be laid out: <warning> \"Información más "
                     "importante\" is larger than a page (letter); shorten that text in the content or the catalog\n")
    assert sorted(p.name for p in (tmp_path / "p").glob("*.pdf")) == ["0003-baclofen-en.pdf"]
