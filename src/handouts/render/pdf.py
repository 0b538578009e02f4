"""PDF step: flowables -> PDF bytes, with footer ("page X of Y"), bookmarks and metadata."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from handouts import __version__
from handouts.render.fonts import RegisteredFamily
from handouts.render.layout import Anchor, Document, Footer, Heading
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
            y = page["footer_gap"]
            self.saveState()
            self.setStrokeColor(HexColor(colors["rule"]))
            self.setLineWidth(0.6)
            self.line(left, y + size * 1.5, right, y + size * 1.5)
            self.setFillColor(HexColor(colors["muted"]))
            self.setFont(fonts.regular, size)
            text = _visual("  \u00b7  ".join(footer.parts), rtl)
            pages = _visual(footer.pages.replace("{page}", str(number)).replace("{pages}", str(total)), rtl)
            if rtl:
                self.drawRightString(right, y, text)
                self.setFont(fonts.bold, size)
                self.drawString(left, y, pages)
            else:
                self.drawString(left, y, text)
                self.setFont(fonts.bold, size)
                self.drawRightString(right, y, pages)
            if footer.clinic:
                self.setFont(fonts.regular, size)
                clinic = _visual(footer.clinic, rtl)
                (self.drawRightString(right, y - size * 1.25, clinic) if rtl
                 else self.drawString(left, y - size * 1.25, clinic))
            self.restoreState()

    return HandoutCanvas


def _visual(text: str, rtl: bool) -> str:
    """A one-line string as drawn: Arabic-script text joined and in visual (right-to-left) order."""
    if not rtl:
        return text
    from handouts.render.bidi import log2vis
    from handouts.render.scripts import has_rtl, prepare_rtl

    return log2vis(prepare_rtl(text), "RTL") if has_rtl(text) else text


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
    from reportlab.platypus.doctemplate import FrameBreak, NextPageTemplate
    from reportlab.platypus.flowables import PageBreak

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
    top, bottom = pagesize[1] - m["margin_top"], m["margin_bottom"]
    gap = styles.sizes["space_before_section"]
    templates, story = [], []
    for i, part in enumerate(parts):
        doc = part.doc

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
