"""Batch: a day's handouts from one CSV, one PDF per row, and one print file in CSV order.

Steps: read the CSV -> check every row (each bad row becomes one error line and the rest go
on) -> build the rows whose output is missing or out of date, in worker processes -> merge
the print file -> send it to a printer. A row's output is written atomically with
owner-only permissions, then recorded in the folder's ledger (``.handouts-batch``) with the
hash of every input that affects its bytes: a re-run skips what is done, so an interrupted
batch resumes where it stopped.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first patient row 2.
No patient name or address is ever written to a log line or an error message.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from handouts import i18n
from handouts.errors import HandoutsError, OutputError, UsageError, shown
from handouts.personal import FIELDS as PERSONAL_FIELDS
from handouts.personal import FieldError, Personal, personal_from_fields

#: the CSV's columns (README, "Batch printing"); only drug and lang are required
COLUMNS = ("drug", "lang", "paper", "large_print", *PERSONAL_FIELDS, "email", "pdf_password")
REQUIRED = ("drug", "lang")
_COLUMN_ALIASES = {"language": "lang", "medicine": "drug", "drug_name": "drug", "name": "patient",
                   "patient_name": "patient", "doctor": "prescriber", "amount": "dose", "paper_size": "paper",
                   "e_mail": "email", "email_address": "email"}
LEDGER = ".handouts-batch"
#: held while a batch writes into its folder: a second batch there waits or stops
LOCK = ".handouts-batch.lock"
_TRUE = {"1", "yes", "y", "true", "x", "si", "sí"}
_FALSE = {"", "0", "no", "n", "false"}


class CSVError(UsageError):
    """The CSV file as a whole cannot be used (not its rows: those are row errors)."""


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet numbers it (header = 1)
    cells: dict[str, str]


@dataclass(frozen=True)
class Job:
    row: int
    request: object  # handouts.handout.Request
    lang: str
    filename: str
    key: str
    email: str = ""
    password: str = ""  # for an encrypted email attachment (never logged)


@dataclass
class Outcome:
    made: list[int] = field(default_factory=list)
    up_to_date: list[int] = field(default_factory=list)
    blank: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # row -> message (no patient data)
    files: dict[int, Path] = field(default_factory=dict)  # row -> its PDF
    print_pages: int = 0

    @property
    def skipped(self) -> int:
        return len(self.up_to_date) + len(self.blank)

    def summary(self) -> str:
        parts = [f"made {len(self.made)}", f"skipped {self.skipped}"]
        if self.up_to_date or self.blank:
            why = []
            if self.up_to_date:
                why.append(f"{len(self.up_to_date)} up to date")
            if self.blank:
                why.append(f"{len(self.blank)} blank")
            parts[-1] += f" ({', '.join(why)})"
        parts.append(f"failed {len(self.failed)}")
        return ", ".join(parts)


# ------------------------------------------------------------------------------ reading

def read_csv(path: Path) -> list[Row]:
    """The rows of a patients CSV: UTF-8 with or without BOM, comma, semicolon or tab delimited."""
    import stat

    where = shown(str(path), 120)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a folder, a pipe or a device: never read
            raise CSVError(f"{where}: not a file; give the patients CSV exported from the clinic's system")
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CSVError(f"{where}: no such file; give the patients CSV exported from the clinic's system") from None
    except OSError as err:
        raise CSVError(f"{where}: cannot read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise CSVError(f"{where}: line {line}: not UTF-8 text (byte {err.start}); "
                       "export or save the file as 'CSV UTF-8'") from None
    if not text.strip():
        raise CSVError(f"{where}: the file is empty; it needs a header row (drug,lang,...) and a row per patient")
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as err:
        raise CSVError(f"{where}: line {reader.line_num}: {shown(err)}; check the quotes in that row") from None
    header = [_column(h) for h in records[0]]
    unknown = [i for i, h in enumerate(header) if h not in COLUMNS and h]
    missing = [c for c in REQUIRED if c not in header]
    example = f"drug{delimiter}lang{delimiter}patient"
    if missing and (unknown or not any(h in COLUMNS for h in header)):
        # not a header row: its cells are a patient's, and are never shown
        raise CSVError(f"{where}: the first row is not a header row (no column {', '.join(repr(m) for m in missing)}); "
                       f"add a first row that names the columns, e.g. {example}")
    if unknown:
        # a header row (it names drug and lang): its other cells are column names, not patient data
        hints = []
        for i in unknown:
            close = difflib.get_close_matches(header[i], COLUMNS, n=1)
            hints.append(f"'{shown(records[0][i], 40)}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise CSVError(f"{where}: unknown column {', '.join(hints)}; the columns are: {', '.join(COLUMNS)}")
    if missing:
        raise CSVError(f"{where}: no column {', '.join(repr(m) for m in missing)} in the header row; "
                       f"the first row must name the columns, e.g. {example}")
    dupes = {h for h in header if h and header.count(h) > 1}
    if dupes:
        raise CSVError(f"{where}: column {', '.join(sorted(dupes))} appears twice in the header row")
    rows = []
    for i, record in enumerate(records[1:], start=2):
        cells = {h: (record[j].strip() if j < len(record) else "") for j, h in enumerate(header) if h}
        if len(record) > len(header) and any(v.strip() for v in record[len(header):]):
            cells["__extra__"] = "1"
        rows.append(Row(i, cells))
    return rows


def _column(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return _COLUMN_ALIASES.get(key, key)


# ------------------------------------------------------------------------------ checking

@dataclass(frozen=True)
class Options:
    """What the command line says for every row (a row's own cells take precedence)."""

    out: Path
    paper: str | None = None
    large_print: bool = False
    print_date: _dt.date | None = None
    allow_fallback: bool = False
    require_reviewed: bool = False
    config: object = None  # handouts.config.Config
    content_dirs: tuple[Path, ...] = ()
    locales_dirs: tuple[Path, ...] = ()
    email: bool = False  # rows with an address are emailed: check the address
    encrypt: bool = False  # ... and each needs a pdf_password


class _Checker:
    """Checks rows; what is the same for many rows (a drug, a language) is looked up once."""

    def __init__(self, opts: Options):
        from handouts.handout import Request, resolve_dirs

        self.opts = opts
        base = Request(drug="x", lang="en", config=opts.config, content_dirs=opts.content_dirs,
                       locales_dirs=opts.locales_dirs)
        self.drug_dirs, self.catalog_dirs = resolve_dirs(base)
        self._lang: dict[str, str | Exception] = {}
        self._drug: dict[str, str | Exception] = {}
        self._base_key: dict[tuple, str] = {}
        self._translated: dict[tuple, str | None] = {}
        self.paper_note: str | None = None  # why the paper was chosen, said once for the batch

    # A cell's value is never repeated in a row's error: a cell may hold anything, even a
    # patient's name typed in the wrong column. The error names the row and the column.

    def language(self, value: str) -> str:
        if value not in self._lang:
            try:
                self._lang[value] = i18n.negotiate_language(value, self.catalog_dirs, echo=False)
            except UsageError as err:
                self._lang[value] = err
        found = self._lang[value]
        if isinstance(found, Exception):
            raise _RowError(f"lang: {found.message}")
        return found

    def drug(self, value: str) -> str:
        from handouts.locate import resolve_drug

        if value not in self._drug:
            try:
                self._drug[value] = resolve_drug(value, self.drug_dirs, echo=False)[0]
            except UsageError as err:
                self._drug[value] = err
        found = self._drug[value]
        if isinstance(found, Exception):
            raise _RowError(f"drug: {found.message}")
        return found

    def check(self, row: Row) -> Job:
        from handouts.handout import Request
        from handouts.locate import find_monograph

        c = row.cells
        if c.get("__extra__"):
            raise _RowError("more cells than columns; check for a stray delimiter in that row")
        if not c.get("drug", "").strip():
            raise _RowError("drug: missing; write the generic or brand name, e.g. baclofen")
        drug = self.drug(c["drug"])
        if not c.get("lang"):
            raise _RowError("lang: missing; write the patient's language, e.g. es")
        lang = self.language(c["lang"])
        paper = (c.get("paper") or self.opts.paper or "").lower() or None
        if paper not in (None, "letter", "a4"):
            raise _RowError("paper: use letter or a4 (or leave it empty)")
        large = (c.get("large_print") or "").lower()
        if large not in _TRUE | _FALSE:
            raise _RowError("large_print: write yes or no (or leave it empty)")
        try:
            personal = personal_from_fields(c)
        except FieldError as err:
            raise _RowError(f"{err.field}: {_scrub(err.reason, c)}") from None
        self._check_glyphs(lang, personal)
        email = c.get("email", "")
        if self.opts.email and email:
            from handouts.mail import AddressError, check_address

            try:
                email = check_address(email)
            except AddressError as err:
                raise _RowError(err.message) from None
            if self.opts.encrypt and not c.get("pdf_password"):
                raise _RowError("pdf_password: missing; with --encrypt every emailed row needs the password "
                                "the patient was given")
        req = Request(
            drug=drug, lang=lang, paper=paper, large_print=large in _TRUE or self.opts.large_print,
            print_date=self.opts.print_date, allow_fallback=self.opts.allow_fallback,
            config=self.opts.config, content_dirs=self.opts.content_dirs, locales_dirs=self.opts.locales_dirs,
            require_reviewed=self.opts.require_reviewed, personal=personal or None,
        )
        from handouts.handout import check_reviewed, paper_choice

        if req.require_reviewed or getattr(req.config, "require_reviewed", False):
            check_reviewed(lang, self.catalog_dirs)
        paper, note = paper_choice(req)
        self.paper_note = self.paper_note or note
        req = replace(req, paper=paper)
        self._check_translated(req, lang)
        path = find_monograph(drug, self.drug_dirs)
        key = self.output_key(req, lang, path)
        return Job(row=row.number, request=req, lang=lang,
                   filename=f"{row.number:04d}-{drug}-{lang}.pdf", key=key, email=email,
                   password=c.get("pdf_password", ""))

    def _check_translated(self, req, lang: str) -> None:
        """The language has every string this row needs (checked once per drug, language and
        kind of row), so --strict finds a missing translation before anything is made."""
        from handouts.errors import TranslationError
        from handouts.handout import handout_markup

        dose = req.personal.dose if req.personal else None
        key = (req.drug, lang, req.allow_fallback, bool(req.personal), dose.form if dose else None,
               bool(dose and dose.per_day), bool(dose and dose.food), bool(dose and dose.start))
        if key not in self._translated:
            try:
                handout_markup(req)
                self._translated[key] = None
            except TranslationError as err:
                self._translated[key] = err.message
        if self._translated[key]:
            raise _RowError(self._translated[key])

    def _check_glyphs(self, lang: str, personal: Personal) -> None:
        """A name that no font can print (an emoji) is this row's error, before anything is
        made; a name in another script than the handout's is printed in another font."""
        from handouts.errors import GlyphError
        from handouts.render import styles_path
        from handouts.render.names import check_name
        from handouts.render.styles import load_styles

        for fieldname in ("patient", "prescriber"):
            value = getattr(personal, fieldname)
            if value:
                try:
                    check_name(fieldname, value, lang, load_styles(styles_path()))
                except GlyphError as err:
                    raise _RowError(err.message) from None

    def output_key(self, req, lang: str, path: Path) -> str:
        """Hash of every input that affects the PDF's bytes."""
        from handouts import prepare as _prepare
        from handouts.render import styles_path, template_dirs

        from handouts.keys import Inputs

        base_id = (req.drug, lang, str(path))
        if base_id not in self._base_key:
            catalogs = [] if lang == i18n.SOURCE_LANGUAGE else i18n.catalog_paths(lang, self.catalog_dirs)
            generic = replace(req, personal=None)
            self._base_key[base_id] = (Inputs().add("prepared", _prepare.cache_key(generic, lang, path, catalogs,
                                                                                    template_dirs()))
                                       .add("styles", styles_path().read_bytes()).hexdigest())
        return Inputs().add("handout", self._base_key[base_id]).add_json("row", [
            req.paper, req.large_print, req.personal.as_key() if req.personal else None, req.require_reviewed,
        ]).hexdigest()


class _RowError(Exception):
    pass


def _scrub(message: str, cells: dict[str, str]) -> str:
    """Keep patient names and addresses out of a message."""
    for f in ("patient", "prescriber", "email"):
        v = cells.get(f)
        if v and len(v) > 1:
            message = message.replace(v, f"<{f}>")
    return message


def check_rows(rows: Iterable[Row], opts: Options) -> tuple[list[Job], Outcome, str | None]:
    """Each row's job, or its error; and, once for the batch, why the paper was chosen
    (when the machine's locale decided it without naming a country)."""
    checker = _Checker(opts)
    jobs: list[Job] = []
    outcome = Outcome()
    for row in rows:
        if not any(v for k, v in row.cells.items() if not k.startswith("__")):
            outcome.blank.append(row.number)
            continue
        try:
            jobs.append(checker.check(row))
        except _RowError as err:
            outcome.failed[row.number] = f"row {row.number}: {err}"
        except HandoutsError as err:
            outcome.failed[row.number] = f"row {row.number}: {_scrub(err.message, row.cells)}"
        except Exception as err:  # noqa: BLE001 - one row's failure must not stop the others
            # (the message is not shown: it could hold the row's data)
            outcome.failed[row.number] = (f"row {row.number}: cannot be checked (internal error "
                                          f"{err.__class__.__name__}); the other rows go on")
    return jobs, outcome, checker.paper_note


# ------------------------------------------------------------------------------ building

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise OutputError(f"{shown(str(path), 120)} is a symbolic link; handouts never writes through one: "
                          "remove it and run the batch again")


def _ledger(out: Path) -> dict[str, str]:
    """The folder's ledger: file name -> the hash of the inputs it was made from."""
    done: dict[str, str] = {}
    path = out / LEDGER
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)  # (build() refuses a link there first)
    except FileNotFoundError:
        return done
    except OSError as err:
        raise OutputError(f"cannot read the batch ledger {shown(str(path), 120)}: {err.strerror}; "
                          "remove it to make every handout again") from None
    with os.fdopen(fd, "rb") as fh:
        text = fh.read().decode("utf-8", "replace")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            done[parts[0]] = parts[1]
    return done


def _record(out: Path, job: Job) -> None:
    """Add a handout to the ledger as soon as its file is in place (flushed to disk), so a
    batch killed at any moment resumes without making it again. One short line per write()
    to a file opened for appending: lines from several workers never mix."""
    fd = os.open(out / LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o600)
    try:
        os.write(fd, f"{job.filename} {job.key}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def build_one(job: Job, out: Path) -> str | None:
    """Make one row's handout into ``out``; None, or the error message (no patient data)."""
    from handouts.handout import make_handout
    from handouts.output import write_atomic

    try:
        result = make_handout(job.request)
        write_atomic(out / job.filename, result.pdf, 0o600)
        _record(out, job)
    except HandoutsError as err:
        p = job.request.personal
        cells = {"patient": p.patient if p else "", "prescriber": p.prescriber if p else "", "email": job.email}
        return f"row {job.row}: {_scrub(err.message, cells)}"
    except OSError as err:
        return f"row {job.row}: cannot record it in the batch ledger: {err.strerror}; it will be made again next time"
    except Exception as err:  # noqa: BLE001 - one row's failure must not stop the others
        # (the message is not shown: it could hold the row's data)
        return f"row {job.row}: could not be made (internal error {err.__class__.__name__}); the other rows go on"
    return None


def _worker_init(parent: int | None = None) -> None:
    import signal

    from handouts.workers import exit_with_parent

    exit_with_parent(parent)  # a batch killed with SIGKILL leaves no worker behind
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # ReportLab, the layout and the PDF writer, once per worker, before the first row comes
    import handouts.render.layout  # noqa: F401
    import handouts.render.pdf  # noqa: F401


def _worker(args: tuple[list[Job], Path]) -> list[tuple[int, str | None]]:
    jobs, out = args
    return [(job.row, build_one(job, out)) for job in jobs]


def _ready() -> None:
    return None


class Workers:
    """The worker processes, started early: they load ReportLab while the rows are checked.

    ``with Workers(n) as w: ... build(..., workers=w)``; one worker means no extra process.
    """

    def __init__(self, count: int):
        self.count = max(1, count)
        self.pool = None

    def __enter__(self) -> "Workers":
        if self.count > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=self.count, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_worker_init, initargs=(os.getpid(),))
            for _ in range(self.count):
                self.pool.submit(_ready)
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def build(jobs: list[Job], out: Path, outcome: Outcome, *, workers: "int | Workers" = 1, force: bool = False,
          progress: Callable[[Job, str | None], None] | None = None, print_to=None) -> Outcome:
    """Make every job whose output is missing or out of date (all with ``force``).

    ``print_to``: a :class:`handouts.deliver.printfile.PrintFile` that gets every handout in CSV order
    as soon as it and all rows before it are done (so merging overlaps building).
    """
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    _refuse_link(out / LEDGER)
    for stale in out.glob(".[0-9][0-9][0-9][0-9]-*.pdf.*.tmp"):  # a write cut short by a crash or a kill
        try:
            stale.unlink()
        except OSError:
            pass
    done = {} if force else _ledger(out)
    order = sorted(jobs, key=lambda j: j.row)
    resolved: set[int] = set()
    next_print = 0

    def flush() -> None:
        nonlocal next_print
        while print_to is not None and next_print < len(order) and order[next_print].row in resolved:
            job = order[next_print]
            if job.row in outcome.files:
                print_to.add(outcome.files[job.row], f"Row {job.row}: {job.request.drug} ({job.lang})")
            next_print += 1

    todo = []
    for job in order:
        outcome.files[job.row] = out / job.filename
        if done.get(job.filename) == job.key and (out / job.filename).is_file():
            outcome.up_to_date.append(job.row)
            resolved.add(job.row)
            if progress:
                progress(job, "up to date")
        else:
            todo.append(job)
    flush()
    by_row = {j.row: j for j in todo}

    def finished(row: int, error: str | None) -> None:
        job = by_row[row]
        if error:
            outcome.failed[row] = error
            outcome.files.pop(row, None)
        else:
            outcome.made.append(row)  # (recorded in the ledger by whoever made it)
        resolved.add(row)
        if progress:
            progress(job, error)
        flush()

    if isinstance(workers, int):
        with Workers(workers if len(todo) > 1 else 1) as pool:
            _run(todo, out, finished, pool)
    else:
        _run(todo, out, finished, workers)
    return outcome


def _run(todo: list[Job], out: Path, finished, workers: Workers) -> None:
    if workers.pool is None or len(todo) <= 1:
        _build_here(todo, out, finished)
        return
    from concurrent.futures import as_completed

    # the same drug and language one after another: each worker's caches stay warm
    todo = sorted(todo, key=lambda j: (j.request.drug, j.lang, j.request.paper or "", j.row))
    # a few rows per task: fewer round trips between the processes, still a fair share each
    size = max(1, min(8, len(todo) // (workers.count * 8)))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    futures = [workers.pool.submit(_worker, (chunk, out)) for chunk in chunks]
    try:
        for fut in as_completed(futures):
            for row, error in fut.result():
                finished(row, error)
    except BaseException:
        for f in futures:
            f.cancel()
        raise


def _build_here(todo: list[Job], out: Path, finished) -> None:
    for job in todo:
        finished(job.row, build_one(job, out))


def open_print_file(path: Path, *, duplex: bool = False, copies: int = 1):
    """A print file to pass to :func:`build`; ``finish_print_file`` closes it."""
    from handouts.deliver.printfile import PrintFile

    for stale in Path(path).parent.glob(f".{Path(path).name}.*.tmp"):  # left by a run that was killed
        try:
            stale.unlink()
        except OSError:
            pass
    return PrintFile(path, duplex=duplex, copies=copies)


def finish_print_file(pf, outcome: Outcome) -> int:
    """Close the print file (0 and no file if no handout went into it)."""
    if pf.handouts == 0:
        pf.abort()
        return 0
    pf.close()
    outcome.print_pages = pf.pages
    return pf.pages


# ------------------------------------------------------------------------------ the folder

@contextmanager
def output_folder(out: Path, *, wait: bool = False, say: Callable[[str], None] = lambda line: None):
    """The batch's folder, made owner-only if new, held for this batch alone.

    A second batch writing into the same folder would overwrite the first one's handouts
    (file names come from row numbers): it stops with an error, or waits with ``wait``.
    """
    from handouts import locks
    from handouts.output import ensure_folder

    existed = out.is_dir()
    ensure_folder(out, "--out", private=True)
    if existed:
        _make_private(out, say)
    try:
        with locks.exclusive(out / LOCK, wait=wait,
                             on_wait=lambda: say(f"handouts: waiting for another batch writing to {shown(str(out))}...")):
            yield out
    except locks.Busy:
        raise OutputError(f"--out {shown(str(out), 120)}: another batch is writing there now; wait for it to "
                          "finish, run this one with --wait, or give another --out") from None


def _make_private(out: Path, say: Callable[[str], None]) -> None:
    """An existing folder is made owner-only (700) when it is a batch folder or empty; any
    other folder of the user's keeps its permissions, and the command says so."""
    import stat

    st = out.stat()
    if not st.st_mode & 0o077:
        return
    ours = (out / LEDGER).exists() or not any(out.iterdir())
    if ours and st.st_uid == os.getuid():
        try:
            os.chmod(out, 0o700)
            return
        except OSError:
            pass
    say(f"handouts: note: other users of this computer can list the folder {shown(str(out))} "
        f"(mode {stat.S_IMODE(st.st_mode):o}); the handouts in it are readable by you only")


def email_rows(jobs: list[Job], outcome: Outcome, *, config, settings, state: Path, insecure: bool = False,
               resend: bool = False, dry_run: Path | None = None, encrypt: bool = False, say=print):
    """Email every made or up-to-date handout whose row has an address; a report."""
    from handouts import mail
    from handouts.handout import handout_markup

    items = []
    info: dict[str, tuple[str, str]] = {}
    for job in sorted(jobs, key=lambda j: j.row):
        if not job.email or job.row not in outcome.files:
            continue
        pdf = outcome.files[job.row].read_bytes()
        key = mail.message_key(job.email, job.request.drug, job.lang, pdf)
        personal = job.request.personal
        msg = mail.compose(to=job.email, pdf=pdf, prepared=handout_markup(job.request), drug=job.request.drug,
                           lang=job.lang, settings=settings, config=config,
                           patient=personal.patient if personal else "",
                           encrypt_password=job.password if encrypt else None,
                           allow_fallback=job.request.allow_fallback, key=key)
        label = f"row {job.row}"
        info[label] = (job.request.drug, job.lang)
        items.append(mail.Outgoing(key=key, to=job.email, message=msg, label=label))
    ledger = None if dry_run else mail.Ledger(state)
    try:
        return mail.deliver(items, settings, ledger, insecure=insecure, resend=resend, dry_run=dry_run,
                            drug_lang=lambda item: info[item.label], say=say)
    finally:
        if ledger:
            ledger.close()
