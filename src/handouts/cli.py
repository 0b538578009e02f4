"""The command line: a few lines per command over the library. Errors become one line and an exit code."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path
from typing import Optional

import typer

from handouts import __version__
from handouts.errors import HandoutsError, UsageError

app = typer.Typer(
    name="handouts",
    help="Print medication handouts for patients, in the patient's own language.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"handouts {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit.",
                                 callback=_version, is_eager=True),
) -> None:
    """Print medication handouts for patients, in the patient's own language.

    Example: handouts make --drug baclofen --lang es
    """


ContentOpt = typer.Option(None, "--content", metavar="DIR",
                          help="A folder of the clinic's own drug files (YAML); they add to or override the shipped ones.")
LocalesOpt = typer.Option(None, "--locales", metavar="DIR",
                          help="A folder of the clinic's own translation catalogs (locales/<ll>/LC_MESSAGES/messages.po).")
ConfigOpt = typer.Option(None, "--config", metavar="FILE",
                         help="The clinic's handouts.toml (default: ./handouts.toml if there is one).")


PatientOpt = typer.Option(None, "--patient", metavar="NAME", help="The patient's name, printed at the top.")
PrescriberOpt = typer.Option(None, "--prescriber", metavar="NAME", help="Who prescribed it, printed at the top.")
DoseOpt = typer.Option(None, "--dose", metavar="AMOUNT",
                       help="How much per dose, e.g. 1, 0.5 or 5 (with --form and --times: a dose chart).")
FormOpt = typer.Option(None, "--form", metavar="FORM", help="tablet, capsule, ml or packet.")
TimesOpt = typer.Option(None, "--times", metavar="N|TIMES",
                        help="Times a day (e.g. 3) or times of day: morning,noon,evening,bedtime.")
FoodOpt = typer.Option(None, "--food", metavar="with|without|either", help="Take it with food, without, or either.")
StartOpt = typer.Option(None, "--start", metavar="YYYY-MM-DD", help="The day to start taking it.")
StrengthOpt = typer.Option(None, "--strength", metavar="STRENGTH",
                           help='The strength of one tablet, capsule or packet, or of the liquid: "25 mg", "5 mg/mL".')
ScheduleOpt = typer.Option(None, "--schedule", metavar="STEPS",
                           help='A dose that changes (build-up or taper), in place of --dose and --times: steps '
                                '"DOSE TIMES DURATION; ..." (DURATION 10d or 2w; the last step may go on), e.g. '
                                '"1 1 2w; 2 1 2w; 2 morning,bedtime". With --form and --start: step dates and a calendar.')


def _personal(**fields):
    from handouts.personal import FieldError, personal_from_fields

    try:
        return personal_from_fields(fields) or None
    except FieldError as err:
        raise UsageError(f"--{err.field}: {err.reason}") from None


def _parse_date(value: str | None) -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--date: '{value}' is not a date; use YYYY-MM-DD, e.g. 2026-11-23") from None


@app.command()
def make(
    drug: str = typer.Option(..., "--drug", "-d",
                             help="The drug's generic or brand name, e.g. baclofen or Lamictal."),
    lang: str = typer.Option("en", "--lang", "-l",
                             help="The handout's language: a tag or a name, e.g. es, es-MX or Spanish."),
    out: Optional[str] = typer.Option(None, "--out", "-o", metavar="PATH",
                                      help="A folder (end it with / to make a new one) or a .pdf file name "
                                           "(default: <drug>-<lang>.pdf here)."),
    paper: Optional[str] = typer.Option(None, "--paper", metavar="letter|a4",
                                        help="The clinic's paper (default: the config, else the machine's locale)."),
    large_print: bool = typer.Option(False, "--large-print", help="Large print: body text 18 pt."),
    date: Optional[str] = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="Print this 'printed on' date."),
    allow_fallback: bool = typer.Option(
        False, "--allow-fallback",
        help="Print missing or stale translations in English, each marked [EN], with a notice on page 1."),
    bilingual: bool = typer.Option(
        False, "--bilingual",
        help="Add the English version after the patient's, in the same PDF (for the clinician and pharmacist)."),
    require_reviewed: bool = typer.Option(
        False, "--require-reviewed",
        help="Refuse a translation that a qualified translator has not reviewed (also: require_reviewed in the config)."),
    patient: Optional[str] = PatientOpt,
    prescriber: Optional[str] = PrescriberOpt,
    dose: Optional[str] = DoseOpt,
    form: Optional[str] = FormOpt,
    times: Optional[str] = TimesOpt,
    food: Optional[str] = FoodOpt,
    start: Optional[str] = StartOpt,
    strength: Optional[str] = StrengthOpt,
    schedule: Optional[str] = ScheduleOpt,
    content: Optional[Path] = ContentOpt,
    locales: Optional[Path] = LocalesOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Make one handout as a PDF; with --patient and the dose options, a personal one."""
    from handouts.config import load_config
    from handouts.errors import shown
    from handouts.handout import Request, make_handout
    from handouts.output import made_message, output_path, write_atomic

    if paper is not None and paper.lower() not in ("letter", "a4"):
        raise UsageError(f"--paper: unknown paper '{shown(paper)}'; use letter or a4")
    request = Request(
        drug=drug, lang=lang, paper=paper, large_print=large_print, print_date=_parse_date(date),
        allow_fallback=allow_fallback, config=load_config(config),
        content_dirs=tuple(p for p in [content] if p), locales_dirs=tuple(p for p in [locales] if p),
        bilingual=bilingual, require_reviewed=require_reviewed,
        personal=_personal(patient=patient, prescriber=prescriber, dose=dose, form=form, times=times,
                           food=food, start=start, strength=strength, schedule=schedule),
    )
    if out:
        output_path(out, "handout.pdf")  # a bad --out is found before anything is made
    result = make_handout(request)
    path = write_atomic(output_path(out, result.filename), result.pdf)
    for note in result.notes:  # a brand name's drug, why this paper
        typer.echo(f"handouts: {note}", err=True)
    typer.echo(made_message(path, result))


InsecureOpt = typer.Option(False, "--insecure-smtp",
                           help="Allow plain, unencrypted SMTP (email.security = none), for a local relay only.")
StateOpt = typer.Option(None, "--state", metavar="DIR", help="Folder of the send ledger (default: email.state, "
                        "else .handouts-state next to the output).")
DryRunOpt = typer.Option(None, "--dry-run", metavar="DIR", help="Write each message as an .eml file here; send nothing.")
ResendOpt = typer.Option(False, "--resend", help="Send again a handout the ledger says was sent.")
RateOpt = typer.Option(None, "--rate", metavar="N", min=1, help="At most N messages a minute (default: email.rate).")


@app.command()
def email(
    drug: str = typer.Option(..., "--drug", "-d",
                             help="The drug's generic or brand name, e.g. baclofen or Lamictal."),
    lang: str = typer.Option("en", "--lang", "-l",
                             help="The patient's language: a tag or a name, e.g. es or Spanish."),
    to: str = typer.Option(..., "--to", metavar="ADDRESS", help="The patient's email address."),
    paper: Optional[str] = typer.Option(None, "--paper", metavar="letter|a4", help="Paper of the attached PDF."),
    large_print: bool = typer.Option(False, "--large-print", help="Large print: body text 18 pt."),
    encrypt: bool = typer.Option(False, "--encrypt", help="Protect the PDF (AES-256) with the password in the "
                                 "environment variable HANDOUTS_PDF_PASSWORD (tell the patient separately)."),
    patient: Optional[str] = PatientOpt,
    prescriber: Optional[str] = PrescriberOpt,
    dose: Optional[str] = DoseOpt,
    form: Optional[str] = FormOpt,
    times: Optional[str] = TimesOpt,
    food: Optional[str] = FoodOpt,
    start: Optional[str] = StartOpt,
    strength: Optional[str] = StrengthOpt,
    schedule: Optional[str] = ScheduleOpt,
    dry_run: Optional[Path] = DryRunOpt,
    resend: bool = ResendOpt,
    state: Optional[Path] = StateOpt,
    insecure_smtp: bool = InsecureOpt,
    allow_fallback: bool = typer.Option(False, "--allow-fallback", help="Print missing translations in English, marked [EN]."),
    require_reviewed: bool = typer.Option(False, "--require-reviewed", help="Refuse an unreviewed translation."),
    content: Optional[Path] = ContentOpt,
    locales: Optional[Path] = LocalesOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Email one handout to a patient: a message in their language with the PDF attached.

    The SMTP relay is set in handouts.toml ([email]); the password only in the environment.
    A handout already sent to this address is not sent again (--resend to do so).
    """
    import os
    from dataclasses import replace

    from handouts import mail
    from handouts.config import load_config
    from handouts.errors import shown
    from handouts.handout import Request, handout_markup, make_handout

    cfg = load_config(config)
    settings = mail.settings_from(cfg)
    if paper is not None and paper.lower() not in ("letter", "a4"):
        raise UsageError(f"--paper: unknown paper '{shown(paper)}'; use letter or a4")
    try:
        address = mail.check_address(to, "--to")
    except mail.AddressError as err:
        raise UsageError(err.message) from None
    password = None
    if encrypt:
        password = os.environ.get("HANDOUTS_PDF_PASSWORD")
        if not password:
            raise UsageError("--encrypt: set the password in the environment variable HANDOUTS_PDF_PASSWORD")
    mail.check_settings(settings, insecure_smtp, dry_run is not None)
    request = Request(
        drug=drug, lang=lang, paper=paper, large_print=large_print, allow_fallback=allow_fallback, config=cfg,
        content_dirs=tuple(p for p in [content] if p), locales_dirs=tuple(p for p in [locales] if p),
        require_reviewed=require_reviewed,
        personal=_personal(patient=patient, prescriber=prescriber, dose=dose, form=form, times=times,
                           food=food, start=start, strength=strength, schedule=schedule),
    )
    result = make_handout(request)
    request = replace(request, drug=result.drug, lang=result.lang)  # a brand or a language's name resolved
    prepared = handout_markup(request)
    key = mail.message_key(address, result.drug, result.lang, result.pdf)
    msg = mail.compose(to=address, pdf=result.pdf, prepared=prepared, drug=result.drug, lang=result.lang,
                       settings=settings, config=cfg, patient=patient or "", encrypt_password=password,
                       allow_fallback=allow_fallback, key=key)
    item = mail.Outgoing(key=key, to=address, message=msg, label=f"{result.drug} ({result.lang})")
    ledger = None if dry_run else mail.Ledger(mail.state_folder(state, settings, Path.cwd()))
    try:
        report = mail.deliver([item], settings, ledger, insecure=insecure_smtp, resend=resend, dry_run=dry_run,
                              drug_lang=lambda _i: (result.drug, result.lang), say=typer.echo)
    finally:
        if ledger:
            ledger.close()
    for note in result.notes:  # a brand name's drug, why this paper
        typer.echo(f"handouts: {note}", err=True)
    typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def batch(
    csv_file: Path = typer.Argument(..., metavar="PATIENTS.csv",
                                    help="One row per patient and drug (columns: see README, 'Batch printing')."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR",
                                       help="Folder for the PDFs (default: a folder named after the CSV)."),
    print_file: Optional[Path] = typer.Option(None, "--print-file", metavar="FILE.pdf",
                                              help="Also write every handout, in CSV order, into this one PDF."),
    duplex: bool = typer.Option(False, "--duplex",
                                help="Pad each handout to an even page count (each starts on a new sheet)."),
    copies: int = typer.Option(1, "--copies", min=1, max=20, help="Copies of each handout in the print file."),
    printer: Optional[str] = typer.Option(None, "--printer", metavar="NAME",
                                          help="Send the print file to this CUPS queue (lp)."),
    strict: bool = typer.Option(False, "--strict", help="Check every row first; make nothing if any row is bad."),
    force: bool = typer.Option(False, "--force", help="Make every handout again, even those already up to date."),
    wait: bool = typer.Option(False, "--wait", help="If another batch is writing to the same --out folder, "
                              "wait for it to finish (default: stop with an error)."),
    workers: int = typer.Option(0, "--workers", "-j", min=0, help="Parallel processes (default: the number of cores)."),
    paper: Optional[str] = typer.Option(None, "--paper", metavar="letter|a4",
                                        help="Paper for rows without a paper column value."),
    large_print: bool = typer.Option(False, "--large-print", help="Large print for every row."),
    date: Optional[str] = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="Print this 'printed on' date."),
    allow_fallback: bool = typer.Option(False, "--allow-fallback",
                                        help="Print missing translations in English, marked [EN]."),
    require_reviewed: bool = typer.Option(False, "--require-reviewed",
                                          help="Refuse rows whose language is not reviewed."),
    send_email: bool = typer.Option(False, "--email", help="Email each handout to its row's address (email column)."),
    encrypt: bool = typer.Option(False, "--encrypt",
                                 help="With --email: protect each PDF with its row's pdf_password (AES-256)."),
    dry_run: Optional[Path] = DryRunOpt,
    resend: bool = ResendOpt,
    state: Optional[Path] = StateOpt,
    rate: Optional[int] = RateOpt,
    insecure_smtp: bool = InsecureOpt,
    content: Optional[Path] = ContentOpt,
    locales: Optional[Path] = LocalesOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Make a handout for every row of a CSV, and optionally one print file and a print job.

    Bad rows are reported (row number and what to fix) and the rest are made; the exit code
    is 1 if any row failed. A re-run skips handouts that are already up to date.
    """
    import os

    from handouts.deliver import batch as _batch
    from handouts.config import load_config
    from handouts.deliver.printer import check_printer, send_to_printer

    from handouts.errors import shown
    from handouts.output import check_file_target

    if paper is not None and paper.lower() not in ("letter", "a4"):
        raise UsageError(f"--paper: unknown paper '{shown(paper)}'; use letter or a4")
    out_dir = out or Path.cwd() / (csv_file.stem or "handouts")
    cfg = load_config(config)
    if (encrypt or dry_run or resend or state or rate or insecure_smtp) and not send_email:
        raise UsageError("--encrypt, --dry-run, --resend, --state, --rate and --insecure-smtp go with --email")
    settings = None
    if send_email:
        from dataclasses import replace as _replace

        from handouts import mail

        settings = mail.settings_from(cfg)
        if rate:
            settings = _replace(settings, rate=rate)
        mail.check_settings(settings, insecure_smtp, dry_run is not None)
    # everything that can be checked before a handout is made is checked now
    if printer and print_file is None:
        print_file = out_dir / "print.pdf"
    # a print file in the output folder is checked once that folder exists
    print_in_out = print_file is not None and print_file.resolve().parent == out_dir.resolve()
    if print_file is not None and not print_in_out:
        check_file_target(print_file, "--print-file")
    if printer:
        check_printer(printer)
    opts = _batch.Options(out=out_dir, paper=paper, large_print=large_print, print_date=_parse_date(date),
                          allow_fallback=allow_fallback, require_reviewed=require_reviewed,
                          config=cfg, content_dirs=tuple(p for p in [content] if p),
                          locales_dirs=tuple(p for p in [locales] if p), email=send_email, encrypt=encrypt)
    rows = _batch.read_csv(csv_file)
    say = lambda line: typer.echo(line, err=True)  # noqa: E731
    with _batch.output_folder(out_dir, wait=wait, say=say):
        if print_in_out:
            check_file_target(print_file, "--print-file")
        if send_email:
            from handouts import mail

            if dry_run is not None:
                mail.dry_run_folder(dry_run)
            else:  # the send ledger can be opened: found now, not after every handout is made
                mail.Ledger(mail.state_folder(state, settings, out_dir)).close()
        count = min(workers or os.cpu_count() or 1, max(1, len(rows)))
        with _batch.Workers(count if count > 1 and len(rows) > 1 else 1) as pool:
            jobs, outcome, note = _batch.check_rows(rows, opts)
            if note:
                say(f"handouts: {note}")
            report = _Report(len(jobs), sys.stderr.isatty())
            if strict and outcome.failed:
                for row in sorted(outcome.failed):
                    typer.echo(outcome.failed[row], err=True)
                typer.echo(f"--strict: {len(outcome.failed)} bad rows; nothing made. Fix them and run again.", err=True)
                raise typer.Exit(1)
            pf = _batch.open_print_file(print_file, duplex=duplex, copies=copies) if print_file else None
            try:
                with report:
                    _batch.build(jobs, out_dir, outcome, workers=pool, force=force, progress=report.step, print_to=pf)
            except KeyboardInterrupt:
                if pf is not None:
                    pf.abort()
                typer.echo(f"interrupted: {outcome.summary()}; run the same command again to finish", err=True)
                raise typer.Exit(130)
            except BaseException:
                if pf is not None:
                    pf.abort()
                raise
        if pf is not None:
            pages = _batch.finish_print_file(pf, outcome)
            if pages:
                typer.echo(f"print file: {print_file} ({pages} pages)")
                if printer:
                    typer.echo(f"sent to {printer}: {send_to_printer(print_file, printer)}")
            else:
                typer.echo("print file: not written (no handout was made)", err=True)
        mailed = None
        if send_email:
            from handouts import mail

            mailed = _batch.email_rows(jobs, outcome, config=cfg, settings=settings,
                                       state=mail.state_folder(state, settings, out_dir), insecure=insecure_smtp,
                                       resend=resend, dry_run=dry_run, encrypt=encrypt, say=typer.echo)
    for row in sorted(outcome.failed):
        typer.echo(outcome.failed[row], err=True)
    typer.echo(f"{outcome.summary()}; handouts in {out_dir}")
    if mailed is not None:
        typer.echo(mailed.summary())
    if outcome.failed or (mailed is not None and not mailed.ok):
        raise typer.Exit(1)


class _Report:
    """A progress bar on a terminal; plain lines in a log (never a patient's name)."""

    def __init__(self, total: int, tty: bool):
        self.total, self.tty, self.count = total, tty, 0
        self._progress = None

    def __enter__(self):
        if self.tty and self.total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(TextColumn("handouts"), BarColumn(), MofNCompleteColumn(),
                                      TimeRemainingColumn(), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total)
        return self

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()

    def line(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            typer.echo(text, err=True)

    def step(self, job, status: str | None) -> None:
        self.count += 1
        if self._progress is not None:
            self._progress.advance(self._task)
            if status and status != "up to date":
                self.line(status)
        elif status and status != "up to date":
            pass  # errors are listed at the end, in row order
        else:
            what = "up to date" if status else "made"
            typer.echo(f"[{self.count}/{self.total}] row {job.row}: {what} {job.filename}")


@app.command()
def check(
    drug: Optional[list[str]] = typer.Option(None, "--drug", "-d", help="Only this drug (repeatable)."),
    lang: Optional[list[str]] = typer.Option(None, "--lang", "-l", help="Only this language (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    no_layout: bool = typer.Option(False, "--no-layout", help="Skip laying out every handout (the slowest check)."),
    content: Optional[Path] = ContentOpt,
    locales: Optional[Path] = LocalesOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Check every handout: schema, translations, consistency, glyphs, readability, structure, layout.

    Prints a table (drug x language x check), then every problem as
    'file:line: what is wrong: what to do'. Exit code 1 on any error (or warning, with --strict).
    """
    import json

    from handouts import check as _check
    from handouts.config import load_config

    report = _check.run(drugs=drug or None, langs=lang or None, config=load_config(config),
                        content_dirs=tuple(p for p in [content] if p), locales_dirs=tuple(p for p in [locales] if p),
                        layout=not no_layout)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.table())
        typer.echo("")
        for p in sorted(report.problems, key=lambda p: (p.level != "error", p.where)):
            typer.echo(f"{p.level}: {p}")
        typer.echo(f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    if report.errors or (strict and report.warnings):
        raise typer.Exit(1)


@app.command("list")
def list_(
    content: Optional[Path] = ContentOpt,
    locales: Optional[Path] = LocalesOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """List the drugs and, per language, whether the translation is complete and reviewed."""
    from handouts.config import load_config
    from handouts.status import translation_status

    cfg = load_config(config)
    table = translation_status(cfg, tuple(p for p in [content] if p), tuple(p for p in [locales] if p))
    typer.echo(table)


fonts_app = typer.Typer(help="Fonts: prepare the large ones (Chinese, Japanese, Korean, Arabic) once.",
                        no_args_is_help=True)
app.add_typer(fonts_app, name="fonts")


@fonts_app.command("prepare")
def fonts_prepare(
    lang: Optional[list[str]] = typer.Option(None, "--lang", "-l",
                                             help="Only the fonts of these languages (default: all)."),
    locales: Optional[Path] = LocalesOpt,
) -> None:
    """Make the static fonts that some languages need, once, in the user's cache folder.

    Without this, a handout in such a language prepares its font on first use (up to a
    minute for Chinese, Japanese or Korean). Safe to run again: fonts already made and
    intact are kept; damaged ones are made again.
    """
    from handouts.render.fontprep import fonts_dir
    from handouts.render.fonts import prepare_families

    for name, files in prepare_families(lang or None, tuple(p for p in [locales] if p)):
        typer.echo(f"{name}: {', '.join(f.name for f in files)}")
    typer.echo(f"fonts folder: {fonts_dir()}")


def _fail(message: str, code: int, details: list[str] | None = None) -> None:
    from handouts.errors import one_line

    # whatever a message holds (a path, a value someone typed), it stays one line on a terminal
    typer.echo(f"handouts: error: {one_line(message)}", err=True)
    for line in details or []:
        typer.echo(f"  {one_line(line)}", err=True)
    sys.exit(code)


def _where(err: BaseException) -> str:
    """The place in handouts' own code where an unexpected error came from (file:line)."""
    import traceback

    frames = [f for f in traceback.extract_tb(err.__traceback__) if "handouts" in f.filename.replace("\\", "/")]
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{frame.filename.replace(chr(92), '/').rsplit('/handouts/', 1)[-1]}:{frame.lineno}"


def main(argv: list[str] | None = None) -> None:
    import os

    try:
        rv = app(args=argv, prog_name="handouts", standalone_mode=False)
    except HandoutsError as err:
        details = err.details if len(err.details) > 1 else []
        _fail(err.message, err.exit_code, details)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:  # the reader of the output went away (| head): nothing more to say
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        finally:
            sys.exit(1)
    except Exception as err:
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):  # the parser's own usage errors
            ctx = getattr(err, "ctx", None)
            where = getattr(ctx, "command_path", "handouts") if ctx else "handouts"
            _fail(f"{err.format_message()} (see '{where} --help')", int(err.exit_code))
        if type(err).__name__ == "Abort":
            _fail("aborted", 1)
        if os.environ.get("HANDOUTS_DEBUG"):
            raise
        if isinstance(err, ImportError):  # a broken installation
            from handouts.errors import shown

            _fail(f"a package handouts needs cannot be loaded ({shown(err, 100)}); reinstall handouts "
                  "(pip install --force-reinstall handouts)", 1)
        if isinstance(err, OSError) and err.strerror:
            _fail(f"{err.strerror}; check the files and folders given, and the free disk space", 1)
        # a fault of handouts itself: one line, and no detail that could hold a patient's data
        _fail(f"internal error ({err.__class__.__name__} at {_where(err)}); nothing was written. Please report "
              "it with the command you ran (set HANDOUTS_DEBUG=1 to see the details)", 70)
    sys.exit(rv if isinstance(rv, int) else 0)
