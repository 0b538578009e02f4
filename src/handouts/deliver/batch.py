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

import os
import re
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Callable

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

LEDGER = ".handouts-batch"
#: held while a batch writes into its folder: a second batch there waits or stops
LOCK = ".handouts-batch.lock"


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
