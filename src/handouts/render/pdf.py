"""PDF step: flowables -> PDF bytes, with footer ("page X of Y"), bookmarks and metadata."""

from __future__ import annotations

import io

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from handouts import __version__
from handouts.render.fonts import RegisteredFamily
from handouts.render.layout import Document, Footer, Heading
from handouts.render.styles import Styles

PAPER = {"letter": LETTER, "a4": A4}


def _canvas_class(footer: Footer, styles: Styles, fonts: RegisteredFamily, rtl: bool):
    """A canvas that holds its pages until save(), to print "page X of Y" on each.

    Bookmarks are held with their page and set while the pages are written, so each
    points at its own page.
    """
    size = styles.sizes["footer"]
    page = styles.page
    colors = styles.colors

    class HandoutCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initialFontName", fonts.regular)
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []
            self._marks: list[tuple] = []

        def bookmarkPage(self, key, **kw):  # noqa: N802 (ReportLab API)
            self._marks.append((key, kw))

        def showPage(self):  # noqa: N802
            state = dict(self.__dict__)
            state["_marks"] = list(self._marks)
            self._held.append(state)
            self._marks = []
            self._startPage()

        def save(self):
            total = len(self._held)
            for number, state in enumerate(self._held, 1):
                self.__dict__.update(state)
                for key, kw in state["_marks"]:
                    Canvas.bookmarkPage(self, key, **kw)
                self._draw_footer(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _draw_footer(self, number: int, total: int):
            width, _height = self._pagesize
            left, right = page["margin_left"], width - page["margin_right"]
            y = page["footer_gap"]
            self.saveState()
            self.setStrokeColor(HexColor(colors["rule"]))
            self.setLineWidth(0.6)
            self.line(left, y + size * 1.5, right, y + size * 1.5)
            self.setFillColor(HexColor(colors["muted"]))
            self.setFont(fonts.regular, size)
            text = "  \u00b7  ".join(footer.parts)
            pages = footer.pages.replace("{page}", str(number)).replace("{pages}", str(total))
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
                (self.drawRightString(right, y - size * 1.25, footer.clinic) if rtl
                 else self.drawString(left, y - size * 1.25, footer.clinic))
            self.restoreState()

    return HandoutCanvas


def text_width(styles: Styles, paper: str) -> float:
    return PAPER[paper][0] - styles.page["margin_left"] - styles.page["margin_right"]


def column_width(styles: Styles, paper: str) -> float:
    n = int(styles.sizes["columns"])
    return (text_width(styles, paper) - (n - 1) * styles.sizes["column_gap"]) / n


def _frames(styles: Styles, paper: str, top: float, bottom: float, first: bool, name: str) -> list[Frame]:
    """The body's column frames between ``top`` and ``bottom`` (y from the page's bottom)."""
    n = int(styles.sizes["columns"])
    width = column_width(styles, paper)
    x0 = styles.page["margin_left"]
    return [
        Frame(x0 + i * (width + styles.sizes["column_gap"]), bottom, width, top - bottom,
              id=f"{name}{i}", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        for i in range(n)
    ]


def _height(flowables, width: float) -> float:
    total = 0.0
    for f in flowables:
        total += f.wrap(width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter()
    return total


class HandoutDocTemplate(BaseDocTemplate):
    def afterFlowable(self, flowable):  # noqa: N802 (ReportLab API)
        if isinstance(flowable, Heading):
            key, title, level = flowable.bookmark
            frame = self.frame
            self.canv.bookmarkPage(key, fit="XYZ", left=0, top=frame._y + flowable.height + 4)
            self.canv.addOutlineEntry(title, key, level=level, closed=False)


def write_pdf(
    doc: Document,
    styles: Styles,
    fonts: RegisteredFamily,
    *,
    paper: str,
    author: str,
    subject: str,
    keywords: list[str],
) -> bytes:
    pagesize = PAPER[paper]
    m = styles.page
    buf = io.BytesIO()
    template = HandoutDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=m["margin_left"],
        rightMargin=m["margin_right"],
        topMargin=m["margin_top"],
        bottomMargin=m["margin_bottom"],
        title=doc.title,
        author=author,
        subject=subject,
        keywords=keywords,
        creator=f"handouts {__version__}",
        lang=doc.lang,
        invariant=1,
        displayDocTitle=1,
        initialFontName=fonts.regular,
        initialFontSize=styles.sizes["body"],
    )
    from reportlab.platypus.doctemplate import FrameBreak

    width = text_width(styles, paper)
    top, bottom = pagesize[1] - m["margin_top"], m["margin_bottom"]
    # page 1: the header at full width, measured, then the body's columns below it
    header_height = min(_height(doc.header, width) + 2, top - bottom - 72)
    header_frame = Frame(m["margin_left"], top - header_height, width, header_height, id="header",
                         leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    gap = styles.sizes["space_before_section"]
    first = PageTemplate(id="first", frames=[header_frame, *_frames(styles, paper, top - header_height - gap,
                                                                      bottom, True, "c")],
                         autoNextPageTemplate="later")
    later = PageTemplate(id="later", frames=_frames(styles, paper, top, bottom, False, "c"))
    template.addPageTemplates([first, later])
    story = [*doc.header, FrameBreak(), *doc.body] if doc.header else list(doc.body)
    template.build(story, canvasmaker=_canvas_class(doc.footer, styles, fonts, doc.rtl))
    return buf.getvalue()
