"""Rendering: localized handout -> markup (Jinja2) -> flowables (layout) -> PDF bytes."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator, NamedTuple

from handouts.config import Clinic
from handouts.errors import PageOverflowError
from handouts.i18n import is_rtl, language_name
from handouts.render import bidi as _bidi
from handouts.render.styles import load_styles, styles_path, template_dirs  # noqa: F401 (part of this package's interface)

# ReportLab looks for its bidi module when its text module is first imported: be there first
_bidi.install()

if TYPE_CHECKING:
    from handouts.i18n.catalog import Translator
    from handouts.i18n.localize import LocalizedHandout

#: characters the layout adds itself (bullets, footer separator, [EN] marks, numbers)
LAYOUT_CHARACTERS = "\u2022\u00b7[EN]0123456789./"


#: markup attributes that are printed (the glyph check covers them too)
TEXT_ATTRIBUTES = ("title", "time", "amount", "label", "n")


def _texts(root) -> Iterator[str]:
    """The handout's own text: every string but the names (which may need other fonts)."""
    for el in root.iter():
        own = el.text if el.tag != "name" else None
        for value in (own, el.tail, *(el.get(a) for a in TEXT_ATTRIBUTES)):
            if value and value.strip():
                yield value


def _names(root) -> list[tuple[str, str]]:
    return [(el.get("field", "name"), el.text or "") for el in root.iter("name")]


def _name_runs(styles, family, fonts, rtl: bool):
    """How to draw each name of a handout (see :mod:`handouts.render.names`), cached per name."""
    # (ReportLab, 146 ms: the markup alone, for handouts list, does not load it)
    from handouts.render.fonts import drawable, name_font, source_coverage
    from handouts.render.names import plan

    done: dict[tuple[str, str], list] = {}

    def own(ch: str) -> bool:
        return ord(ch) in fonts.coverage or drawable(ch)

    def runs(field: str, text: str) -> list:
        if (field, text) not in done:
            done[(field, text)] = [
                (r.text, name_font(r.family, r.text) if r.family is not None else None)
                for r in plan(field, text, family, own, styles, source_coverage, rtl)
            ]
        return done[(field, text)]

    return runs


@lru_cache(maxsize=64)
def _language_name(lang: str) -> str:
    name = language_name(lang)
    return name[:1].upper() + name[1:]


class HandoutMarkup(NamedTuple):
    """A localized handout as markup, with what the PDF step needs to know about it.

    Everything here comes from the content, the catalogs, the templates and the request,
    so it can be cached by their hash (see :mod:`handouts.markupcache`).
    """

    markup: str
    lang: str
    language_name: str
    keywords: tuple[str, ...]
    fallbacks: int  # strings printed in English in place of a translation
    unreviewed: bool
    qr: dict[str, tuple[int, tuple[tuple[int, int, int], ...]]]  # url -> encoded QR code

    @classmethod
    def from_fields(cls, data: dict) -> "HandoutMarkup | None":
        """From its fields as stored in the markup cache (JSON); None for a damaged entry."""
        try:
            return cls(
                markup=data["markup"], lang=data["lang"], language_name=data["language_name"],
                keywords=tuple(data["keywords"]), fallbacks=int(data["fallbacks"]),
                unreviewed=bool(data["unreviewed"]),
                qr={url: (int(n), tuple(tuple(r) for r in runs)) for url, (n, runs) in data["qr"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def markup_for(
    handout: LocalizedHandout,
    tr: Translator,
    *,
    clinic: Clinic | None = None,
    print_date: _dt.date | None = None,
    english_follows: bool = False,
    personal=None,
) -> HandoutMarkup:
    """Jinja2 step: the handout markup; a missing or stale translation is an error here."""
    from handouts.render.markup import render_markup  # (Jinja2, 55 ms: a cached markup is not rendered again)

    rtl = is_rtl(tr.lang)
    clinic = clinic or Clinic()
    markup, problems = render_markup(
        handout, tr, template_dirs(),
        clinic=clinic.as_template_vars(),
        print_date=print_date,
        language_name=_language_name(tr.lang),
        direction="rtl" if rtl else "ltr",
        english_follows=english_follows,
        personal=personal,
    )
    tr.check_complete(handout.drug, problems)
    # (ReportLab's QR encoder: see _name_runs)
    from handouts.render.icons import qr_runs

    qr = {url: qr_runs(url) for url in re.findall(r'<qr url="([^"]*)"', markup)}
    keywords = [handout.english_name, handout.name.value, *handout.brand_names, tr.lang]
    return HandoutMarkup(
        markup=unicodedata.normalize("NFC", markup),
        lang=tr.lang,
        language_name=_language_name(tr.lang),
        keywords=tuple(dict.fromkeys(keywords)),
        fallbacks=len(problems),
        unreviewed=not tr.is_source and not (tr.review and tr.review.reviewed),
        qr=qr,
    )


def render_pdf(localized: HandoutMarkup | list[HandoutMarkup], *, paper: str, large_print: bool = False,
               author: str = "handouts", fit: bool = False, logo: bytes | None = None) -> bytes:
    """Markup -> glyph check -> flowables -> PDF bytes.

    A list makes one PDF of several parts (a bilingual handout: the patient's language, then
    English), each with its own fonts, direction, footer and page numbers. A handout that
    runs one page over the style's page budget is laid out again with the [fit] spacing;
    ``fit`` uses that spacing from the start. ``logo``: the clinic's logo image, already read
    (nothing is read from disk while laying out, but fonts not yet prepared: see
    :func:`handouts.render.fonts.prepare_language`).
    """
    localized = localized if isinstance(localized, list) else [localized]
    if fit and not large_print:
        # asked for the [fit] spacing from the start (a personal handout, whose dose chart
        # takes the room): one layout, not two
        return _build(localized, load_styles(styles_path(), large_print, True), paper, author, logo)[0]
    styles = load_styles(styles_path(), large_print)
    pdf, pages = _build(localized, styles, paper, author, logo)
    if styles.fit_pages and max(pages) > styles.fit_pages:
        # one page too many: lay it out again with the tighter [fit] spacing, if that helps
        fitted, fitted_pages = _build(localized, load_styles(styles_path(), large_print, True), paper, author, logo)
        if max(fitted_pages) < max(pages):
            return fitted
    return pdf


def _build(localized: list[HandoutMarkup], styles, paper: str, author: str, logo: bytes | None
           ) -> tuple[bytes, list[int]]:
    # (ReportLab: see _name_runs)
    from handouts.render.fonts import fonts_for
    from handouts.render.layout import build_document, parse_markup
    from handouts.render.pdf import Part, column_width, text_width, write_pdf
    from handouts.render.scripts import load_script_support

    parts = []
    for i, part in enumerate(localized):
        root = parse_markup(part.markup)
        # the direction the markup was made with (no need to load CLDR again for a cached handout)
        rtl = root.get("dir") == "rtl"
        family = styles.family_for(part.lang)
        load_script_support(family.script, part.lang)
        fonts = fonts_for(family, [*_texts(root), LAYOUT_CHARACTERS], part.lang)
        names = _name_runs(styles, family, fonts, rtl)
        for field, text in _names(root):  # a name no font can draw is an error before any layout
            names(field, text)
        doc = build_document(root, styles, fonts, text_width(styles, paper), column_width(styles, paper), rtl,
                             key_prefix=f"p{i}", names=names, qr=part.qr, logo=logo)
        parts.append(Part(doc, fonts))
    first = parts[0].doc
    # (ReportLab: see _name_runs)
    from reportlab.platypus.doctemplate import LayoutError

    try:
        return write_pdf(
            parts, styles,
            paper=paper,
            author=author,
            subject=f"{first.subtitle} ({localized[0].language_name})",
            keywords=list(localized[0].keywords),
        )
    except LayoutError as err:
        # (ReportLab: see _name_runs)
        from handouts.render.layout import describe

        element = getattr(err, "element", None)
        block = describe(element) if element is not None else "a block"
        raise PageOverflowError(
            f"{block} is larger than a page{' in large print' if styles.large_print else ''} ({paper}); "
            "shorten that text in the content or the catalog") from None
