"""`handouts check`: is every handout readable, complete, current and printable?

Seven checks over the content files and catalogs (shipped, or a clinic's own):

1. schema       every content file against the schema (every error, with file and line)
2. translation  per catalog: missing, fuzzy (stale), obsolete entries; reviewed or not
3. consistency  numbers, units, drug names, URLs and placeholders kept in each translation
4. glyphs       every character of a catalog drawable by the font its language uses
5. readability  the English source per section (Flesch-Kincaid grade: warning above 6,
                error above 8; sentence length, long words); Spanish with Fernandez-Huerta
6. structure    what a reader needs: the boxed warning first, no empty section, short
                lists (7 items at most), questions and key points, sources, a recent review
7. layout       every handout on Letter and A4 without an overflow, body text 12 pt or more
                (18 in large print), at most 3 pages on Letter

Every problem is one line, ``file:line: what is wrong: what to do``, an error or a warning.
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from dataclasses import replace as _replace
from pathlib import Path

import pypdfium2 as pdfium
import textstat

from handouts import i18n
from handouts.config import Config
from handouts.content import OPTIONAL_KEYS, check_monograph, parse_yaml
from handouts.errors import ContentError, HandoutsError
from handouts.handout import Request, handout_markup, make_handout, resolve_dirs
from handouts.i18n.catalog import CatalogError, load_catalog, read_catalog, translator_for
from handouts.i18n.consistency import check_catalog
from handouts.i18n.localize import localize
from handouts.locate import available_drugs, display_path, find_monograph, resolve_drug
from handouts.render import styles_path
from handouts.render.fonts import coverage_for
from handouts.render.layout import parse_markup
from handouts.render.styles import load_styles
from handouts.resources import content_dir, locales_dir
from handouts.workers import exit_with_parent

CHECKS = ("schema", "translation", "consistency", "glyphs", "readability", "structure", "layout")
MAX_LIST = 7
GRADE_WARN, GRADE_ERROR = 6.0, 8.0
LONG_SENTENCE = 20  # words
MAX_PAGES = 3
REVIEW_MAX_AGE = 365  # days


@dataclass
class Problem:
    check: str
    level: str  # "error" | "warning"
    where: str  # "content/baclofen.yaml:14"
    what: str
    fix: str
    drug: str | None = None
    lang: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.fix}"


@dataclass
class Report:
    drugs: list[str]
    langs: list[str]
    problems: list[Problem] = field(default_factory=list)
    grades: dict = field(default_factory=dict)  # drug -> lang -> section -> figures
    translations: dict = field(default_factory=dict)  # lang -> state
    pages: dict = field(default_factory=dict)  # "drug/lang/paper" -> pages
    skipped: set = field(default_factory=set)  # checks not run (--no-layout)

    def add(self, *args, **kw) -> None:
        self.problems.append(Problem(*args, **kw))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def status(self, check: str, drug: str, lang: str) -> str:
        if check in self.skipped:
            return "skipped"
        mine = [p for p in self.problems if p.check == check and p.drug in (None, drug) and p.lang in (None, lang)]
        if any(p.level == "error" for p in mine):
            return "ERROR"
        if mine:
            return "warn"
        return "ok"

    def table(self) -> str:
        rows = [["drug", "lang", *CHECKS]]
        for drug in self.drugs:
            for lang in self.langs:
                cells = []
                for c in CHECKS:
                    if c == "readability" and lang not in ("en", "es"):
                        cells.append("-")
                    else:
                        cells.append(self.status(c, drug, lang))
                rows.append([drug, lang, *cells])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)

    def as_json(self) -> dict:
        return {
            "ok": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [asdict(p) | {"line": str(p)} for p in self.problems],
            "readability": self.grades,
            "translations": self.translations,
            "pages": self.pages,
            "skipped": sorted(self.skipped),
        }


# ------------------------------------------------------------------------------ the run

def run(*, drugs: list[str] | None = None, langs: list[str] | None = None, config=None,
        content_dirs: tuple[Path, ...] = (), locales_dirs: tuple[Path, ...] = (), today: _dt.date | None = None,
        layout: bool = True) -> Report:
    config = config or Config()
    base = Request(drug="", lang="en", config=config, content_dirs=content_dirs, locales_dirs=locales_dirs)
    drug_dirs, catalog_dirs = resolve_dirs(config, content_dirs, locales_dirs)
    all_drugs = available_drugs(drug_dirs)
    all_langs = i18n.available_languages(catalog_dirs)
    if drugs:  # asked for by name: a generic or brand name, or an error that says which exist
        wanted = {resolve_drug(d, drug_dirs)[0] for d in drugs}
        drugs = [d for d in all_drugs if d in wanted]
    else:
        drugs = all_drugs
    langs = [i18n.negotiate_language(lang, catalog_dirs) for lang in langs] if langs else all_langs
    report = Report(drugs, langs)
    monos = _schema(report, drugs, drug_dirs)
    for lang in langs:
        if lang != i18n.SOURCE_LANGUAGE:
            _translation(report, lang, catalog_dirs, monos)
            _consistency(report, lang, catalog_dirs, monos)
            _web_page(report, lang)
        _glyphs(report, lang, catalog_dirs)
    for drug, (mono, doc) in monos.items():
        _readability(report, drug, mono, doc, catalog_dirs if "es" in langs else None)
        _structure(report, drug, mono, doc, today or _dt.date.today(), base, drug_dirs)
    if layout:
        _layout(report, [d for d in drugs if d in monos], langs, base)
    else:
        report.skipped.add("layout")
    return report


# ------------------------------------------------------------------------------ 1. schema

def _schema(report: Report, drugs: list[str], drug_dirs: list[Path]) -> dict:
    monos = {}
    for drug in drugs:
        path = find_monograph(drug, drug_dirs)
        where = display_path(path)
        try:
            doc = parse_yaml(path.read_text(encoding="utf-8"), where)
            monos[drug] = (check_monograph(doc, where, path, drug), doc)
        except ContentError as err:
            for line in err.details or [err.message]:
                loc, _, rest = line.partition(": ")
                report.add("schema", "error", loc, rest or line, "correct it in the content file", drug)
        except (OSError, UnicodeDecodeError) as err:
            report.add("schema", "error", where, f"cannot read: {err}", "save it as UTF-8 text", drug)
    return monos


# ------------------------------------------------------------------------------ 2. translation state

def _po(path: Path):
    """Babel's catalog of one file; a broken file is a CatalogError naming its file and line."""
    return read_catalog(path)


def _loaded(report: Report, check: str, path: Path, lang: str):
    """The catalog as a handout reads it, or None when it is broken: then the problem is
    reported, once for all the checks (the first check to meet it reports it)."""
    try:
        return load_catalog(path, lang)
    except CatalogError as err:
        _report_broken(report, check, lang, err)
        return None


def _report_broken(report: Report, check: str, lang: str, err) -> None:
    for p in err.problems:
        if not any(q.where == p.where and q.what == p.what for q in report.problems):
            report.add(check, "error", p.where, p.what, p.fix, None, lang)


def _template_ids() -> dict[tuple[str | None, str], int]:
    pot = locales_dir() / "messages.pot"
    if not pot.is_file():
        return {}
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.lineno for m in _po(pot) if m.id}


def _translation(report: Report, lang: str, catalog_dirs: list[Path], monos: dict) -> None:
    paths = i18n.catalog_paths(lang, catalog_dirs)
    state = {"catalogs": [], "missing": 0, "fuzzy": 0, "obsolete": 0}
    expected = _template_ids()
    shipped = paths[-1] if paths else None
    for path in paths:
        where = display_path(path)
        loaded = _loaded(report, "translation", path, lang)
        if loaded is None:
            state["catalogs"].append({"path": where, "review": None, "reviewed_by": None, "reviewed_on": None,
                                      "broken": True})
            continue
        cat = _po(path)
        review = loaded.review
        state["catalogs"].append({"path": where, "review": review.status, "reviewed_by": review.reviewer,
                                  "reviewed_on": review.date.isoformat() if review.date else None})
        present = {}
        for m in cat:
            if not m.id:
                continue
            key = (m.context, m.id if isinstance(m.id, str) else m.id[0])
            present[key] = m
            # a plural entry with one form left empty is not translated either
            forms = [m.string] if isinstance(m.string, str) else list(m.string)
            if m.fuzzy:
                state["fuzzy"] += 1
                report.add("translation", "error", f"{where}:{m.lineno}",
                           f"stale (fuzzy) translation of \"{_short(key[1])}\"",
                           "the English changed: update the translation and remove the fuzzy flag", None, lang)
            elif not all((s or "").strip() for s in forms):
                state["missing"] += 1
                report.add("translation", "error", f"{where}:{m.lineno}", f"missing translation of \"{_short(key[1])}\"",
                           "translate it", None, lang)
        for m in cat.obsolete.values():
            state["obsolete"] += 1
            report.add("translation", "warning", f"{where}:{m.lineno}", f"obsolete entry \"{_short(str(m.id))}\"",
                       "the English no longer has it: delete it", None, lang)
        if path == shipped:
            for key, line in expected.items():
                if key not in present:
                    state["missing"] += 1
                    report.add("translation", "error", f"{where}", f"no entry for \"{_short(key[1])}\"",
                               "run pybabel update (README, 'For translators') and translate it", None, lang)
        if not review.reviewed and path == paths[0]:
            report.add("translation", "warning", f"{where}:1",
                       "translation not yet reviewed by a qualified translator",
                       "have it reviewed, then set Review-Status: reviewed, Reviewed-By and Reviewed-On", None, lang)
    # content strings of a clinic's own drugs, which the shipped template does not list
    for drug, (mono, _doc) in monos.items():
        if mono.path.resolve().parent == content_dir().resolve():
            continue  # shipped content: the template above lists its strings
        try:
            tr = translator_for(lang, catalog_dirs, allow_fallback=True)
        except CatalogError as err:  # reported above
            _report_broken(report, "translation", lang, err)
            break
        for p in localize(mono, tr).problems:
            report.add("translation", "error", display_path(paths[0]) if paths else lang,
                       f"{p.kind} translation for {drug}: {p.field}",
                       "translate it in the catalog", drug, lang)
    report.translations[lang] = state


def _web_page(report: Report, lang: str) -> None:
    """The web page's own catalog (handouts serve), where the language has one: every string of
    locales/web.pot translated, and reviewed or reported as a draft."""
    path = locales_dir() / lang.replace("-", "_") / "LC_MESSAGES" / "web.po"
    template = locales_dir() / "web.pot"
    if not path.is_file() or not template.is_file():
        return
    where = display_path(path)
    try:
        cat = load_catalog(path, lang)
    except CatalogError as err:
        _report_broken(report, "translation", lang, err)
        return
    wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_catalog(template) if m.id}
    for key in sorted(wanted, key=str):
        entry = cat.entries.get(key)
        if entry is None or not entry.text or entry.fuzzy:
            report.add("translation", "error", where, f"the web page: {'stale' if entry and entry.fuzzy else 'missing'} "
                       f"translation of \"{_short(key[1])}\"", "translate it (pybabel update -D web ...)", None, lang)
    if not cat.review.reviewed:
        report.add("translation", "warning", f"{where}:1", "the web page's translation not yet reviewed by a "
                   "qualified translator", "have it reviewed, then set Review-Status: reviewed, Reviewed-By and "
                   "Reviewed-On", None, lang)


# ------------------------------------------------------------------------------ 3. consistency

def _consistency(report: Report, lang: str, catalog_dirs: list[Path], monos: dict) -> None:
    brands = {drug: list(m.brand_names) for drug, (m, _d) in monos.items()}
    for path in i18n.catalog_paths(lang, catalog_dirs):
        if _loaded(report, "consistency", path, lang) is None:
            continue  # a broken catalog is one problem, reported once
        for m in check_catalog(path, brands):
            line = str(m)
            where, _, rest = line.partition(": ")
            what, _, fix = rest.rpartition(": ")
            report.add("consistency", "error", where, what or rest, fix or "keep it as in the English", None, lang)


# ------------------------------------------------------------------------------ 4. glyphs

def _glyphs(report: Report, lang: str, catalog_dirs: list[Path]) -> None:
    family = load_styles(styles_path()).family_for(lang)
    cover = coverage_for(family)
    for path in i18n.catalog_paths(lang, catalog_dirs):
        if _loaded(report, "glyphs", path, lang) is None:
            continue  # a broken catalog is one problem, reported once
        for m in _po(path):
            if not m.id:
                continue
            text = m.string if isinstance(m.string, str) else "".join(m.string)
            bad = sorted({ch for ch in text if not cover(ch)})
            for ch in bad:
                report.add("glyphs", "error", f"{display_path(path)}:{m.lineno}",
                           f"U+{ord(ch):04X} {unicodedata.name(ch, '?')} cannot be drawn by the font {family.name}",
                           "use another character, or set a font that has it in templates/styles.toml", None, lang)


# ------------------------------------------------------------------------------ 5. readability

def _sentences(items) -> list[str]:
    return [s for s in items if s.rstrip().endswith((".", "?", "!", ":"))]


def _readability(report: Report, drug: str, mono, doc, catalog_dirs: list[Path] | None) -> None:
    where = display_path(mono.path)
    names = {mono.name.lower(), *(b.lower() for b in mono.brand_names)}
    grades = report.grades.setdefault(drug, {}).setdefault("en", {})
    for fieldname, items in mono.texts:
        if not items:
            continue  # an optional group this drug does not have
        # a phone number's placeholder reads as the number it stands for
        items = [re.sub(r"%\(\w+\)s", "911", str(getattr(x, "text", x))) for x in items]
        line = doc.lines.get(fieldname, 1)
        sentences = _sentences(items)
        if len(sentences) < len(items) / 2:
            grades[fieldname] = {"scored": False, "reason": "a list of terms, not sentences"}
            continue
        text = " ".join(sentences)
        textstat.set_lang("en")
        grade = float(textstat.flesch_kincaid_grade(text))
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
        long_words = sorted({w for w in words if textstat.syllable_count(w) >= 4 and w.lower() not in names})
        sentence_words = [len(re.findall(r"\S+", s)) for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]
        grades[fieldname] = {"scored": True, "grade": grade, "sentences": len(sentence_words),
                             "words_per_sentence": round(sum(sentence_words) / max(1, len(sentence_words)), 1),
                             "long_words": long_words}
        if grade > GRADE_ERROR:
            report.add("readability", "error", f"{where}:{line}", f"{fieldname}: reading grade {grade:.1f} (above 8)",
                       "use shorter sentences and everyday words", drug, "en")
        elif grade > GRADE_WARN:
            report.add("readability", "warning", f"{where}:{line}", f"{fieldname}: reading grade {grade:.1f} (above 6)",
                       "use shorter sentences and everyday words", drug, "en")
        for n, s in zip(sentence_words, re.split(r"(?<=[.?!])\s+", text)):
            if n > LONG_SENTENCE:
                report.add("readability", "warning", f"{where}:{line}",
                           f"{fieldname}: a sentence of {n} words (\"{_short(s)}\")", "split it", drug, "en")
    if catalog_dirs is not None:
        _spanish(report, drug, mono, catalog_dirs)


def _spanish(report: Report, drug: str, mono, catalog_dirs: list[Path]) -> None:
    try:
        tr = translator_for("es", catalog_dirs, allow_fallback=True)
    except CatalogError:
        return  # a broken catalog is reported once, by the translation check
    loc = localize(mono, tr)
    grades = report.grades.setdefault(drug, {}).setdefault("es", {})
    textstat.set_lang("es")
    try:
        for fieldname, _items in mono.texts:
            texts = [t.value for t in loc.items(fieldname)] if hasattr(loc, "items") else []
            sentences = _sentences(texts)
            if not sentences or len(sentences) < len(texts) / 2:
                grades[fieldname] = {"scored": False, "reason": "a list of terms, not sentences"}
                continue
            score = float(textstat.fernandez_huerta(" ".join(sentences)))
            grades[fieldname] = {"scored": True, "fernandez_huerta": score}
            if score < 60:
                report.add("readability", "warning", f"es:{drug}:{fieldname}",
                           f"Spanish reading ease {score:.0f} (Fernandez-Huerta; below 60 is hard)",
                           "ask the translator for shorter sentences", drug, "es")
    finally:
        textstat.set_lang("en")


# ------------------------------------------------------------------------------ 6. structure

def _structure(report: Report, drug: str, mono, doc, today: _dt.date, base, drug_dirs) -> None:
    where = display_path(mono.path)
    fields = dict(mono.texts)
    for fieldname, items in mono.texts:
        line = doc.lines.get(fieldname, 1)
        if not items and fieldname.split(".")[0] in OPTIONAL_KEYS:
            continue  # a group for some patients only (pump users): most drugs have none
        if not items:
            report.add("structure", "error", f"{where}:{line}", f"{fieldname}: empty section", "write it", drug)
        elif len(items) > MAX_LIST:
            report.add("structure", "warning", f"{where}:{line}", f"{fieldname}: {len(items)} items in one list",
                       f"keep lists to {MAX_LIST} items or fewer: split it or cut", drug)
    if not fields.get("warning"):
        report.add("structure", "error", f"{where}:1", "no boxed warning", "add the most important information", drug)
    # what a reader needs depends on who reads it: a patient takes the medicine and may miss a
    # dose; family and friends (naloxone) give it once, and need the steps
    if mono.audience == "family" and not fields.get("steps.items"):
        report.add("structure", "error", f"{where}:{doc.lines.get('audience', 1)}",
                   "audience family: no numbered steps", "add steps: what to do, one action with its picture each",
                   drug)
    if mono.audience == "patient" and not fields.get("missed_dose"):
        report.add("structure", "error", f"{where}:1", "missed_dose: a patient's handout says what to do about a "
                   "missed dose", "write it (only a handout for family and friends leaves it out)", drug)
    questions = fields.get("questions", ())
    if len(questions) < 6:
        report.add("structure", "error", f"{where}:{doc.lines.get('questions', 1)}",
                   f"questions: {len(questions)} questions", "a handout needs at least 6", drug)
    kp = fields.get("key_points", ())
    if not 3 <= len(kp) <= 6:
        report.add("structure", "error", f"{where}:{doc.lines.get('key_points', 1)}",
                   f"key_points: {len(kp)} key points", "a summary has 3 to 6", drug)
    for i, s in enumerate(mono.sources):
        if not s.url or not s.accessed:
            report.add("structure", "error", f"{where}:{doc.lines.get(f'sources[{i}]', 1)}",
                       f"sources[{i}]: no URL or accessed date", "give both", drug)
    age = (today - mono.review_date).days
    if age > REVIEW_MAX_AGE:
        report.add("structure", "warning", f"{where}:{doc.lines.get('review_date', 1)}",
                   f"review_date: last reviewed {mono.review_date.isoformat()}, more than a year ago",
                   "review the content against the current label and update review_date", drug)
    # the boxed warning first, in the handout as laid out
    try:
        root = parse_markup(handout_markup(_replace(base, drug=drug, lang="en")).markup)
    except Exception as err:  # noqa: BLE001 (reported, not hidden)
        report.add("structure", "error", where, f"the handout cannot be made: {err}", "see the error", drug)
        return
    body = [el.tag for el in root if el.tag not in ("footer", "letterhead", "title", "subtitle", "meta", "notice")]
    if not body or body[0] != "warning":
        report.add("structure", "error", "templates/handout.xml.j2", "the boxed warning is not the first block",
                   "move <warning> before the sections", drug)


# ------------------------------------------------------------------------------ 7. layout

def _layout(report: Report, drugs: list[str], langs: list[str], base) -> None:
    """Every handout laid out on both papers, in regular and large print: it fits, its text
    does not overlap other text, the body is large enough, and the page count is kept."""
    for large, minimum in ((False, 12.0), (True, 18.0)):
        body = load_styles(styles_path(), large).sizes["body"]
        if body < minimum:
            report.add("layout", "error", "templates/styles.toml",
                       f"body text {body:g} pt{' in large print' if large else ''}",
                       f"set it to {minimum:g} pt or more")
    jobs = [_replace(base, drug=drug, lang=lang, paper=paper, large_print=large, allow_fallback=True)
            for drug in drugs for lang in langs for large in (False, True) for paper in ("letter", "a4")]
    for req, (pages, overlaps, error) in zip(jobs, _laid_out(jobs)):
        drug, lang, paper, large = req.drug, req.lang, req.paper, req.large_print
        where = f"{drug}/{lang}/{paper}{'/large-print' if large else ''}"
        if error is not None:
            report.add("layout", "error", where, error, "fix what it names", drug, lang)
            continue
        report.pages[where] = pages
        for page, first, second in overlaps[:3]:
            report.add("layout", "error", where,
                       f"page {page}: text drawn over other text (\"{_short(first, 30)}\" and "
                       f"\"{_short(second, 30)}\")",
                       "shorten the text or change the layout in templates/styles.toml", drug, lang)
        if paper == "letter" and not large and pages > MAX_PAGES:
            report.add("layout", "error", where, f"{pages} pages on Letter",
                       f"the standard handout takes at most {MAX_PAGES}: shorten the text", drug, lang)


#: below this many handouts, laying them out here is quicker than starting worker processes
_PARALLEL_FROM = 24


def _laid_out(jobs: list) -> list[tuple[int, list, str | None]]:
    """Each request made and read back: (pages, overlaps, error message), in the jobs' order.

    The whole formulary is some 800 layouts: they are shared among one process per core
    (the fonts are prepared on disk once; each worker loads them)."""
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or len(jobs) < _PARALLEL_FROM:
        return [_lay_out(req) for req in jobs]
    chunk = max(1, len(jobs) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
        return list(pool.map(_lay_out, jobs, chunksize=chunk))


def _lay_out(req) -> tuple[int, list, str | None]:
    try:
        pdf = make_handout(req).pdf
    except HandoutsError as err:
        return 0, [], err.message
    pages, overlaps = inspect_pdf(pdf)
    return pages, overlaps, None


def inspect_pdf(pdf: bytes) -> tuple[int, list[tuple[int, str, str]]]:
    """The page count, and every pair of text runs drawn over each other: (page, text, text).

    The runs are the text boxes a PDF reader finds (pdfium); two runs overlap when they share
    more than half of the taller one's height over a width of more than 1.5 pt. A mark on a
    letter (a vowel sign above or below it) is smaller than that and is not counted, nor are two
    runs of the same line that touch by less than half a letter.
    """
    found: list[tuple[int, str, str]] = []
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = len(doc)
        for number in range(pages):
            page = doc[number]
            text = page.get_textpage()
            try:
                boxes = [text.get_rect(i) for i in range(text.count_rects(0, -1))]
                boxes.sort(key=lambda b: b[0])
                for i, (l1, b1, r1, t1) in enumerate(boxes):
                    for l2, b2, r2, t2 in boxes[i + 1:]:
                        if l2 >= r1:
                            break  # sorted by left edge: nothing further can overlap this one
                        width = min(r1, r2) - max(l1, l2)
                        height = min(t1, t2) - max(b1, b2)
                        tall = max(t1 - b1, t2 - b2)
                        if abs(b1 - b2) < 0.25 * tall and width < 0.45 * tall:
                            # two runs of one line that touch: a shaped cluster (Hindi "ढूँ") drawn
                            # a little into its neighbour's box, not text over text
                            continue
                        if width > 1.5 and height > 0.5 * tall:
                            found.append((number + 1, text.get_text_bounded(l1, b1, r1, t1).strip(),
                                          text.get_text_bounded(l2, b2, r2, t2).strip()))
            finally:
                text.close()
                page.close()
    finally:
        doc.close()
    return pages, found


def _short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."
