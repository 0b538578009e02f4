"""The pipeline for one handout: load -> localize -> render markup -> check glyphs -> layout -> PDF.

I/O only at the ends (reading content, catalogs, templates; the caller writes the bytes).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from handouts import i18n, markupcache, pdfcache
from handouts.config import Config, locale_territory, paper_for, paper_locale, parse_paper
from handouts.errors import PageOverflowError, TranslationError, UsageError, shown
from handouts.keys import Inputs
from handouts.locate import content_dirs, display_path, find_monograph, resolve_drug
from handouts.resources import templates_dir

# Jinja2, Babel's catalogs and ReportLab are imported inside the functions that use them:
# a handout found in the PDF cache (the quick ``make`` path) never loads them.

if TYPE_CHECKING:
    from handouts.personal import Personal


@dataclass(frozen=True)
class Request:
    drug: str
    lang: str
    paper: str | None = None  # None: the clinic's config, else the machine's locale
    large_print: bool = False
    print_date: _dt.date | None = None
    allow_fallback: bool = False
    config: Config = field(default_factory=Config)
    content_dirs: tuple[Path, ...] = ()  # clinic folders, before the shipped ones
    locales_dirs: tuple[Path, ...] = ()
    bilingual: bool = False  # the English version after the patient's, in the same PDF
    require_reviewed: bool = False  # refuse a translation not reviewed by a qualified translator
    personal: "Personal | None" = None  # patient, prescriber, dose schedule (None: a generic handout)


@dataclass(frozen=True)
class Result:
    pdf: bytes
    drug: str
    lang: str
    paper: str
    filename: str
    fallback_count: int  # strings printed in English in place of a translation
    unreviewed: bool
    #: one-line notes for standard error, e.g. "Lamictal is lamotrigine" (the command prefixes "handouts: ")
    notes: tuple[str, ...] = ()


def resolve_dirs(config: Config, content: tuple[Path, ...] = (), locales: tuple[Path, ...] = ()
                 ) -> tuple[list[Path], list[Path]]:
    """The drug folders and the catalog folders: the given ones, the config's, then the shipped
    ones; a given folder that is missing is an error naming its option."""
    content_extra = [*content, *([config.content] if config.content else [])]
    locales_extra = [*locales, *([config.locales] if config.locales else [])]
    for option, folders in (("--content", content_extra), ("--locales", locales_extra)):
        for d in folders:
            if d.exists() and not d.is_dir():
                raise UsageError(f"{option} {shown(str(d), 120)}: not a folder; give the folder that holds the "
                                 f"clinic's {'drug files' if option == '--content' else 'catalogs'}")
            if not d.is_dir():
                raise UsageError(f"{option} {shown(str(d), 120)}: no such folder; check the path")
    return content_dirs(content_extra), i18n.locales_dirs(locales_extra)


def paper_choice(paper: str | None, config: Config, environ: dict[str, str] | None = None
                 ) -> tuple[str, str | None]:
    """(paper, note): the paper asked for, else the clinic's config, else the machine's locale.
    The note says why, when the paper comes from a machine locale that names no country
    (``LANG=C.UTF-8``, unset): "paper: A4 (the machine's locale C.UTF-8 names no country); set
    paper = ..." -- shown once per command on standard error. None otherwise."""
    chosen = parse_paper(paper, "paper") or config.paper
    if chosen:
        return chosen, None
    locale = paper_locale(environ)
    territory, named = locale_territory(locale)
    paper = paper_for(territory)
    if named:
        return paper, None
    if locale is None:
        why = "no locale is set: LC_ALL, LC_PAPER and LANG are empty"
    elif territory:
        why = f"the machine's locale {shown(locale)} names no country; taken as {territory}"
    else:
        why = f"the machine's locale {shown(locale)} names no country"
    other = "a4" if paper == "letter" else "letter"
    return paper, (f"paper: {'Letter' if paper == 'letter' else 'A4'} ({why}); set paper = \"{other}\" "
                   f"in handouts.toml [handouts], or use --paper {other}")


def check_reviewed(lang: str, catalog_dirs: list[Path]) -> None:
    """--require-reviewed: every catalog of the language must be marked reviewed."""
    from handouts.i18n.catalog import load_catalog  # (Babel: only when a clinic asks for this)

    if lang == i18n.SOURCE_LANGUAGE:
        return
    paths = i18n.catalog_paths(lang, catalog_dirs)
    if paths:
        # a clinic's own catalog comes first: if it is reviewed and has every entry the
        # others have, the others are never read
        first = load_catalog(paths[0], lang)
        others = [load_catalog(p, lang) for p in paths[1:]]
        covered = all(set(o.entries) <= set(first.entries) for o in others)
        if first.review.reviewed and covered:
            return
    for path in paths:
        if not load_catalog(path, lang).review.reviewed:
            raise TranslationError(
                f"the '{lang}' translation has not been reviewed by a qualified translator "
                f"({display_path(path)}); this clinic requires reviewed translations. Print the "
                "English handout, or have the catalog reviewed and marked (Review-Status: reviewed)"
            )


def _catalogs(lang: str, catalog_dirs: list[Path]) -> list[Path]:
    return [] if lang == i18n.SOURCE_LANGUAGE else i18n.catalog_paths(lang, catalog_dirs)


def _markup(req: Request, lang: str, path: Path, catalog_dirs: list[Path], english_follows: bool = False):
    """The localized markup of the handout (from the markup cache, unless it is personal)."""
    from handouts.render import HandoutMarkup, template_dirs  # (ReportLab is not loaded for these)

    # a personalized handout is never cached on disk: patient data stays out of the cache
    key = None if req.personal else markupcache.key(
        drug=req.drug, lang=lang, allow_fallback=req.allow_fallback, print_date=req.print_date,
        clinic=req.config.clinic.as_template_vars(), english_follows=english_follows,
        content_file=path, catalogs=_catalogs(lang, catalog_dirs), templates=template_dirs())
    stored = markupcache.load(key) if key else None
    localized = HandoutMarkup.from_fields(stored) if stored else None
    if localized is None:
        # (a markup cache miss only: YAML, the catalogs (Babel), the templates (Jinja2), 110 ms)
        from handouts.content import load_monograph
        from handouts.i18n.catalog import translator_for
        from handouts.i18n.localize import localize
        from handouts.render import markup_for

        mono = load_monograph(path, req.drug)
        tr = translator_for(lang, catalog_dirs, req.allow_fallback)
        localized = markup_for(localize(mono, tr), tr, clinic=req.config.clinic, print_date=req.print_date,
                               english_follows=english_follows, personal=req.personal)
        if key:
            markupcache.store(key, localized._asdict())
    return localized


@dataclass(frozen=True)
class _Resolved:
    request: Request  # with the drug's id and the language's tag (a brand or a language's name resolved)
    path: Path
    lang: str
    paper: str
    catalog_dirs: list[Path]
    bilingual: bool
    filename: str
    cache_key: str | None  # None: a personal handout, never cached
    notes: tuple[str, ...]  # for standard error: a brand name's drug, why this paper


def _resolve(req: Request, for_pdf: bool = True) -> _Resolved:
    """The request with its drug, language, paper and folders found; ``for_pdf``: with the PDF
    cache's key too (a hash of every input file; not needed for the markup alone)."""
    drug_dirs, catalog_dirs = resolve_dirs(req.config, req.content_dirs, req.locales_dirs)
    drug, drug_note = resolve_drug(req.drug, drug_dirs)
    path = find_monograph(drug, drug_dirs)
    lang = i18n.negotiate_language(req.lang, catalog_dirs)
    req = replace(req, drug=drug, lang=lang)
    paper, paper_note = paper_choice(req.paper, req.config)
    if req.require_reviewed or req.config.require_reviewed:
        check_reviewed(lang, catalog_dirs)
    bilingual = req.bilingual and lang != i18n.SOURCE_LANGUAGE
    suffix = f"-{lang}-{i18n.SOURCE_LANGUAGE}" if bilingual else f"-{lang}"
    cache_key = None
    if for_pdf and not req.personal and pdfcache.enabled():
        cfg = req.config
        cache_key = pdfcache.key(
            drug=drug, lang=lang, paper=paper, large_print=req.large_print, allow_fallback=req.allow_fallback,
            bilingual=req.bilingual, print_date=req.print_date, clinic=cfg.clinic.as_template_vars(),
            logo=cfg.clinic.logo, content_file=path, catalogs=_catalogs(lang, catalog_dirs),
            templates=templates_dir())
    notes = tuple(n for n in (drug_note, paper_note) if n)
    return _Resolved(req, path, lang, paper, catalog_dirs, bilingual, f"{drug}{suffix}.pdf", cache_key, notes)


def _from_cache(req: Request, r: _Resolved) -> Result | None:
    if r.cache_key is None:
        return None
    hit = pdfcache.load(r.cache_key)
    if hit is None:
        return None
    pdf, fallbacks, unreviewed = hit
    return Result(pdf=pdf, drug=req.drug, lang=r.lang, paper=r.paper, filename=r.filename,
                  fallback_count=fallbacks, unreviewed=unreviewed)


def cached_handout(req: Request) -> Result | None:
    """The handout if the same request was made before (see :mod:`handouts.pdfcache`), else None."""
    r = _resolve(req)
    hit = _from_cache(r.request, r)
    return replace(hit, notes=r.notes) if hit is not None else None


def make_handout(req: Request) -> Result:
    """Make one handout. ``req.drug`` may be a brand name and ``req.lang`` a language's name;
    the result has the drug's id and the language's tag, and ``notes`` for standard error."""
    r = _resolve(req)
    hit = _from_cache(r.request, r)
    if hit is not None:
        return replace(hit, notes=r.notes)
    req = r.request
    lang, paper, path, catalog_dirs, bilingual, filename, cache_key = (
        r.lang, r.paper, r.path, r.catalog_dirs, r.bilingual, r.filename, r.cache_key)

    # (ReportLab: not on the cached path)
    from handouts.render import render_pdf
    from handouts.render.fonts import prepare_language

    localized = _markup(req, lang, path, catalog_dirs, english_follows=bilingual)
    parts = [localized]
    if bilingual:
        parts.append(_markup(req, i18n.SOURCE_LANGUAGE, path, catalog_dirs))
    prepare_language(lang)  # the language's fonts, made once (minutes for Chinese the first time)
    try:
        pdf = render_pdf(parts, paper=paper, large_print=req.large_print, logo=_logo(req.config),
                         author=req.config.clinic.name or "handouts", fit=bool(req.personal))
    except PageOverflowError as err:
        raise PageOverflowError(f"the {req.drug} handout in '{lang}' cannot be laid out: {err.message}") from None
    if cache_key is not None:
        pdfcache.store(cache_key, pdf, localized.fallbacks, localized.unreviewed)
    return Result(
        pdf=pdf,
        drug=req.drug,
        lang=lang,
        paper=paper,
        filename=filename,
        fallback_count=localized.fallbacks,
        unreviewed=localized.unreviewed,
        notes=r.notes,
    )


def _logo(config: Config) -> bytes | None:
    """The clinic's logo image, read before the layout (its errors name the file)."""
    logo = config.clinic.logo
    if not logo:
        return None
    try:
        return Path(logo).read_bytes()
    except OSError as err:
        raise UsageError(f"clinic logo {shown(str(logo), 120)}: cannot read the image ({err.strerror}); "
                         "use a PNG or JPEG file") from None


def handout_markup(req: Request):
    """The patient's handout as localized markup (for the email's HTML part)."""
    r = _resolve(req, for_pdf=False)
    return _markup(r.request, r.lang, r.path, r.catalog_dirs)


def email_texts(req: Request, *, encrypted: bool = False):
    """The email's subject and bodies in the patient's language, the HTML part with the
    handout's whole text (a :class:`handouts.render.email.EmailTexts`)."""
    # (Jinja2 and the catalogs: not on the cached path)
    from handouts.i18n.catalog import translator_for
    from handouts.render import template_dirs
    from handouts.render.email import email_texts as _email_texts

    r = _resolve(req, for_pdf=False)
    localized = _markup(r.request, r.lang, r.path, r.catalog_dirs)
    tr = translator_for(r.lang, r.catalog_dirs, req.allow_fallback)
    patient = req.personal.patient if req.personal else ""
    return _email_texts(localized.markup, tr, template_dirs(), clinic=req.config.clinic.as_template_vars(),
                        patient=patient or "", encrypted=encrypted, fallback_drug=r.request.drug)


def check_names(lang: str, personal: "Personal | None") -> None:
    """A patient's or prescriber's name that no font can print (an emoji) is a
    :class:`GlyphError` naming the field, before anything is made; a name in another script
    than the handout's is printed in another font."""
    # (ReportLab's font metrics: only for a personal handout)
    from handouts.render import styles_path
    from handouts.render.names import check_name
    from handouts.render.styles import load_styles

    for fieldname in ("patient", "prescriber"):
        value = getattr(personal, fieldname, None) if personal else None
        if value:
            check_name(fieldname, value, lang, load_styles(styles_path()))


def content_key(drug: str, lang: str, path: Path, catalog_dirs: list[Path], *, allow_fallback: bool,
                print_date: _dt.date | None, config: Config) -> str:
    """The hash of a generic handout's inputs (content file, catalogs, templates, styles,
    options): with a row's own values, the key of the batch ledger."""
    markup_key = markupcache.key(
        drug=drug, lang=lang, allow_fallback=allow_fallback, print_date=print_date,
        clinic=config.clinic.as_template_vars(), english_follows=False, content_file=path,
        catalogs=_catalogs(lang, catalog_dirs), templates=(templates_dir(),))
    styles = (templates_dir() / "styles.toml").read_bytes()
    return Inputs().add("prepared", markup_key).add("styles", styles).hexdigest()


def warm_up() -> None:
    """Load what making a handout needs (ReportLab, the layout, the PDF writer): a batch's
    worker does it once, before its first row."""
    import handouts.render.layout  # noqa: F401
    import handouts.render.pdf  # noqa: F401
