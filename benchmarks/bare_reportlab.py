"""The same handout built with bare ReportLab: the yardstick for benchmarks/bench_make.py.

No YAML, no catalogs, no templates, no CLI: it reads the already-localized strings from a
JSON file (written by bench_make.py from the real pipeline) and lays out the same page:
the same fonts, the boxed warning, two columns, bullets, questions with write-in lines, QR
code, key points, sources, and a footer with "page X of Y".

    python benchmarks/bare_reportlab.py handout.json out.pdf [repeat]
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

# ReportLab's right-to-left wrapping needs a bidi module named rlbidi (not on PyPI); the
# bare build uses the same small one as handouts, or Arabic would not be laid out at all
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from handouts.render import bidi as _bidi  # noqa: E402

_bidi.install()


def build(data: dict) -> bytes:
    from reportlab.graphics import shapes
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle
    from reportlab.platypus.doctemplate import FrameBreak

    if "R" not in pdfmetrics.getRegisteredFontNames():
        files = data["fonts"]  # the same static files the real pipeline uses
        pdfmetrics.registerFont(TTFont("R", files["regular"]))
        pdfmetrics.registerFont(TTFont("B", files["bold"]))
        pdfmetrics.registerFontFamily("R", normal="R", bold="B", italic="R", boldItalic="B")
    script = data.get("script", "latin")
    extra = {}
    text = str
    if script == "cjk":
        extra = {"wordWrap": "CJK"}
    elif script == "devanagari":
        extra = {"shaping": 1}
    elif script == "arabic":  # the minimum ReportLab needs: joined letters, RTL lines
        import arabic_reshaper

        reshaper = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})
        extra = {"wordWrap": "RTL", "alignment": 2}
        text = reshaper.reshape
    shapes.STATE_DEFAULTS["fontName"] = "R"
    page = LETTER if data["paper"] == "letter" else A4
    margin, gap = 1.7 * cm, 0.8 * cm
    width = page[0] - 2 * margin
    col = (width - gap) / 2
    body = ParagraphStyle("b", fontName="R", fontSize=12, leading=14.4, spaceAfter=1, bulletFontName="R", **extra)
    bullet = ParagraphStyle("u", parent=body, leftIndent=0.55 * cm, bulletIndent=0.1 * cm)
    h1 = ParagraphStyle("h1", fontName="B", fontSize=15, leading=18, spaceBefore=7, spaceAfter=2,
                        textColor=HexColor("#0b3d6e"), keepWithNext=1, **extra)
    h2 = ParagraphStyle("h2", parent=h1, fontSize=12.5, leading=15, spaceBefore=3)
    title = ParagraphStyle("t", fontName="B", fontSize=26, leading=31, **extra)
    small = ParagraphStyle("s", fontName="R", fontSize=9, leading=10.8, **extra)
    _Paragraph = Paragraph

    def Paragraph(t, *a, **k):  # noqa: N802
        return _Paragraph(text(t), *a, **k)

    header = [Paragraph(data["title"], title), Paragraph(data["subtitle"], h2)]
    header += [Paragraph(m, body) for m in data["meta"]]
    box = Table([[[Paragraph(data["warning_title"], h1)] + [Paragraph(p, body) for p in data["warning"]]]])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 2, HexColor("#b3001b")),
                             ("BACKGROUND", (0, 0), (-1, -1), HexColor("#fff1f2")),
                             ("FONTNAME", (0, 0), (-1, -1), "R")]))
    header.append(box)
    story = []
    for section in data["sections"]:
        story.append(Paragraph(section["title"], h1))
        for block in section["blocks"]:
            if block["kind"] == "h2":
                story.append(Paragraph(block["text"], h2))
            elif block["kind"] == "p":
                story.append(Paragraph(block["text"], body))
            elif block["kind"] == "ul":
                story += [Paragraph(t, bullet, bulletText="\u2022") for t in block["items"]]
            elif block["kind"] == "questions":
                for i, q in enumerate(block["items"], 1):
                    story += [Paragraph(q, bullet, bulletText=f"{i}."), Spacer(1, 0.7 * cm)]
            elif block["kind"] == "qr":
                w = QrCodeWidget(block["url"])
                x0, y0, x1, y1 = w.getBounds()
                d = Drawing(2.6 * cm, 2.6 * cm, transform=[2.6 * cm / (x1 - x0), 0, 0, 2.6 * cm / (y1 - y0), 0, 0])
                d.add(w)
                story.append(d)
                story.append(Paragraph(block["url"], body))
            elif block["kind"] == "small":
                story += [Paragraph(t, small) for t in block["items"]]
    footer = data["footer"]

    class NumberedCanvas(Canvas):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self._pages = []

        def showPage(self):  # noqa: N802
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for n, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.setFont("R", 9)
                self.drawString(margin, 0.8 * cm, footer)
                self.drawRightString(page[0] - margin, 0.8 * cm, f"{n} / {len(self._pages)}")
                Canvas.showPage(self)
            Canvas.save(self)

    head_h = sum(f.wrap(width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in header) + 2
    top, bottom = page[1] - 1.5 * cm, 1.9 * cm

    def cols(y_top):
        return [Frame(margin + i * (col + gap), bottom, col, y_top - bottom, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0) for i in range(2)]

    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=page, title=data["title"], lang=data["lang"], invariant=1,
                          initialFontName="R")
    first = PageTemplate("first", [Frame(margin, top - head_h, width, head_h, leftPadding=0, rightPadding=0,
                                         topPadding=0, bottomPadding=0), *cols(top - head_h - 7)],
                         autoNextPageTemplate="later")
    doc.addPageTemplates([first, PageTemplate("later", cols(top))])
    doc.build([*header, FrameBreak(), *story], canvasmaker=NumberedCanvas)
    return buf.getvalue()


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        pdf = build(data)
        times.append(time.perf_counter() - t)
    Path(sys.argv[2]).write_bytes(pdf)
    if repeat > 1:
        print(json.dumps({"times": times}))


if __name__ == "__main__":
    main()
