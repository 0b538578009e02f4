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
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from handouts import i18n

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

    def add(self, *args, **kw) -> None:
        self.problems.append(Problem(*args, **kw))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def status(self, check: str, drug: str, lang: str) -> str:
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
        }


# ------------------------------------------------------------------------------ the run

def run(*, drugs: list[str] | None = None, langs: list[str] | None = None, config=None,
        content_dirs: tuple[Path, ...] = (), locales_dirs: tuple[Path, ...] = (), today: _dt.date | None = None,
        layout: bool = True) -> Report:
    from handouts.config import Config
    from handouts.handout import Request, resolve_dirs
    from handouts.locate import available_drugs

    config = config or Config()
    base = Request(drug="x", lang="en", config=config, content_dirs=content_dirs, locales_dirs=locales_dirs)
    drug_dirs, catalog_dirs = resolve_dirs(base)
    all_drugs = available_drugs(drug_dirs)
    all_langs = i18n.available_languages(catalog_dirs)
    drugs = [d for d in all_drugs if not drugs or d in drugs]
    langs = [i18n.negotiate_language(lang, catalog_dirs) for lang in langs] if langs else all_langs
    report = Report(drugs, langs)
    monos = _schema(report, drugs, drug_dirs)
    for lang in langs:
        if lang != i18n.SOURCE_LANGUAGE:
            _translation(report, lang, catalog_dirs, monos)
            _consistency(report, lang, catalog_dirs, monos)
        _glyphs(report, lang, catalog_dirs)
    for drug, (mono, doc) in monos.items():
        _readability(report, drug, mono, doc, catalog_dirs if "es" in langs else None)
        _structure(report, drug, mono, doc, today or _dt.date.today(), base, drug_dirs)
    if layout:
        _layout(report, [d for d in drugs if d in monos], langs, base)
    return report


# ------------------------------------------------------------------------------ 1. schema

def _schema(report: Report, drugs: list[str], drug_dirs: list[Path]) -> dict:
    from handouts.content import check_monograph, parse_yaml
    from handouts.errors import ContentError
    from handouts.locate import display_path, find_monograph

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
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh)


def _template_ids() -> dict[tuple[str | None, str], int]:
    from handouts.resources import locales_dir

    pot = locales_dir() / "messages.pot"
    if not pot.is_file():
        return {}
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.lineno for m in _po(pot) if m.id}


def _translation(report: Report, lang: str, catalog_dirs: list[Path], monos: dict) -> None:
    from handouts.i18n.catalog import load_catalog
    from handouts.locate import display_path

    paths = i18n.catalog_paths(lang, catalog_dirs)
    state = {"catalogs": [], "missing": 0, "fuzzy": 0, "obsolete": 0}
    expected = _template_ids()
    shipped = paths[-1] if paths else None
    for path in paths:
        cat = _po(path)
        where = display_path(path)
        review = load_catalog(path, lang).review
        state["catalogs"].append({"path": where, "review": review.status, "reviewed_by": review.reviewer,
                                  "reviewed_on": review.date.isoformat() if review.date else None})
        present = {}
        for m in cat:
            if not m.id:
                continue
            key = (m.context, m.id if isinstance(m.id, str) else m.id[0])
            present[key] = m
            text = m.string if isinstance(m.string, str) else "".join(m.string)
            if m.fuzzy:
                state["fuzzy"] += 1
                report.add("translation", "error", f"{where}:{m.lineno}",
                           f"stale (fuzzy) translation of \"{_short(key[1])}\"",
                           "the English changed: update the translation and remove the fuzzy flag", None, lang)
            elif not text.strip():
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
    from handouts.i18n.catalog import translator_for
    from handouts.i18n.localize import localize

    from handouts.resources import content_dir

    for drug, (mono, _doc) in monos.items():
        if mono.path.resolve().parent == content_dir().resolve():
            continue  # shipped content: the template above lists its strings
        tr = translator_for(lang, catalog_dirs, allow_fallback=True)
        localize(mono, tr)
        for p in tr.problems:
            report.add("translation", "error", display_path(paths[0]) if paths else lang,
                       f"{p.kind} translation for {drug}: {p.field}",
                       "translate it in the catalog", drug, lang)
    report.translations[lang] = state


# ------------------------------------------------------------------------------ 3. consistency

def _consistency(report: Report, lang: str, catalog_dirs: list[Path], monos: dict) -> None:
    from handouts.i18n.consistency import check_catalog

    brands = {drug: list(m.brand_names) for drug, (m, _d) in monos.items()}
    for path in i18n.catalog_paths(lang, catalog_dirs):
        for m in check_catalog(path, brands):
            line = str(m)
            where, _, rest = line.partition(": ")
            what, _, fix = rest.rpartition(": ")
            report.add("consistency", "error", where, what or rest, fix or "keep it as in the English", None, lang)


# ------------------------------------------------------------------------------ 4. glyphs

def _glyphs(report: Report, lang: str, catalog_dirs: list[Path]) -> None:
    import unicodedata

    from handouts.locate import display_path
    from handouts.render import styles_path
    from handouts.render.fonts import coverage_for
    from handouts.render.styles import load_styles

    family = load_styles(styles_path()).family_for(lang)
    cover = coverage_for(family)
    for path in i18n.catalog_paths(lang, catalog_dirs):
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
    import textstat

    from handouts.locate import display_path

    where = display_path(mono.path)
    names = {mono.name.lower(), *(b.lower() for b in mono.brand_names)}
    grades = report.grades.setdefault(drug, {}).setdefault("en", {})
    for fieldname, items in mono.texts:
        items = [str(getattr(x, "text", x)) for x in items]
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
    import textstat

    from handouts.i18n.catalog import translator_for
    from handouts.i18n.localize import localize

    tr = translator_for("es", catalog_dirs, allow_fallback=True)
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
    from handouts.locate import display_path

    where = display_path(mono.path)
    fields = dict(mono.texts)
    for fieldname, items in mono.texts:
        line = doc.lines.get(fieldname, 1)
        if not items:
            report.add("structure", "error", f"{where}:{line}", f"{fieldname}: empty section", "write it", drug)
        elif len(items) > MAX_LIST:
            report.add("structure", "warning", f"{where}:{line}", f"{fieldname}: {len(items)} items in one list",
                       f"keep lists to {MAX_LIST} items or fewer: split it or cut", drug)
    if not fields.get("warning"):
        report.add("structure", "error", f"{where}:1", "no boxed warning", "add the most important information", drug)
    questions = fields.get("questions", ())
    if len(questions) < 6:
        report.add("structure", "error", f"{where}:{doc.lines.get('questions', 1)}",
                   f"questions: {len(questions)} questions", "a handout needs at least 6", drug)
    kp = fields.get("key_points", ())
    if not 3 <= len(kp) <= 5:
        report.add("structure", "error", f"{where}:{doc.lines.get('key_points', 1)}",
                   f"key_points: {len(kp)} key points", "a summary has 3 to 5", drug)
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
    from dataclasses import replace as _replace

    from handouts.handout import handout_markup
    from handouts.render.layout import parse_markup

    try:
        root = parse_markup(handout_markup(_replace(base, drug=drug, lang="en")).markup)
    except Exception as err:  # noqa: BLE001 (reported, not hidden)
        report.add("structure", "error", where, f"the handout cannot be prepared: {err}", "see the error", drug)
        return
    body = [el.tag for el in root if el.tag not in ("footer", "letterhead", "title", "subtitle", "meta", "notice")]
    if not body or body[0] != "warning":
        report.add("structure", "error", "templates/handout.xml.j2", "the boxed warning is not the first block",
                   "move <warning> before the sections", drug)


# ------------------------------------------------------------------------------ 7. layout

def _layout(report: Report, drugs: list[str], langs: list[str], base) -> None:
    from dataclasses import replace as _replace

    from handouts.errors import HandoutsError
    from handouts.handout import make_handout
    from handouts.render import styles_path
    from handouts.render.styles import load_styles

    for large, minimum in ((False, 12.0), (True, 18.0)):
        body = load_styles(styles_path(), large).sizes["body"]
        if body < minimum:
            report.add("layout", "error", "templates/styles.toml",
                       f"body text {body:g} pt{' in large print' if large else ''}",
                       f"set it to {minimum:g} pt or more")
    import pypdfium2 as pdfium

    for drug in drugs:
        for lang in langs:
            for paper in ("letter", "a4"):
                try:
                    pdf = make_handout(_replace(base, drug=drug, lang=lang, paper=paper, allow_fallback=True)).pdf
                except HandoutsError as err:
                    report.add("layout", "error", f"{drug}/{lang}/{paper}", err.message, "fix what it names", drug, lang)
                    continue
                except Exception as err:  # a flowable too large for any frame (ReportLab's LayoutError)
                    report.add("layout", "error", f"{drug}/{lang}/{paper}", f"does not fit the page: {_short(str(err))}",
                               "shorten the text or split the list", drug, lang)
                    continue
                doc = pdfium.PdfDocument(pdf)
                pages = len(doc)
                doc.close()
                report.pages[f"{drug}/{lang}/{paper}"] = pages
                if paper == "letter" and pages > MAX_PAGES:
                    report.add("layout", "error", f"{drug}/{lang}/{paper}", f"{pages} pages on Letter",
                               f"the standard handout takes at most {MAX_PAGES}: shorten the text", drug, lang)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."
