"""PDF step: flowables -> PDF bytes, with footer ("page X of Y"), bookmarks and metadata."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
from reportlab.platypus.doctemplate import FrameBreak, LayoutError, NextPageTemplate
from reportlab.platypus.flowables import PageBreak

from handouts import __version__
from handouts.render.bidi import log2vis
from handouts.render.fonts import RegisteredFamily
from handouts.render.layout import Anchor, Document, Footer, Heading
from handouts.render.scripts import has_rtl, rtl_paragraph_text
from handouts.render.styles import Styles

PAPER = {"letter": LETTER, "a4": A4}


@dataclass(frozen=True)
class Part:
    """One language's handout inside a PDF (a bilingual PDF has two), numbered on its own."""

    doc: Document
    fonts: RegisteredFamily


def _canvas_class(parts: list[Part], styles: Styles):
    """A canvas that holds its pages until save(), to print "page X of Y" on each.

    Each page remembers its part (``_part``, set by its page template): pages are numbered
    within their part, and the footer is the part's, in its language and direction.
    Bookmarks are held with their page and set while the pages are written, so each
    points at its own page.
    """
    size = styles.sizes["footer"]
    page = styles.page
    colors = styles.colors

    class HandoutCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initialFontName", parts[0].fonts.regular)
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []
            self._marks: list[tuple] = []
            self._part = 0

        def bookmarkPage(self, key, **kw):  # noqa: N802 (ReportLab API)
            self._marks.append((key, kw))

        def showPage(self):  # noqa: N802
            state = dict(self.__dict__)
            state["_marks"] = list(self._marks)
            self._held.append(state)
            self._marks = []
            self._startPage()

        def save(self):
            totals: dict[int, int] = {}
            for state in self._held:
                totals[state["_part"]] = totals.get(state["_part"], 0) + 1
            seen: dict[int, int] = {}
            for state in self._held:
                part = state["_part"]
                seen[part] = seen.get(part, 0) + 1
                self.__dict__.update(state)
                for key, kw in state["_marks"]:
                    Canvas.bookmarkPage(self, key, **kw)
                self._draw_footer(parts[part], seen[part], totals[part])
                Canvas.showPage(self)
            Canvas.save(self)

        def _draw_footer(self, part: Part, number: int, total: int):
            footer, fonts, rtl = part.doc.footer, part.fonts, part.doc.rtl
            width, _height = self._pagesize
            left, right = page["margin_left"], width - page["margin_right"]
            pages = footer.pages.replace("{page}", str(number)).replace("{pages}", str(total))
            layout = footer_layout(footer, fonts, size, right - left, pages)
            y = page["footer_gap"]
            self.saveState()
            self.setStrokeColor(HexColor(colors["rule"]))
            self.setLineWidth(0.6)
            self.line(left, layout.rule + y, right, layout.rule + y)
            self.setFillColor(HexColor(colors["muted"]))
            shaping = fonts.family.script == "devanagari"  # conjuncts and vowel signs (HarfBuzz)
            for (text, pages_text), base in zip(layout.lines, layout.baselines):
                if text:
                    self.setFont(fonts.regular, size)
                    (self.drawRightString if rtl else self.drawString)(right if rtl else left, y + base,
                                                                       _visual(text, rtl), shaping=shaping)
                if pages_text:
                    self.setFont(fonts.bold, size)
                    (self.drawString if rtl else self.drawRightString)(left if rtl else right, y + base,
                                                                       _visual(pages_text, rtl), shaping=shaping)
            if footer.clinic_line is not None:
                # the clinic's line is a paragraph: its name may be drawn in another font
                para = footer.clinic_line
                _w, h = para.wrapOn(self, right - left, size * 10)
                para.drawOn(self, left, y - para.style.leading + size)
            self.restoreState()

    return HandoutCanvas


@dataclass(frozen=True)
class FooterLayout:
    """Where the footer's lines go, from its lowest baseline (the page's footer gap) up."""

    lines: list[tuple[str, str]]  # (the footer's parts, the page numbers) per line, top first
    baselines: list[float]  # each line's baseline above the footer gap
    rule: float  # the rule above the footer, above the footer gap
    clinic_lines: int


def footer_layout(footer: Footer, fonts: RegisteredFamily, size: float, width: float, pages: str) -> FooterLayout:
    """The footer's parts and page numbers on one line where they fit; where they do not
    (large print, a long language), the parts wrap and the page numbers take the last line's
    end or a line of their own: never one text drawn over another."""
    sep, gap = "  \u00b7  ", size * 2

    def w(text: str, font: str) -> float:
        return stringWidth(text, font, size)

    whole = sep.join(footer.parts)
    if w(whole, fonts.regular) + gap + w(pages, fonts.bold) <= width:
        lines = [(whole, pages)]
    else:
        wrapped, current = [], ""
        for item in footer.parts:
            candidate = f"{current}{sep}{item}" if current else item
            if current and w(candidate, fonts.regular) > width:
                wrapped.append(current)
                current = item
            else:
                current = candidate
        wrapped.append(current)
        lines = [(t, "") for t in wrapped]
        if w(wrapped[-1], fonts.regular) + gap + w(pages, fonts.bold) <= width:
            lines[-1] = (wrapped[-1], pages)
        else:
            lines.append(("", pages))
    clinic_lines = 0
    if footer.clinic_line is not None:
        _w, h = footer.clinic_line.wrap(width, size * 10)
        clinic_lines = max(1, round(h / footer.clinic_line.style.leading))
    step = size * 1.25
    baselines = [(clinic_lines + len(lines) - 1 - i) * step for i in range(len(lines))]
    return FooterLayout(lines, baselines, baselines[0] + size * 1.5, clinic_lines)


def footer_top(footer: Footer, fonts: RegisteredFamily, styles: Styles, width: float) -> float:
    """The height above the page's bottom edge that the footer takes (its rule included)."""
    size = styles.sizes["footer"]
    layout = footer_layout(footer, fonts, size, width,
                           footer.pages.replace("{page}", "99").replace("{pages}", "99"))
    return styles.page["footer_gap"] + layout.rule + 3


def _visual(text: str, rtl: bool) -> str:
    """A one-line string as drawn: Arabic-script text joined and in visual (right-to-left) order."""
    if not rtl:
        return text
    return log2vis(rtl_paragraph_text(text), "RTL") if has_rtl(text) else text


def text_width(styles: Styles, paper: str) -> float:
    return PAPER[paper][0] - styles.page["margin_left"] - styles.page["margin_right"]


def column_width(styles: Styles, paper: str) -> float:
    n = int(styles.sizes["columns"])
    return (text_width(styles, paper) - (n - 1) * styles.sizes["column_gap"]) / n


def _frames(styles: Styles, paper: str, top: float, bottom: float, rtl: bool, name: str) -> list[Frame]:
    """The body's column frames between ``top`` and ``bottom`` (y from the page's bottom),
    in reading order: left to right, or right to left for Arabic-script handouts."""
    n = int(styles.sizes["columns"])
    width = column_width(styles, paper)
    x0 = styles.page["margin_left"]
    order = range(n - 1, -1, -1) if rtl else range(n)
    return [
        Frame(x0 + i * (width + styles.sizes["column_gap"]), bottom, width, top - bottom,
              id=f"{name}{k}", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        for k, i in enumerate(order)
    ]


def _height(flowables, width: float) -> float:
    total = 0.0
    for f in flowables:
        total += f.wrap(width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


class HandoutDocTemplate(BaseDocTemplate):
    _element = None  # the markup element being laid out (named in an error if it cannot fit a page)

    def handle_flowable(self, flowables):
        if flowables:
            self._element = getattr(flowables[0], "_handouts_element", None) or self._element
        try:
            return super().handle_flowable(flowables)
        except LayoutError as err:
            err.element = self._element
            raise

    def afterFlowable(self, flowable):  # noqa: N802 (ReportLab API)
        if isinstance(flowable, (Heading, Anchor)):
            key, title, level = flowable.bookmark
            frame = self.frame
            self.canv.bookmarkPage(key, fit="XYZ", left=0, top=frame._y + flowable.height + 4)
            self.canv.addOutlineEntry(title, key, level=level, closed=False)


def write_pdf(
    parts: list[Part],
    styles: Styles,
    *,
    paper: str,
    author: str,
    subject: str,
    keywords: list[str],
) -> tuple[bytes, list[int]]:
    """The parts (the patient's language, then English when bilingual) as one PDF, and the
    number of pages of each part.

    Metadata, /Lang and the initial font are the first part's.
    """
    pagesize = PAPER[paper]
    m = styles.page
    buf = io.BytesIO()
    first_doc = parts[0].doc
    template = HandoutDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=m["margin_left"],
        rightMargin=m["margin_right"],
        topMargin=m["margin_top"],
        bottomMargin=m["margin_bottom"],
        title=first_doc.title,
        author=author,
        subject=subject,
        keywords=keywords,
        creator=f"handouts {__version__}",
        lang=first_doc.lang,
        invariant=1,
        displayDocTitle=1,
        initialFontName=parts[0].fonts.regular,
        initialFontSize=styles.sizes["body"],
    )
    width = text_width(styles, paper)
    top = pagesize[1] - m["margin_top"]
    gap = styles.sizes["space_before_section"]
    templates, story = [], []
    for i, part in enumerate(parts):
        doc = part.doc
        # the body ends above the footer, whose height depends on its lines
        bottom = max(m["margin_bottom"], footer_top(doc.footer, part.fonts, styles, width))

        def mark(canv, _doc, i=i):
            canv._part = i

        # page 1 of a part: the header at full width, measured, then the body's columns below it.
        # A header taller than the page allows (large print with a dose chart) keeps what fits;
        # the rest starts the body (one column in large print, as wide as the header)
        limit = top - bottom - 72
        header, body, used = [], list(doc.body), 0.0
        for k, f in enumerate(doc.header):
            h = _height([f], width)
            if used + h + 2 > limit and header:
                body = [*doc.header[k:], *body]
                break
            header.append(f)
            used += h
        header_height = min(used + 2, limit)
        header_frame = Frame(m["margin_left"], top - header_height, width, header_height, id=f"p{i}header",
                             leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        templates.append(PageTemplate(
            id=f"p{i}first", onPage=mark, autoNextPageTemplate=f"p{i}later",
            frames=[header_frame, *_frames(styles, paper, top - header_height - gap, bottom, doc.rtl, f"p{i}c")]))
        templates.append(PageTemplate(id=f"p{i}later", onPage=mark,
                                      frames=_frames(styles, paper, top, bottom, doc.rtl, f"p{i}c")))
        if i:
            story += [NextPageTemplate(f"p{i}first"), PageBreak()]
        story += [*header, FrameBreak(), *body] if header else body
    template.addPageTemplates(templates)
    counts: list[int] = []
    canvas_class = _canvas_class(parts, styles)

    class Counting(canvas_class):
        def save(self):
            for state in self._held:
                while len(counts) <= state["_part"]:
                    counts.append(0)
                counts[state["_part"]] += 1
            super().save()

    template.build(story, canvasmaker=Counting)
    return buf.getvalue(), counts
