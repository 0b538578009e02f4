"""The patients CSV of a batch: reading it, the row model, and checking every row.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first patient row 2.
A bad row becomes one error line naming the row and the column, never a cell's value (it may
be a patient's name, address or dose); the other rows go on. Used by ``handouts batch`` and
the web page's "Check rows".
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from handouts import i18n
from handouts.config import Config, parse_paper
from handouts.errors import GlyphError, HandoutsError, TranslationError, UsageError, shown
from handouts.handout import (
    Request,
    check_names,
    check_reviewed,
    content_key,
    handout_markup,
    paper_choice,
    resolve_dirs,
)
from handouts.keys import Inputs
from handouts.locate import find_monograph, resolve_drug
from handouts.personal import FIELDS as PERSONAL_FIELDS
from handouts.personal import FieldError, personal_from_fields

#: the CSV's columns (README, "Batch printing"); only drug and lang are required
COLUMNS = ("drug", "lang", "paper", "large_print", *PERSONAL_FIELDS, "email", "pdf_password")
REQUIRED = ("drug", "lang")
_COLUMN_ALIASES = {"language": "lang", "medicine": "drug", "drug_name": "drug", "name": "patient",
                   "patient_name": "patient", "doctor": "prescriber", "amount": "dose", "paper_size": "paper",
                   "e_mail": "email", "email_address": "email"}
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
    request: Request
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
    where = shown(str(path), 120)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a folder, a pipe or a device: never read
            raise CSVError(f"{where}: not a file; give the patients CSV exported from the clinic's system")
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CSVError(f"{where}: no such file; give the patients CSV exported from the clinic's system") from None
    except OSError as err:
        raise CSVError(f"{where}: cannot read: {err.strerror}") from None
    return read_csv_bytes(raw, str(path))


def read_csv_bytes(raw: bytes, where: str) -> list[Row]:
    """The rows of a patients CSV's bytes (an upload); ``where`` names it in errors."""
    where = shown(where, 120)
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
    config: Config = field(default_factory=Config)
    content_dirs: tuple[Path, ...] = ()
    locales_dirs: tuple[Path, ...] = ()
    email: bool = False  # rows with an address are emailed: check the address
    encrypt: bool = False  # ... and each needs a pdf_password


class _RowChecker:
    """Checks rows; what is the same for many rows (a drug, a language) is looked up once."""

    def __init__(self, opts: Options):
        self.opts = opts
        self.drug_dirs, self.catalog_dirs = resolve_dirs(opts.config, opts.content_dirs, opts.locales_dirs)
        self._lang: dict[str, str | Exception] = {}
        self._drug: dict[str, str | Exception] = {}
        self._base_key: dict[tuple, str] = {}
        self._translated: dict[tuple, str | None] = {}
        self.paper_note: str | None = None  # why the paper was chosen, said once for the batch

    # A cell's value is never repeated in a row's error: a cell may hold anything, even a
    # patient's name typed in the wrong column. The error names the row and the column.

    def _looked_up(self, found: dict, value: str, field: str, look_up) -> str:
        """``look_up(value)`` once per distinct value; its UsageError is this row's error for ``field``."""
        if value not in found:
            try:
                found[value] = look_up(value)
            except UsageError as err:
                found[value] = err
        if isinstance(found[value], Exception):
            raise _RowError(f"{field}: {found[value].message}")
        return found[value]

    def language(self, value: str) -> str:
        return self._looked_up(self._lang, value, "lang",
                               lambda v: i18n.negotiate_language(v, self.catalog_dirs, echo=False))

    def drug(self, value: str) -> str:
        return self._looked_up(self._drug, value, "drug", lambda v: resolve_drug(v, self.drug_dirs, echo=False)[0])

    def check(self, row: Row) -> Job:
        c = row.cells
        if c.get("__extra__"):
            raise _RowError("more cells than columns; check for a stray delimiter in that row")
        if not c.get("drug", "").strip():
            raise _RowError("drug: missing; write the generic or brand name, e.g. baclofen")
        drug = self.drug(c["drug"])
        if not c.get("lang"):
            raise _RowError("lang: missing; write the patient's language, e.g. es")
        lang = self.language(c["lang"])
        try:
            paper = parse_paper(c.get("paper") or self.opts.paper or None, "paper")
        except UsageError:
            raise _RowError("paper: use letter or a4 (or leave it empty)") from None
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
            # (the email package, with SMTP, TLS and SQLite: only for a batch that emails)
            from handouts.deliver.mail.addresses import AddressError, check_address

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
        if req.require_reviewed or req.config.require_reviewed:
            check_reviewed(lang, self.catalog_dirs)
        paper, note = paper_choice(req.paper, req.config)
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

    def _check_glyphs(self, lang: str, personal) -> None:
        """A name that no font can print (an emoji) is this row's error, before anything is made."""
        try:
            check_names(lang, personal)
        except GlyphError as err:
            raise _RowError(err.message) from None

    def output_key(self, req: Request, lang: str, path: Path) -> str:
        """Hash of every input that affects the PDF's bytes."""
        base_id = (req.drug, lang, str(path))
        if base_id not in self._base_key:
            self._base_key[base_id] = content_key(req.drug, lang, path, self.catalog_dirs,
                                                  allow_fallback=req.allow_fallback, print_date=req.print_date,
                                                  config=req.config)
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
    checker = _RowChecker(opts)
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
