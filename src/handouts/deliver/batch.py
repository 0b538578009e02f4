"""Batch: a day's handouts from one CSV, one PDF per row, and one print file in CSV order.

:func:`run_batch` does it all, for the command line and the web page alike: check every
row (each bad row becomes one error line and the rest go on) -> build the rows whose output
is missing or out of date, in worker processes -> merge the print file -> send it to a
printer -> email the rows that have an address. It never prints: it reports
:class:`Progress` events, which the command line draws as a progress bar and the web page
streams. A row's output is written atomically with owner-only permissions, then recorded in
the folder's ledger (``.handouts-batch``) with the hash of every input that affects its
bytes: a re-run skips what is done, so an interrupted batch resumes where it stopped.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first patient row 2.
No patient name or address is ever written to a log line, an error message or an event.
"""

from __future__ import annotations

import datetime as _dt
import os
import signal
import stat
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from handouts import locks
from handouts.config import EmailSettings
from handouts.deliver.printer import check_printer, send_to_printer
from handouts.deliver.printfile import PrintFile

# the CSV and its rows (re-exported: the command line and the tests know them from here)
from handouts.deliver.rows import (  # noqa: F401
    COLUMNS,
    REQUIRED,
    CSVError,
    Job,
    Options,
    Outcome,
    Row,
    _scrub,
    check_rows,
    read_csv,
)
from handouts.errors import HandoutsError, OutputError, shown
from handouts.handout import email_texts, make_handout, warm_up
from handouts.output import check_file_target, ensure_folder, write_atomic
from handouts.workers import exit_with_parent, keep_together

if TYPE_CHECKING:
    from handouts.deliver.mail import SendReport

LEDGER = ".handouts-batch"
#: held while a batch writes into its folder: a second batch there waits or stops
LOCK = ".handouts-batch.lock"


# ------------------------------------------------------------------------------ building

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise OutputError(f"{shown(str(path), 120)} is a symbolic link; handouts never writes through one: "
                          "remove it and run the batch again")


def _made_before(out: Path) -> dict[str, str]:
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


def _record_made(out: Path, job: Job) -> None:
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
    try:
        result = make_handout(job.request)
        with keep_together():  # (a worker whose batch was killed ends after both, not between)
            write_atomic(out / job.filename, result.pdf, 0o600)
            _record_made(out, job)
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
    exit_with_parent(parent)  # a batch killed with SIGKILL leaves no worker behind
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    warm_up()  # ReportLab, the layout and the PDF writer, once per worker, before the first row comes


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
            # (process pools, 2 MB and 15 ms: not for a batch of one worker)
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
    done = {} if force else _made_before(out)
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
    from concurrent.futures import as_completed  # (see Workers)

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
    existed = out.is_dir()
    ensure_folder(out, "--out", private=True)
    if existed:
        _make_private(out, say)
    try:
        with locks.exclusive(out / LOCK, wait=wait,
                             on_wait=lambda: say(f"waiting for another batch writing to {shown(str(out))}...")):
            yield out
    except locks.Busy:
        raise OutputError(f"--out {shown(str(out), 120)}: another batch is writing there now; wait for it to "
                          "finish, run this one with --wait, or give another --out") from None


def _make_private(out: Path, say: Callable[[str], None]) -> None:
    """An existing folder is made owner-only (700) when it is a batch folder or empty; any
    other folder of the user's keeps its permissions, and the command says so."""
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
    say(f"note: other users of this computer can list the folder {shown(str(out))} "
        f"(mode {stat.S_IMODE(st.st_mode):o}); the handouts in it are readable by you only")


def email_rows(jobs: list[Job], outcome: Outcome, email: "EmailOptions", out: Path,
               say: Callable[[str], None] = lambda line: None) -> "SendReport":
    """Email every made or up-to-date handout whose row has an address; a report."""
    from handouts.deliver import mail  # (email, SMTP, TLS and SQLite, 4 MB: only for a batch that emails)

    items = []
    info: dict[str, tuple[str, str]] = {}
    now = _dt.datetime.now(_dt.timezone.utc)
    for job in sorted(jobs, key=lambda j: j.row):
        if not job.email or job.row not in outcome.files:
            continue
        pdf = outcome.files[job.row].read_bytes()
        key = mail.message_key(job.email, job.request.drug, job.lang, pdf)
        msg = mail.compose(to=job.email, pdf=pdf, texts=email_texts(job.request, encrypted=email.encrypt),
                           settings=email.settings, key=key, date=now,
                           pdf_password=job.password if email.encrypt else None)
        label = f"row {job.row}"
        info[label] = (job.request.drug, job.lang)
        items.append(mail.Outgoing(key=key, to=job.email, message=msg, label=label))
    ledger = None if email.dry_run else mail.SendLedger(mail.state_folder(email.state, email.settings, out))
    try:
        return mail.send_all(items, email.settings, ledger, insecure=email.insecure, resend=email.resend,
                             dry_run=email.dry_run, drug_lang=lambda item: info[item.label], say=say)
    finally:
        if ledger:
            ledger.close()


# ------------------------------------------------------------------------------ the whole batch

@dataclass(frozen=True)
class EmailOptions:
    settings: EmailSettings
    state: Path | None = None  # the send ledger's folder (default: email.state, else next to the output)
    dry_run: Path | None = None  # write .eml files here; send nothing
    resend: bool = False
    insecure: bool = False  # allow plain SMTP (a local relay)
    encrypt: bool = False  # each PDF protected with its row's pdf_password


@dataclass(frozen=True)
class BatchOptions:
    rows: Options  # the output folder and what every row gets unless its cells say otherwise
    force: bool = False  # make every handout again, even those up to date
    workers: int = 0  # processes (0: the number of cores)
    wait: bool = False  # wait for another batch writing to the same folder
    strict: bool = False  # make nothing if any row is bad
    print_file: Path | None = None  # every handout in CSV order in one PDF
    duplex: bool = False
    copies: int = 1
    printer: str | None = None  # send the print file to this CUPS queue (default file: out/print.pdf)
    email: EmailOptions | None = None  # email each row that has an address


@dataclass(frozen=True)
class Progress:
    """One thing a running batch reports (never a patient's name or address).

    kinds: ``note`` (a notice for the user: waiting for another batch, why this paper),
    ``start`` (``total`` rows are going to be made or found up to date), ``row`` (row ``row``
    is done: ``text`` is "made", "up to date" or its error; ``done`` of ``total``),
    ``print-file`` (the print file is written: ``text`` its path, ``done`` its pages),
    ``printer`` (sent: ``text`` what the print system said), ``email`` (``text``: one line
    about one message).
    """

    kind: str
    text: str = ""
    row: int = 0
    done: int = 0
    total: int = 0
    file: str = ""  # the row's PDF file name


@dataclass
class BatchResult:
    outcome: Outcome
    out: Path
    refused: bool = False  # strict, and a row was bad: nothing made
    print_file: Path | None = None  # None: no print file asked for, or none written (nothing made)
    printer_reply: str | None = None  # what the print system said (the job's id)
    mailed: "SendReport | None" = None

    @property
    def ok(self) -> bool:
        return not (self.refused or self.outcome.failed or (self.mailed is not None and not self.mailed.ok))


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during the building: what was made is kept and recorded (a re-run finishes)."""

    def __init__(self, outcome: Outcome):
        super().__init__()
        self.outcome = outcome


def run_batch(rows: list[Row], options: BatchOptions,
              progress: Callable[[Progress], None] = lambda event: None) -> BatchResult:
    """Check every row, make every handout that is not up to date, then the print file, the
    print job and the emails that were asked for.

    What can be checked before a handout is made is checked first (the relay's settings, the
    printer, where the print file and the send ledger go); a bad row is reported and the rest
    go on, unless ``strict``. Raises :class:`BatchInterrupted` on Ctrl-C.
    """
    out = options.rows.out
    email = options.email
    row_options = replace(options.rows, email=email is not None, encrypt=bool(email and email.encrypt))

    def note(text: str) -> None:
        progress(Progress("note", text))

    if email is not None:
        from handouts.deliver import mail  # (see email_rows)

        mail.check_settings(email.settings, email.insecure, email.dry_run is not None)
    print_file = options.print_file or (out / "print.pdf" if options.printer else None)
    # a print file in the output folder is checked once that folder exists
    print_in_out = print_file is not None and print_file.resolve().parent == out.resolve()
    if print_file is not None and not print_in_out:
        check_file_target(print_file, "--print-file")
    if options.printer:
        check_printer(options.printer)
    result = BatchResult(Outcome(), out)
    with output_folder(out, wait=options.wait, say=note):
        if print_in_out:
            check_file_target(print_file, "--print-file")
        if email is not None:
            if email.dry_run is not None:
                mail.dry_run_folder(email.dry_run)
            else:  # the send ledger can be opened: found now, not after every handout is made
                mail.SendLedger(mail.state_folder(email.state, email.settings, out)).close()
        count = min(options.workers or os.cpu_count() or 1, max(1, len(rows)))
        with Workers(count if count > 1 and len(rows) > 1 else 1) as pool:
            jobs, outcome, paper_note = check_rows(rows, row_options)
            result.outcome = outcome
            if paper_note:
                note(paper_note)
            if options.strict and outcome.failed:
                result.refused = True
                return result
            progress(Progress("start", total=len(jobs)))
            done = 0

            def row_done(job: Job, status: str | None) -> None:
                nonlocal done
                done += 1
                progress(Progress("row", status or "made", row=job.row, done=done, total=len(jobs), file=job.filename))

            pf = open_print_file(print_file, duplex=options.duplex, copies=options.copies) if print_file else None
            try:
                build(jobs, out, outcome, workers=pool, force=options.force, progress=row_done, print_to=pf)
            except KeyboardInterrupt:
                if pf is not None:
                    pf.abort()
                raise BatchInterrupted(outcome) from None
            except BaseException:
                if pf is not None:
                    pf.abort()
                raise
        if pf is not None and finish_print_file(pf, outcome):
            result.print_file = print_file
            progress(Progress("print-file", str(print_file), done=outcome.print_pages))
            if options.printer:
                result.printer_reply = send_to_printer(print_file, options.printer)
                progress(Progress("printer", result.printer_reply))
        if email is not None:
            result.mailed = email_rows(jobs, outcome, email, out, say=lambda line: progress(Progress("email", line)))
    return result
