"""Reading gettext catalogs and looking strings up, recording what is missing or stale.

A catalog is checked as it is read: every line (a keyword and one C string, a string
continuing it, a comment or a blank line), the charset of its Content-Type header, its
Plural-Forms header (evaluated for n from 0 to 1000), and that no translation uses a
placeholder its English does not have. A broken file is a :class:`CatalogError` (a
TranslationError) whose message names the file and line.
"""

from __future__ import annotations

import datetime as _dt
import gettext
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from babel.messages.pofile import PoFileError, read_po, unescape

from handouts.errors import TranslationError, shown
from handouts.i18n import DOMAIN, SOURCE_LANGUAGE, catalog_paths
from handouts.locate import display_path


@dataclass(frozen=True)
class Review:
    status: str  # "reviewed" or "draft"
    reviewer: str | None
    date: _dt.date | None

    @property
    def reviewed(self) -> bool:
        return self.status == "reviewed" and bool(self.reviewer) and self.date is not None


@dataclass(frozen=True)
class Entry:
    text: str  # plural forms joined by NUL
    fuzzy: bool
    line: int = 0  # the line of its msgid in the catalog file


@dataclass
class Catalog:
    lang: str
    path: Path
    entries: dict[tuple[str | None, str], Entry]
    review: Review
    plural: Callable[[int], int]


_REVIEW_KEYS = {"review-status": "status", "reviewed-by": "reviewer", "reviewed-on": "date"}


def _parse_review(header_comment: str) -> Review:
    found: dict[str, str] = {}
    for line in header_comment.splitlines():
        m = re.match(r"^#\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$", line)
        if m and m.group(1).lower() in _REVIEW_KEYS:
            found[_REVIEW_KEYS[m.group(1).lower()]] = m.group(2)
    date = None
    if found.get("date"):
        try:
            date = _dt.date.fromisoformat(found["date"])
        except ValueError:
            date = None
    status = found.get("status", "draft").strip().lower() or "draft"
    return Review(status=status, reviewer=found.get("reviewer") or None, date=date)


# --------------------------------------------------------------------------- reading

#: the most plural forms a language has (CLDR's categories: zero, one, two, few, many, other)
MAX_PLURALS = 6
#: a Plural-Forms expression longer than this is refused (real ones are under 150 characters)
MAX_PLURAL_EXPRESSION = 500
#: a plural expression is evaluated for every n from 0 to this, and must give a form index
PLURAL_CHECK_UP_TO = 1000

#: one C string: quotes around characters and backslash escapes
_C_STRING = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_LINE = re.compile(rf'[ \t]*(msgctxt|msgid|msgid_plural|msgstr|msgstr\[[0-9]+\])[ \t]+({_C_STRING})[ \t]*')
_CONTINUATION_LINE = re.compile(rf'[ \t]*({_C_STRING})[ \t]*')
_CHARSET = re.compile(r'^[ \t]*"Content-Type:[^"\n]*?charset=([^\s;"\\]+)', re.IGNORECASE | re.MULTILINE)

#: what the formatter substitutes: ``%%`` or ``%(name)s``; any other ``%`` is printed as it is
_FORMAT = re.compile(r"%(?:(%)|\((\w+)\)s)")
#: what a translation may have written as a placeholder: ``%(...)`` with an optional conversion
_PLACEHOLDER_LIKE = re.compile(r"%(?:%|\(\w*\)[A-Za-z]?)")


@dataclass(frozen=True)
class CatalogProblem:
    """One thing wrong in a catalog file, at a line (0: the file as a whole)."""

    path: Path
    line: int
    what: str
    fix: str

    @property
    def where(self) -> str:
        return f"{display_path(self.path)}:{self.line}" if self.line else display_path(self.path)

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.fix}"


class CatalogError(TranslationError):
    """A catalog file is broken: its message names the file and line of the first problem."""

    def __init__(self, problems: list[CatalogProblem]):
        lines = [str(p) for p in problems]
        super().__init__(lines[0], details=lines if len(lines) > 1 else None)
        self.problems = list(problems)


def _error(path: Path, line: int, what: str, fix: str) -> CatalogError:
    return CatalogError([CatalogProblem(path, line, what, fix)])


def placeholders(text: str) -> list[str]:
    """The placeholders (``%(name)s``) the formatter substitutes in ``text``, in order."""
    return [f"%({m.group(2)})s" for m in _FORMAT.finditer(text) if m.group(2)]


def format_message(text: str, variables: dict, convert: Callable[[Any], str],
                   unknown: Callable[[str], str]) -> str:
    """``text`` with ``%(name)s`` replaced by ``convert(variables[name])`` and ``%%`` by ``%``.

    Any other ``%`` is kept as it is ("100% segura"). A placeholder whose name is not in
    ``variables`` is passed to ``unknown`` (which raises, or returns what to print).
    """
    if "%" not in text:
        return text

    def substitute(m: re.Match) -> str:
        if m.group(1):
            return "%"
        name = m.group(2)
        if name not in variables:
            return unknown(name)
        return convert(variables[name])

    return _FORMAT.sub(substitute, text)


def placeholder_problem(path: Path, line: int, msgid: str, used: str) -> CatalogProblem:
    """A translation uses a placeholder its English does not have."""
    english = sorted(set(placeholders(msgid)))
    fix = f"keep {', '.join(english)}" if english else "remove it (the English has no placeholder)"
    return CatalogProblem(path, line, f'the translation of "{shown(msgid)}" uses {shown(used)}, '
                          "which the English does not have", fix)


def _check_placeholders(path: Path, msg) -> list[CatalogProblem]:
    ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
    strs = msg.string if isinstance(msg.string, (tuple, list)) else (msg.string,)
    allowed = {p for i in ids for p in placeholders(i)}
    out: list[CatalogProblem] = []
    for text in strs:
        for found in _PLACEHOLDER_LIKE.findall(text or ""):
            if found != "%%" and found not in allowed:
                out.append(placeholder_problem(path, msg.lineno or 0, ids[0], found))
    return out


def _scan_lines(path: Path, lines: list[str]) -> list[tuple[int, str | None, str]]:
    """Each catalog line that carries a string, as (line number, keyword or None, the quoted string).

    Every line must be blank, a comment (``#``, obsolete ``#~`` entries included), a keyword
    with one C string, or one C string continuing the one before.
    """
    out: list[tuple[int, str | None, str]] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _KEYWORD_LINE.fullmatch(line.rstrip("\r"))
        if m:
            out.append((number, m.group(1), m.group(2)))
            continue
        m = _CONTINUATION_LINE.fullmatch(line.rstrip("\r"))
        if m:
            out.append((number, None, m.group(1)))
            continue
        raise _error(path, number, "not a valid catalog line (unterminated string?)", "fix the quotes")
    return out


def _header_fields(tokens: list[tuple[int, str | None, str]]) -> dict[str, tuple[str, int]]:
    """The header entry's fields (lower-case name -> value, line where the field starts)."""
    chunks: list[tuple[int, str]] = []
    state = None  # None: before the header; "id": its msgid; "str": its msgstr
    previous = None
    for number, keyword, string in tokens:
        if keyword is None:
            if state == "str":
                chunks.append((number, unescape(string)))
            elif state == "id" and unescape(string):
                state = None  # a long msgid that starts with "": not the header
            continue
        if state == "str":
            break
        if keyword == "msgid" and unescape(string) == "" and previous != "msgctxt":
            state = "id"
        elif keyword == "msgstr" and state == "id":
            state = "str"
            chunks.append((number, unescape(string)))
        elif state == "id":
            state = None
        previous = keyword
    fields: dict[str, tuple[str, int]] = {}
    current: list[str] = []
    start = 0

    def add() -> None:
        name, sep, value = "".join(current).partition(":")
        if sep and name.strip():
            fields.setdefault(name.strip().lower(), (value.strip(), start))

    for number, text in chunks:
        for ch in text:
            if not current:
                start = number
            if ch == "\n":
                add()
                current.clear()
            else:
                current.append(ch)
    if current:
        add()
    return fields


def _plural_function(path: Path, value: str, line: int) -> Callable[[int], int]:
    """The Plural-Forms header as a function, checked for every n from 0 to 1000."""
    fix = "write it as the gettext manual gives it for the language, e.g. nplurals=2; plural=(n != 1);"
    m = re.fullmatch(r"\s*nplurals\s*=\s*([^;]*?)\s*;\s*plural\s*=\s*([^;]*?)\s*;?\s*", value)
    if not m:
        raise _error(path, line, f"the Plural-Forms header \"{shown(value)}\" cannot be read", fix)
    count, expression = m.groups()
    if not re.fullmatch(r"[0-9]{1,2}", count) or not 1 <= int(count) <= MAX_PLURALS:
        raise _error(path, line, f"nplurals={shown(count)} in the Plural-Forms header is not a number "
                     f"from 1 to {MAX_PLURALS}", fix)
    nplurals = int(count)
    if len(expression) > MAX_PLURAL_EXPRESSION:
        raise _error(path, line, f"the plural expression in the Plural-Forms header is "
                     f"{len(expression)} characters long (at most {MAX_PLURAL_EXPRESSION})", fix)
    try:
        func = gettext.c2py(expression)
    except (ValueError, SyntaxError, RecursionError, OverflowError, ZeroDivisionError, MemoryError,
            TypeError) as err:
        raise _error(path, line, f"the plural expression \"{shown(expression)}\" cannot be read "
                     f"({shown(err)})", fix) from None
    for n in range(PLURAL_CHECK_UP_TO + 1):
        try:
            index = func(n)
        except (ArithmeticError, RecursionError, MemoryError, ValueError, TypeError) as err:
            raise _error(path, line, f"the plural expression \"{shown(expression)}\" fails for n={n} "
                         f"({shown(err) or type(err).__name__})", fix) from None
        if not 0 <= index < nplurals:
            raise _error(path, line, f"the plural expression \"{shown(expression)}\" gives {index} for n={n}, "
                         f"but nplurals={nplurals} allows 0 to {nplurals - 1}", fix)
    return func


def _decode(path: Path, data: bytes) -> str:
    """The file's text, decoded with the charset its Content-Type header names (default UTF-8)."""
    probe = data.decode("latin-1")
    m = _CHARSET.search(probe)
    charset, line = "utf-8", 0
    if m and m.group(1).lower() != "charset":  # gettext templates say charset=CHARSET
        charset, line = m.group(1), probe.count("\n", 0, m.start(1)) + 1
    fix = "save the file as UTF-8 and set charset=UTF-8 in its Content-Type header"
    try:
        text = data.decode(charset)  # a charset that is not a text encoding: LookupError too
    except LookupError:
        raise _error(path, line, f"unknown charset '{shown(charset)}' in the Content-Type header", fix) from None
    except UnicodeDecodeError as err:
        bad = data[err.start:err.start + 1]
        raise _error(path, data.count(b"\n", 0, err.start) + 1,
                     f"not valid {shown(charset.upper())} text (byte 0x{bad.hex().upper()})", fix) from None
    return text[1:] if text.startswith("\ufeff") else text


def _parse(path: Path):
    """(Babel's catalog, plural function) of one ``.po`` file, or a :class:`CatalogError`."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise _error(path, 0, f"cannot read the catalog ({shown(err.strerror or err)})",
                     "check that the file exists and can be read") from None
    text = _decode(path, data)
    tokens = _scan_lines(path, text.split("\n"))
    fields = _header_fields(tokens)
    plural = None
    if "plural-forms" in fields:
        value, line = fields["plural-forms"]
        plural = _plural_function(path, value, line)
    fix = "fix it (msgfmt -c checks it)"
    try:
        cat = read_po(io.StringIO(text), abort_invalid=True)
    except PoFileError as err:
        what = str(err).rsplit(" on ", 1)[0]
        raise _error(path, err.lineno + 1, f"broken catalog: {shown(what)}", fix) from None
    except Exception as err:  # noqa: BLE001 (Babel's other failures: a header it cannot read)
        raise _error(path, 0, f"broken catalog: {shown(err) or type(err).__name__}", fix) from None
    if plural is None:
        plural = gettext.c2py("(n != 1)")
    return cat, plural


def read_catalog(path: Path):
    """One ``.po`` file as Babel's catalog, every line and header checked first.

    A broken file is a :class:`CatalogError` naming the file and, where known, the line.
    """
    return _parse(path)[0]


_CACHE: dict[tuple[str, int, int], Catalog] = {}


def load_catalog(path: Path, lang: str) -> Catalog:
    """Read one ``.po`` file (cached per process by path, size and mtime).

    Raises a :class:`CatalogError` (a TranslationError) for a broken file, and for a
    translation that uses a placeholder its English does not have.
    """
    try:
        st = path.stat()
    except OSError as err:
        raise _error(path, 0, f"cannot read the catalog ({shown(err.strerror or err)})",
                     "check that the file exists and can be read") from None
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key in _CACHE:
        return _CACHE[key]
    cat, plural = _parse(path)
    entries: dict[tuple[str | None, str], Entry] = {}
    problems: list[CatalogProblem] = []
    for msg in cat:
        if not msg.id:
            continue
        if msg.string and not msg.fuzzy:
            problems.extend(_check_placeholders(path, msg))
        if isinstance(msg.id, tuple):
            # plural entries are keyed by their singular; one empty form: not translated
            forms = msg.string if isinstance(msg.string, (tuple, list)) else (msg.string,)
            text = "\x00".join(unicodedata.normalize("NFC", s) for s in forms) if all(forms) else ""
            entries[(msg.context, msg.id[0])] = Entry(text, msg.fuzzy, msg.lineno or 0)
            continue
        text = unicodedata.normalize("NFC", msg.string or "")
        entries[(msg.context, unicodedata.normalize("NFC", msg.id))] = Entry(text, msg.fuzzy, msg.lineno or 0)
    if problems:
        raise CatalogError(problems)
    result = Catalog(
        lang=lang,
        path=path,
        entries=entries,
        review=_parse_review(cat.header_comment or ""),
        plural=plural,
    )
    _CACHE[key] = result
    return result


# --------------------------------------------------------------------------- lookups


@dataclass(frozen=True)
class Untranslated:
    area: str  # drug id, or "template"
    field: str  # content field, or the template string
    kind: str  # "missing" or "stale"


@dataclass(frozen=True)
class Found:
    """A looked-up string: the translation (plural forms joined by NUL) or the English."""

    text: str
    fallback: bool
    catalog: Catalog | None = None  # the catalog it comes from (None: the English)
    line: int = 0  # the line of its entry in that catalog
    problem: Untranslated | None = None  # why it is the English: missing or stale


@dataclass(frozen=True)
class Translator:
    """Looks strings up in the catalogs of one language. It keeps nothing: what it could not
    find comes back with each look-up, and each step returns the problems it met."""

    lang: str
    catalogs: list[Catalog]
    allow_fallback: bool = False

    @property
    def is_source(self) -> bool:
        return self.lang == SOURCE_LANGUAGE

    @property
    def review(self) -> Review | None:
        return self.catalogs[0].review if self.catalogs else None

    def find(self, msgid: str, ctx: str | None, area: str, what: str) -> Found:
        """The translation, with the catalog and line it comes from; for a missing or stale
        entry the English, with the problem."""
        if self.is_source:
            return Found(msgid, False)
        stale = False
        for cat in self.catalogs:
            entry = cat.entries.get((ctx, msgid))
            if entry is None or not entry.text:
                continue
            if entry.fuzzy:
                stale = True
                continue
            return Found(entry.text, False, cat, entry.line)
        return Found(msgid, True, problem=Untranslated(area, what, "stale" if stale else "missing"))

    def check_complete(self, drug: str, problems: Iterable[Untranslated]) -> None:
        """Raise a TranslationError naming language, drug, fields and counts, unless allowed."""
        problems = list(problems)
        if not problems or self.allow_fallback:
            return
        raise TranslationError(describe_problems(self.lang, drug, problems, self.catalogs))


class Lookups:
    """One step's look-ups (a template being rendered), with the problems met on the way;
    what the template's ``_()`` calls see as ``_translator``."""

    def __init__(self, tr: Translator):
        self.translator = tr
        self.lang = tr.lang
        self.is_source = tr.is_source
        self.problems: list[Untranslated] = []

    def find(self, msgid: str, ctx: str | None, area: str, what: str) -> Found:
        found = self.translator.find(msgid, ctx, area, what)
        if found.problem is not None:
            self.problems.append(found.problem)
        return found


def describe_problems(lang: str, drug: str, problems: list[Untranslated], catalogs: list[Catalog]) -> str:
    missing = sum(p.kind == "missing" for p in problems)
    stale = sum(p.kind == "stale" for p in problems)
    by_field: dict[str, dict[str, int]] = {}
    for p in problems:
        name = p.field if p.area != "template" else "template text"
        by_field.setdefault(name, {"missing": 0, "stale": 0})[p.kind] += 1
    parts = []
    for name, counts in by_field.items():
        bits = [f"{n} {k}" for k, n in counts.items() if n]
        parts.append(f"{name} ({', '.join(bits)})")
    where = display_path(catalogs[0].path) if catalogs else f"locales/{lang.replace('-', '_')}/LC_MESSAGES/{DOMAIN}.po"
    counts = " and ".join(x for x in (f"{missing} missing" if missing else "", f"{stale} stale (fuzzy)" if stale else "") if x)
    return (
        f"the '{lang}' translation of {drug} is incomplete: {counts}: {'; '.join(parts)}. "
        f"Translate them in {where}, or use --allow-fallback to print them in English, marked"
    )


def translator_for(lang: str, dirs: Iterable[Path], allow_fallback: bool = False) -> Translator:
    paths = [] if lang == SOURCE_LANGUAGE else catalog_paths(lang, dirs)
    return Translator(lang, [load_catalog(p, lang) for p in paths], allow_fallback)


def catalog_characters(lang: str, dirs: Iterable[Path]) -> set[str]:
    """Every character the language's catalogs use (what its fonts must be able to draw)."""
    chars: set[str] = set()
    for path in [] if lang == SOURCE_LANGUAGE else catalog_paths(lang, dirs):
        for entry in load_catalog(path, lang).entries.values():
            chars.update(entry.text)
    return chars
