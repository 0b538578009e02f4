"""Reading gettext catalogs and looking strings up, recording what is missing or stale."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from handouts.errors import TranslationError
from handouts.i18n import DOMAIN, SOURCE_LANGUAGE, catalog_paths



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
    text: str
    fuzzy: bool


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


_CACHE: dict[tuple[str, int, int], Catalog] = {}


def load_catalog(path: Path, lang: str) -> Catalog:
    """Read one ``.po`` file (cached per process by path, size and mtime)."""
    import unicodedata

    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key in _CACHE:
        return _CACHE[key]
    from babel.messages.pofile import PoFileError, read_po

    from handouts.locate import display_path

    try:
        with path.open("rb") as fh:
            cat = read_po(fh, abort_invalid=True)
    except PoFileError as err:
        raise TranslationError(f"{display_path(path)}: broken catalog: {err}; fix it (msgfmt -c checks it)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise TranslationError(f"{display_path(path)}: cannot read the catalog: {err}") from None
    entries: dict[tuple[str | None, str], Entry] = {}
    for msg in cat:
        if not msg.id or isinstance(msg.id, tuple):
            # plural entries are keyed by their singular
            if isinstance(msg.id, tuple) and isinstance(msg.string, (tuple, list)):
                entries[(msg.context, msg.id[0])] = Entry(
                    "\x00".join(unicodedata.normalize("NFC", s) for s in msg.string), msg.fuzzy
                )
            continue
        text = unicodedata.normalize("NFC", msg.string or "")
        entries[(msg.context, unicodedata.normalize("NFC", msg.id))] = Entry(text, msg.fuzzy)
    import gettext

    result = Catalog(
        lang=lang,
        path=path,
        entries=entries,
        review=_parse_review(cat.header_comment or ""),
        plural=gettext.c2py(cat.plural_expr or "(n != 1)"),
    )
    _CACHE[key] = result
    return result


# --------------------------------------------------------------------------- lookups


@dataclass(frozen=True)
class Problem:
    area: str  # drug id, or "template"
    field: str  # content field, or the template string
    kind: str  # "missing" or "stale"


@dataclass
class Translator:
    """Looks strings up in the catalogs of one language and records what it could not find."""

    lang: str
    catalogs: list[Catalog]
    allow_fallback: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_source(self) -> bool:
        return self.lang == SOURCE_LANGUAGE

    @property
    def review(self) -> Review | None:
        return self.catalogs[0].review if self.catalogs else None

    def lookup(self, msgid: str, ctx: str | None, area: str, what: str) -> tuple[str, bool]:
        """(text, is_fallback). A missing or stale entry is recorded and English is returned."""
        if self.is_source:
            return msgid, False
        stale = False
        for cat in self.catalogs:
            entry = cat.entries.get((ctx, msgid))
            if entry is None or not entry.text:
                continue
            if entry.fuzzy:
                stale = True
                continue
            return entry.text, False
        self.problems.append(Problem(area, what, "stale" if stale else "missing"))
        return msgid, True

    def check_complete(self, drug: str) -> None:
        """Raise a TranslationError naming language, drug, fields and counts, unless allowed."""
        if not self.problems or self.allow_fallback:
            return
        raise TranslationError(describe_problems(self.lang, drug, self.problems, self.catalogs))


def describe_problems(lang: str, drug: str, problems: list[Problem], catalogs: list[Catalog]) -> str:
    from handouts.locate import display_path

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
