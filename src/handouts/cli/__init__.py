"""The command line: each command is its options, one library call, and printing the result.

The option blocks that several commands share are in :mod:`handouts.cli.options`; errors
become one line and an exit code (:mod:`handouts.cli.errors`). The library is imported inside
each command that needs it: ``handouts make`` does not load the batch and email code (50 ms)
or the checks (170 ms).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from handouts import __version__
from handouts.cli.errors import run
from handouts.cli.options import FOLDERS, HANDOUT, PERSONAL, SENDING, blocks, parse_date
from handouts.errors import UsageError
from handouts.handout import Request, make_handout
from handouts.output import made_message, output_path, write_atomic

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


DrugOpt = typer.Option(..., "--drug", "-d", help="The drug's generic or brand name, e.g. baclofen or Lamictal.")
LangOpt = typer.Option("en", "--lang", "-l", help="The patient's language: a tag or a name, e.g. es, es-MX or Spanish.")
DateOpt = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="Print this 'printed on' date.")


@app.command()
@blocks
def make(
    drug: str = DrugOpt,
    lang: str = LangOpt,
    out: Optional[str] = typer.Option(None, "--out", "-o", metavar="PATH",
                                      help="A folder (end it with / to make a new one) or a .pdf file name "
                                           "(default: <drug>-<lang>.pdf here)."),
    handout=HANDOUT,
    date: Optional[str] = DateOpt,
    bilingual: bool = typer.Option(
        False, "--bilingual",
        help="Add the English version after the patient's, in the same PDF (for the clinician and pharmacist)."),
    personal=PERSONAL,
    folders=FOLDERS,
) -> None:
    """Make one handout as a PDF; with --patient and the dose options, a personal one."""
    request = Request(drug=drug, lang=lang, print_date=parse_date(date), bilingual=bilingual, personal=personal,
                      **handout, **folders.request())
    if out:
        output_path(out, "handout.pdf")  # a bad --out is found before anything is made
    result = make_handout(request)
    path = write_atomic(output_path(out, result.filename), result.pdf)
    for note in result.notes:  # a brand name's drug, why this paper
        typer.echo(f"handouts: {note}", err=True)
    typer.echo(made_message(path, result))


def _pdf_password(encrypt: bool) -> str | None:
    password = os.environ.get("HANDOUTS_PDF_PASSWORD") if encrypt else None
    if encrypt and not password:
        raise UsageError("--encrypt: set the password in the environment variable HANDOUTS_PDF_PASSWORD")
    return password


@app.command()
@blocks
def email(
    drug: str = DrugOpt,
    lang: str = LangOpt,
    to: str = typer.Option(..., "--to", metavar="ADDRESS", help="The patient's email address."),
    encrypt: bool = typer.Option(False, "--encrypt", help="Protect the PDF (AES-256) with the password in the "
                                 "environment variable HANDOUTS_PDF_PASSWORD (tell the patient separately)."),
    handout=HANDOUT,
    personal=PERSONAL,
    sending=SENDING,
    folders=FOLDERS,
) -> None:
    """Email one handout to a patient: a message in their language with the PDF attached.

    The SMTP relay is set in handouts.toml ([email]); the password only in the environment.
    A handout already sent to this address is not sent again (--resend to do so).
    """
    # (the email code, 50 ms: only for this command)
    from handouts.deliver.mail import email_handout, settings_from
    settings = settings_from(folders.config)
    done = email_handout(
        Request(drug=drug, lang=lang, personal=personal, **handout, **folders.request()), to,
        settings=settings, state=sending.state, dry_run=sending.dry_run, insecure=sending.insecure,
        resend=sending.resend, pdf_password=_pdf_password(encrypt), say=typer.echo)
    for note in done.handout.notes:  # a brand name's drug, why this paper
        typer.echo(f"handouts: {note}", err=True)
    typer.echo(done.report.summary())
    if not done.report.ok:
        raise typer.Exit(1)


@app.command()
@blocks
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
    handout=HANDOUT,
    date: Optional[str] = DateOpt,
    send_email: bool = typer.Option(False, "--email", help="Email each handout to its row's address (email column)."),
    encrypt: bool = typer.Option(False, "--encrypt",
                                 help="With --email: protect each PDF with its row's pdf_password (AES-256)."),
    rate: Optional[int] = typer.Option(None, "--rate", metavar="N", min=1,
                                       help="At most N messages a minute (default: email.rate)."),
    sending=SENDING,
    folders=FOLDERS,
) -> None:
    """Make a handout for every row of a CSV, and optionally one print file and a print job.

    Bad rows are reported (row number and what to fix) and the rest are made; the exit code
    is 1 if any row failed. A re-run skips handouts that are already up to date.
    """
    # (the batch and email code, 50 ms: only for this command)
    from handouts.cli.progress import BatchProgressBar
    from handouts.deliver.batch import BatchInterrupted, BatchOptions, EmailOptions, Options, read_csv, run_batch

    if (encrypt or rate or sending.any) and not send_email:
        raise UsageError("--encrypt, --dry-run, --resend, --state, --rate and --insecure-smtp go with --email")
    out_dir = out or Path.cwd() / (csv_file.stem or "handouts")
    mailing = None
    if send_email:
        from handouts.deliver.mail import settings_from  # (the email code, 4 MB: only with --email)

        settings = settings_from(folders.config)
        mailing = EmailOptions(settings=replace(settings, rate=rate) if rate else settings, state=sending.state,
                               dry_run=sending.dry_run, resend=sending.resend, insecure=sending.insecure,
                               encrypt=encrypt)
    options = BatchOptions(
        rows=Options(out=out_dir, print_date=parse_date(date), **handout, **folders.request()),
        force=force, workers=workers, wait=wait, strict=strict, print_file=print_file, duplex=duplex,
        copies=copies, printer=printer, email=mailing)
    rows = read_csv(csv_file)
    try:
        with BatchProgressBar(sys.stderr.isatty(), printer) as bar:
            result = run_batch(rows, options, bar)
    except BatchInterrupted as stop:
        typer.echo(f"interrupted: {stop.outcome.summary()}; run the same command again to finish", err=True)
        raise typer.Exit(130) from None
    outcome = result.outcome
    for row in sorted(outcome.failed):
        typer.echo(outcome.failed[row], err=True)
    if result.refused:
        typer.echo(f"--strict: {len(outcome.failed)} bad rows; nothing made. Fix them and run again.", err=True)
        raise typer.Exit(1)
    if (print_file or printer) and result.print_file is None:
        typer.echo("print file: not written (no handout was made)", err=True)
    typer.echo(f"{outcome.summary()}; handouts in {out_dir}")
    if result.mailed is not None:
        typer.echo(result.mailed.summary())
    if not result.ok:
        raise typer.Exit(1)


@app.command()
@blocks
def check(
    drug: Optional[list[str]] = typer.Option(None, "--drug", "-d", help="Only this drug (repeatable)."),
    lang: Optional[list[str]] = typer.Option(None, "--lang", "-l", help="Only this language (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    no_layout: bool = typer.Option(False, "--no-layout", help="Skip laying out every handout (the slowest check)."),
    folders=FOLDERS,
) -> None:
    """Check every handout: schema, translations, consistency, glyphs, readability, structure, layout.

    Prints a table (drug x language x check), then every problem as
    'file:line: what is wrong: what to do'. Exit code 1 on any error (or warning, with --strict).
    """
    # (the checks and textstat, 170 ms: only for this command)
    from handouts import check as _check

    report = _check.run(drugs=drug or None, langs=lang or None, layout=not no_layout, **folders.request())
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
@blocks
def list_(folders=FOLDERS) -> None:
    """List the drugs and, per language, whether the translation is complete and reviewed."""
    # (Jinja2 and the catalogs, 90 ms: only for this command)
    from handouts.status import translation_status

    typer.echo(translation_status(folders.config, folders.content_dirs, folders.locales_dirs))


@app.command()
@blocks
def serve(
    host: Optional[str] = typer.Option(None, "--host", metavar="ADDRESS",
                                       help="Listen on this address (default 127.0.0.1: this computer only; "
                                            "another needs [serve] password_hash)."),
    port: Optional[int] = typer.Option(None, "--port", min=1, max=65535, help="The port (default 8765)."),
    hash_password: bool = typer.Option(False, "--hash-password",
                                       help="Read a new access password from standard input and print its hash "
                                            "for [serve] password_hash; start nothing."),
    folders=FOLDERS,
) -> None:
    """The front desk's web page: make, preview, print and email handouts, and run a batch."""
    if hash_password:
        from handouts.serve.security import hash_password as _hash  # (the web page's code: only for this command)

        password = sys.stdin.readline().rstrip("\n")
        if len(password) < 10:
            raise UsageError("--hash-password: use a password of 10 characters or more")
        typer.echo(_hash(password))
        return
    from handouts.serve import serve as _serve  # (the web page's code: only for this command)

    _serve(folders.config, host, port, say=lambda line: typer.echo(line, err=True))


fonts_app = typer.Typer(help="Fonts: prepare the large ones (Chinese, Japanese, Korean, Arabic) once.",
                        no_args_is_help=True)
app.add_typer(fonts_app, name="fonts")


@fonts_app.command("prepare")
def fonts_prepare(
    lang: Optional[list[str]] = typer.Option(None, "--lang", "-l",
                                             help="Only the fonts of these languages (default: all)."),
    locales: Optional[Path] = FOLDERS.options["locales"][1],
) -> None:
    """Make the static fonts that some languages need, once, in the user's cache folder.

    Without this, a handout in such a language prepares its font on first use (up to a
    minute for Chinese, Japanese or Korean). Safe to run again: fonts already made and
    intact are kept; damaged ones are made again.
    """
    # (ReportLab and the font tools: only for this command)
    from handouts.render.fontprep import fonts_dir
    from handouts.render.fonts import prepare_families

    for name, files in prepare_families(lang or None, tuple(p for p in [locales] if p)):
        typer.echo(f"{name}: {', '.join(f.name for f in files)}")
    typer.echo(f"fonts folder: {fonts_dir()}")


def main(argv: list[str] | None = None) -> None:
    run(app, argv)
