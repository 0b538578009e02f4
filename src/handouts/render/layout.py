"""Layout step: handout markup -> ReportLab flowables, one small builder per element.

Unknown elements are errors: a template can only use what is built here.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

from handouts.errors import TemplateError
from handouts.render.fonts import RegisteredFamily
from handouts.render.icons import ICONS, DoseBoxes, DoseMarks, Icon, QRCode, StepMark
from handouts.render.scripts import has_rtl, install_shaping_by_font, rtl_paragraph_text, visual_lines
from handouts.render.styles import Styles

install_shaping_by_font()

INLINE = ("b", "en", "name")
#: around a name in a right-to-left paragraph (private-use characters: never in a handout's text)
NAME_START, NAME_END = "\ue000", "\ue001"
#: an action sub-heading (one with an icon) is kept in the same column as a list this short
KEEP_LIST = 8
#: elements that open page 1 at full width (until the first other element)
HEADER = ("letterhead", "title", "subtitle", "meta", "notice", "warning", "dose")


_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def _collapse(text: str) -> str:
    """Collapse the template's layout white space; a no-break space (U+00A0) is content."""
    return _SPACES.sub(" ", text).strip(" ")


@dataclass
class Footer:
    parts: list[str] = field(default_factory=list)
    pages: str = "{page} / {pages}"
    clinic_line: Flowable | None = None  # the clinic line as drawn (its name may need another font)


@dataclass
class Document:
    """What the PDF step needs: flowables, footer, and metadata."""

    header: list[Flowable]  # full width on page 1: title, meta, the boxed warning
    body: list[Flowable]  # in columns when the style asks for them
    footer: Footer
    title: str
    subtitle: str
    lang: str
    rtl: bool


def keep_together(flowables: list[Flowable]) -> KeepTogether:
    """KeepTogether of the flowables, with nested KeepTogethers flattened.

    (ReportLab's KeepTogether reports a huge height to force a split, so one nested in
    another always pushes the outer one to the next frame.)
    """
    flat: list[Flowable] = []
    for f in flowables:
        flat.extend(f._content if isinstance(f, KeepTogether) else [f])
    return _KeepTogether(flat)


class _KeepTogether(KeepTogether):
    """ReportLab's KeepTogether without its deep copy of the frame at every measuring.

    The copy is there for flowables that add generated content to the frame while they are
    measured; none of ours do. It cost a tenth of a handout's build time.
    """

    def wrap(self, aW, aH):  # noqa: N803
        doc = getattr(self.canv, "_doctemplate", None)
        frame = getattr(doc, "frame", None)
        if frame is None:
            return super().wrap(aW, aH)
        doc.frame = None
        try:
            return super().wrap(aW, aH)
        finally:
            doc.frame = frame


class _Paragraph(Paragraph):
    """A paragraph whose line breaking is remembered: a batch breaks each paragraph of a
    drug's handout once per width, not once per patient."""

    def breakLines(self, width):  # noqa: N802
        key = self.__dict__.get("_lines_key")
        if key is None:
            return super().breakLines(width)
        widths = tuple(width) if isinstance(width, (list, tuple)) else (width,)
        full = (key, widths)
        hit = _LINES.get(full)
        if hit is None:
            hit = super().breakLines(width)
            if len(_LINES) >= _PARSED_MAX:
                _LINES.clear()
            _LINES[full] = hit
        return hit


_LINES: dict[tuple, object] = {}


class Heading(Paragraph):
    """A paragraph that is also a bookmark (outline entry)."""

    def __init__(self, text, style, key: str, title: str, level: int):
        super().__init__(text, style)
        self.bookmark = (key, title, level)


class Anchor(Flowable):
    """An invisible bookmark (outline entry) for a heading drawn inside a box."""

    def __init__(self, key: str, title: str, level: int):
        super().__init__()
        self.bookmark = (key, title, level)
        self.height = 0

    def wrap(self, availWidth, availHeight):  # noqa: N802
        return 0, 0

    def draw(self):
        pass


class WriteIn(Flowable):
    """Ruled lines to write an answer on."""

    def __init__(self, lines: int, gap: float, indent: float, color: str):
        super().__init__()
        self.lines, self.gap, self.indent, self.color = lines, gap, indent, HexColor(color)

    def wrap(self, availWidth, availHeight):  # noqa: N802
        self.width = availWidth
        return availWidth, self.lines * self.gap

    def draw(self):
        c = self.canv
        c.saveState()
        c.setStrokeColor(self.color)
        c.setLineWidth(0.7)
        for i in range(self.lines):
            y = (self.lines - 1 - i) * self.gap + 2
            c.line(self.indent, y, self.width, y)
        c.restoreState()


#: parsed paragraph markup, by text and style: a batch parses each sentence of a drug's
#: handout once per process, not once per patient (ReportLab never changes parsed fragments)
_PARSED: dict[tuple, list] = {}
_PARSED_MAX = 6000  # entries: about 150 per drug and language (personal lines are never kept)


_SIGNATURES: dict[tuple, tuple] = {}


def _style_signature(style: ParagraphStyle) -> tuple:
    """Everything about a style that parsing and line breaking see, as one shared tuple."""
    sig = tuple(sorted((k, repr(v)) for k, v in style.__dict__.items() if k != "parent"))
    if len(_SIGNATURES) > 500:
        _SIGNATURES.clear()
    return _SIGNATURES.setdefault(sig, sig)


class Builder:
    def __init__(self, styles: Styles, fonts: RegisteredFamily, page_width: float, frame_width: float,
                 rtl: bool = False):
        self.st = styles
        self.page_width = page_width
        self.frame_width = frame_width
        self.width = frame_width
        self.fonts = fonts
        self.rtl = rtl
        self.sizes = styles.sizes
        self.colors = styles.colors
        self.script = fonts.family.script
        self._rtl_styles: dict[str, ParagraphStyle] = {}
        self.ps = self._paragraph_styles()
        self._keys = 0
        self.key_prefix = ""
        self._sigs: dict[int, tuple] = {}
        self.keep_parsed = True  # False while building a line with a patient's name
        #: (field, name) -> [(text, RegisteredFamily or None for the own font)]: how to draw a
        #: name (see handouts.render.names); None: names are drawn in the handout's font
        self.names = None
        #: the handout's QR codes, already encoded (url -> icons.QRRuns); others are encoded here
        self.qr: dict = {}
        self.logo: bytes | None = None  # the clinic's logo image, read before the layout
        self._shape_next = False  # the paragraph being built holds a name that needs shaping

    # ------------------------------------------------------------------ styles

    def _paragraph_styles(self) -> dict[str, ParagraphStyle]:
        z, c, f = self.sizes, self.colors, self.fonts
        align = TA_RIGHT if self.rtl else TA_LEFT

        def style(name, size, font=None, color="text", **kw) -> ParagraphStyle:
            # every font a style can reach is ours: ReportLab's defaults (Helvetica) would be
            # an unembedded font in the PDF, without our glyph check
            kw.setdefault("bulletFontName", f.regular)
            kw.setdefault("bulletFontSize", size)
            kw.setdefault("allowWidows", 0)  # no lone last line at the top of a column
            if self.script == "cjk":
                kw["wordWrap"] = "CJK"  # break between characters, with kinsoku rules
            elif self.script == "devanagari":
                kw["shaping"] = 1  # conjuncts and vowel signs through HarfBuzz
            if self.rtl:  # bullets and indents on the right
                kw["rightIndent"], kw["leftIndent"] = kw.get("leftIndent", 0), 0
            return ParagraphStyle(
                name, fontName=font or f.regular, fontSize=size, leading=size * z["leading"],
                textColor=HexColor(c[color]), alignment=align, **kw,
            )

        ind = z["bullet_indent"]
        return {
            "body": style("body", z["body"], spaceAfter=z["space_after_paragraph"]),
            "bullet": style("bullet", z["body"], leftIndent=ind, bulletIndent=ind * 0.2,
                            bulletFontName=f.bold, spaceAfter=z["space_after_paragraph"]),
            "question": style("question", z["body"], font=f.regular, leftIndent=ind,
                              bulletIndent=0, bulletFontName=f.bold,
                              spaceBefore=z["space_after_paragraph"]),
            "title": style("title", z["title"], font=f.bold, color="heading", spaceAfter=1),
            "subtitle": style("subtitle", z["subtitle"], font=f.bold, color="muted", spaceAfter=2),
            "meta": style("meta", z["meta"], color="muted"),
            "section": style("section", z["section"], font=f.bold, color="heading",
                             spaceBefore=z["space_before_section"], spaceAfter=z["space_after_section"],
                             keepWithNext=1),
            "subsection": style("subsection", z["subsection"], font=f.bold, color="heading",
                                spaceBefore=z["space_after_section"] + 1, spaceAfter=1, keepWithNext=1),
            "warning_heading": style("warning_heading", z["section"], font=f.bold, color="warning_heading",
                                     spaceAfter=2),
            "notice": style("notice", z["body"], font=f.bold, color="text"),
            "small": style("small", z["small"], color="muted", spaceAfter=1),
            "url": style("url", z["body"], font=f.bold, spaceAfter=z["space_after_paragraph"]),
            "small_bullet": style("small_bullet", z["small"], color="muted", spaceAfter=1,
                                  leftIndent=z["small"], bulletIndent=0),
            "letterhead": style("letterhead", z["meta"], color="muted"),
            "footer": style("footer", z["footer"], color="muted"),
        }

    # ------------------------------------------------------------------ paragraphs per script

    def P(self, text: str, style: ParagraphStyle, **kw) -> Paragraph:  # noqa: N802
        """A paragraph, shaped for the handout's script (see :mod:`handouts.render.scripts`)."""
        if self._shape_next:  # a name in a script that needs shaping (Devanagari)
            self._shape_next = False
            # (ReportLab shapes only lines it wraps at spaces: not with CJK wrapping)
            style = style.clone(style.name + "-shaped", shaping=1, wordWrap=None)
        if self.rtl and NAME_START in text and kw.get("bulletText"):
            return self._visual_with_bullet(text, style, kw.pop("bulletText"))
        text, style = self._shaped(text, style)
        sig = self._sigs.get(id(style))
        if sig is None:
            sig = self._sigs[id(style)] = (_style_signature(style), style)  # (the style kept alive)
        if not self.keep_parsed:  # a patient's own lines (name, dose) are used once
            return Paragraph(text, style, **kw)
        key = (text, kw.get("bulletText"), sig[0])
        para = _Paragraph(text, style, frags=_PARSED.get(key), **kw)
        if key not in _PARSED and para.text == text and para.bulletText == kw.get("bulletText"):
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = para.frags
        if _PARSED.get(key) is para.frags:
            para._lines_key = key  # the same text and style: the same lines at the same width
        return para

    def _visual_with_bullet(self, text: str, style: ParagraphStyle, bullet: str) -> Flowable:
        """A right-to-left list item or question that holds a name or a phone number: its lines
        are ordered here (see :meth:`_shaped`), so ReportLab would draw its bullet or number on
        the left, over the words; the bullet goes in a column of its own, on the right."""
        lines, visual = self._shaped(text, style)  # wrapped to the width less the indents
        indent = style.rightIndent or self.sizes["bullet_indent"]
        para = Paragraph(lines, visual.clone(visual.name + "-bulleted", leftIndent=0, rightIndent=0))
        mark_style = style.clone(style.name + "-mark", fontName=style.bulletFontName, leftIndent=0,
                                 rightIndent=style.bulletIndent, alignment=TA_RIGHT)
        mark, mark_style = self._shaped(escape(bullet), mark_style)
        table = Table([[para, Paragraph(mark, mark_style)]], colWidths=[None, indent])
        table.setStyle(self._table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                          ("BOTTOMPADDING", (0, 0), (-1, -1), style.spaceAfter)]))
        return table

    def H(self, text: str, style: ParagraphStyle, key: str, title: str, level: int) -> Heading:  # noqa: N802
        text, style = self._shaped(text, style)
        return Heading(text, style, key, title, level)

    def _shaped(self, text: str, style: ParagraphStyle) -> tuple[str, ParagraphStyle]:
        if not self.rtl:
            return text, style
        if NAME_START in text:
            # a line with a name: wrapped and put in visual order here, each name as a unit
            key = style.name + "-visual"
            if key not in self._rtl_styles:
                self._rtl_styles[key] = style.clone(key, alignment=TA_RIGHT)
            width = self.width - style.leftIndent - style.rightIndent
            return visual_lines(text, width, style.fontName, style.fontSize), self._rtl_styles[key]
        if not has_rtl(text):
            # a Latin-only paragraph in a right-to-left handout (a URL, an English source
            # title, an English fallback): laid out left to right, bullet on the left
            key = style.name + "-ltr"
            if key not in self._rtl_styles:
                self._rtl_styles[key] = style.clone(key, alignment=TA_LEFT, leftIndent=style.rightIndent,
                                                    rightIndent=style.leftIndent)
            return text, self._rtl_styles[key]
        key = style.name + "-rtl"
        if key not in self._rtl_styles:
            self._rtl_styles[key] = style.clone(key, wordWrap="RTL")
        return rtl_paragraph_text(text), self._rtl_styles[key]

    # ------------------------------------------------------------------ inline text

    def inline(self, el: ET.Element, bold: bool = False) -> str:
        """The element's content as ReportLab paragraph markup (escaped text, b, en, name)."""
        out = [escape(el.text or "")]
        for child in el:
            if child.tag not in INLINE:
                raise TemplateError(f"<{child.tag}> is not allowed inside <{el.tag}>; use text, <b> or <en>")
            if child.tag == "name":
                out.append(self.name(child, bold))
                out.append(escape(child.tail or ""))
                continue
            inner = self.inline(child, bold or child.tag == "b")
            if child.tag == "b":
                out.append(f"<b>{inner}</b>")
            else:
                out.append(
                    f'<font color="{self.colors["fallback"]}"><i>[EN]\u00a0{inner}</i></font>'
                )
            out.append(escape(child.tail or ""))
        return _collapse("".join(out))

    def name(self, el: ET.Element, bold: bool = False) -> str:
        """A name as paragraph markup: in the handout's font, or in runs of other fonts.

        In a right-to-left handout the name is set between two marks (see
        :func:`handouts.render.scripts.visual_lines`): it is ordered on its own, as a unit,
        so that it can never reorder the words around it."""
        if len(el):
            raise TemplateError("<name> holds text only")
        text = el.text or ""
        if self.names is None or not text:
            return escape(text)
        out = []
        for run, fonts in self.names(el.get("field", "name"), text):
            if fonts is None:
                out.append(escape(run))
            else:
                if fonts.family.script == "devanagari":
                    self._shape_next = True
                face = fonts.bold if bold else fonts.regular
                out.append(f'<font face="{face}">{escape(run)}</font>')
        markup = "".join(out)
        return f"{NAME_START}{markup}{NAME_END}" if self.rtl else markup

    @staticmethod
    def plain(el: ET.Element) -> str:
        return _collapse("".join(el.itertext()))

    # ------------------------------------------------------------------ blocks

    def build(self, root: ET.Element) -> Document:
        if root.tag != "handout":
            raise TemplateError(f"the markup must start with <handout>, not <{root.tag}>")
        lang = root.get("lang", "en")
        footer = Footer()
        title = subtitle = ""
        header: list[Flowable] = []
        body: list[Flowable] = []
        for el in root:
            if el.tag == "footer":
                footer = self.footer(el)
                continue
            if el.tag == "title":
                title = self.plain(el)
            elif el.tag == "subtitle":
                subtitle = self.plain(el)
            in_header = not body and el.tag in HEADER
            # the header is as wide as the page; the rest flows in the body's columns
            self.width = self.page_width if in_header else self.frame_width
            (header if in_header else body).extend(self.block(el))
        if not title:
            raise TemplateError("the handout has no <title>")
        return Document(header, body, footer, title, subtitle, lang, self.rtl)

    def block(self, el: ET.Element) -> list[Flowable]:
        method = getattr(self, f"el_{el.tag}", None)
        if method is None:
            raise TemplateError(f"unknown element <{el.tag}> in the handout markup; see README, 'Templates'")
        flowables = method(el)
        for f in flowables:
            if getattr(f, "_handouts_element", None) is None:
                f._handouts_element = el  # named (see describe) in an error if it cannot fit a page
        return flowables

    def children(self, el: ET.Element) -> list[Flowable]:
        out: list[Flowable] = []
        kids = list(el)
        i = 0
        while i < len(kids):
            child = kids[i]
            nxt = kids[i + 1] if i + 1 < len(kids) else None
            if (child.tag == "h2" and child.get("icon") and nxt is not None and nxt.tag == "ul"
                    and len(nxt) <= KEEP_LIST):
                # an action heading ("call 911 if you have:") and its short list stay together:
                # an item is never separated from the heading that says what to do about it
                out.append(keep_together([*self.block(child), *self.block(nxt)]))
                i += 2
                continue
            out.extend(self.block(child))
            i += 1
        return out

    def _key(self) -> str:
        self._keys += 1
        return f"{self.key_prefix}s{self._keys}"

    def el_title(self, el):
        return [self.H(self.inline(el), self.ps["title"], self._key(), self.plain(el), 0)]

    def el_subtitle(self, el):
        return [self.P(self.inline(el), self.ps["subtitle"])]

    def el_meta(self, el):
        self.keep_parsed = False  # a meta line may carry the patient's name
        try:
            return [self.P(self.inline(el), self.ps["meta"])]
        finally:
            self.keep_parsed = True

    def el_p(self, el):
        if el.get("icon"):
            style = self.ps["body"]
            return [self._beside(el.get("icon"), el, style, style.leading * 1.25)]
        return [self.P(self.inline(el), self.ps["body"])]

    def _beside(self, kind: str, el: ET.Element, style: ParagraphStyle, size: float) -> Flowable:
        """An element's words with a drawing beside them (at their start) that says the same thing."""
        gap = size * 0.3
        with self._narrower(size + gap):  # the words in the width left to them
            para = self.P(self.inline(el), style)
        return self._icon_row(kind, para, size, gap, valign="TOP", bottom=style.spaceAfter + 1)

    def el_ul(self, el):
        items = []
        for li in el:
            if li.tag != "li":
                raise TemplateError(f"<ul> may only hold <li>, not <{li.tag}>")
            items.append(li)
        paras = [self._bullet(li) for li in items]
        if len(items) >= 4 and all(self._fits_half(self.plain(li)) for li in items):
            # short one-line items (e.g. side effects): two columns, in reading order by rows
            return [self._grid([[p] for p in paras])]
        return paras

    def _fits_half(self, text: str) -> bool:
        style = self.ps["bullet"]
        column = (self.width - self.sizes["column_gap"]) / 2
        return stringWidth(text, style.fontName, style.fontSize) + style.leftIndent < column * 0.96

    def _grid(self, cells: list[list[Flowable]]) -> Flowable:
        """Two columns, filled row by row: the page reads (and copies) in the items' order."""
        gap = self.sizes["column_gap"]
        width = (self.width - gap) / 2
        rows = [cells[i:i + 2] + [[]] * (2 - len(cells[i:i + 2])) for i in range(0, len(cells), 2)]
        if self.rtl:
            rows = [list(reversed(r)) for r in rows]
        table = Table(rows, colWidths=[width + gap / 2, width + gap / 2], hAlign="LEFT")
        table.setStyle(self._table_style([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("RIGHTPADDING", (0, 0), (0, -1), gap / 2),
            ("LEFTPADDING", (1, 0), (1, -1), gap / 2),
        ]))
        return table

    def el_group(self, el):
        """Blocks kept together in one column."""
        return [keep_together(self.children(el))]

    def el_url(self, el):
        """A web address, as a link; a long one is broken after a slash, never inside a word."""
        href = el.get("href", "")
        if not href.startswith(("https://", "http://")):
            raise TemplateError(f"<url> needs an href starting with https://, got {href!r}")
        style = self.ps["url"]
        lines, rest = [], href
        while stringWidth(rest, style.fontName, style.fontSize) > self.width and "/" in rest[:-1]:
            cut = 0
            for i, ch in enumerate(rest[:-1]):
                if ch == "/" and stringWidth(rest[: i + 1], style.fontName, style.fontSize) <= self.width:
                    cut = i + 1
            if cut == 0:
                break
            lines.append(rest[:cut])
            rest = rest[cut:]
        lines.append(rest)
        text = "<br/>".join(escape(line) for line in lines)
        return [self.P(f'<link href="{escape(href, {chr(34): "&quot;"})}">{text}</link>', style)]

    def _bullet(self, el: ET.Element) -> Flowable:
        icon = el.get("icon")
        if icon:
            # an item with a drawing (a dosing syringe...): the drawing in the bullet's place
            style = self.ps["body"]
            return self._beside(icon, el, style, self.sizes["bullet_indent"] + style.leading)
        return self.P(self.inline(el), self.ps["bullet"], bulletText="\u2022")

    def el_li(self, el):
        return [self._bullet(el)]

    def el_h2(self, el):
        icon = el.get("icon")
        if not icon:
            return [self.P(self.inline(el), self.ps["subsection"])]
        size = max(self.sizes["icon"], self.ps["subsection"].leading)
        with self._narrower(size * 1.35):  # the words beside the icon, in the width left to them
            para = self.P(self.inline(el), self.ps["subsection"])
        return [self._with_icon(icon, [para], self.ps["subsection"])]

    @contextmanager
    def _narrower(self, by: float):
        """Paragraphs built here stand beside a drawing: right-to-left lines with a name or a
        number (wrapped by us, not by ReportLab) are wrapped to the width left to them."""
        width = self.width
        self.width = width - by
        try:
            yield
        finally:
            self.width = width

    def el_section(self, el):
        title = el.get("title")
        if not title:
            raise TemplateError(f"<section id=\"{el.get('id', '?')}\"> needs a title")
        head = self.H(escape(title), self.ps["section"], self._key(), title, 1)
        body = self.children(el)
        # keep the heading with the first block of its section; when that block is itself a
        # heading (a subsection's), with the block after it too: never a heading alone
        n = 1
        while n < len(body) and body[n - 1].getKeepWithNext():
            n += 1
        return [keep_together([head, *body[:n]]), *body[n:]]

    def el_warning(self, el):
        title = el.get("title", "")
        head = self.P(escape(title), self.ps["warning_heading"])
        heading = self._with_icon("alert", [head], self.ps["warning_heading"], color="warning_border")
        with self._narrower(self._box_inset()):
            content = self.children(el)
        return [Spacer(1, 4), Anchor(self._key(), title, 1), self._box([heading, *content], "warning_border", "warning_background"),
                Spacer(1, 2)]

    def el_dose(self, el):
        """The patient's own dose: a sentence and a chart with a row per time of day.

        (Its lines come from a small set of schedules, so they are kept parsed like the
        rest; only lines with a name are not.)"""
        return self._dose(el)

    def _dose(self, el):
        title = el.get("title", "")
        head = self.P(escape(title), self.ps["warning_heading"].clone(
            "dose_heading", textColor=HexColor(self.colors["heading"])))
        content: list[Flowable] = [head]
        with self._narrower(self._box_inset()):
            for child in el:
                if child.tag == "chart":
                    content.append(self._dose_chart(child))
                elif child.tag == "p":
                    content.extend(self.el_p(child))
                elif child.tag == "steps":
                    content.extend(self._steps(child))
                else:
                    raise TemplateError(f"<dose> may hold <p>, <steps> and <chart>, not <{child.tag}>")
        return [Spacer(1, 4), Anchor(self._key(), title, 1),
                self._box(content, "dose_border", "dose_background", border_width=1.2), Spacer(1, 2)]

    def _dose_chart(self, el):
        z = self.sizes
        amount_el = el.find("amount")
        amount = self.inline(amount_el) if amount_el is not None else ""
        head = self.ps["body"].clone("chart_head", fontName=self.fonts.bold)
        when_head, amount_head = self.P(escape(el.get("time", "")), head), self.P(escape(el.get("amount", "")), head)
        rows = [[when_head, amount_head, ""]]
        marks_count = int(el.get("marks", "1"))
        marks_width = marks_count * z["dose_mark"] * 1.25 + 4
        for row in el.findall("row"):
            label = self.P(self.inline(row), self.ps["body"])
            if row.get("writein"):
                # "Dose 1, time: ______": the line to write the time on follows the words
                body = self.ps["body"]
                text_width = stringWidth(self.plain(row), body.fontName, body.fontSize) + 6
                line = WriteIn(1, body.leading, 0, self.colors["writein"])
                cells, cw = [[label, line]], [text_width, None]
                if self.rtl:
                    cells, cw = [[line, label]], [None, text_width]
                label = Table(cells, colWidths=cw)
                label.setStyle(self._table_style([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
            marks = DoseMarks(el.get("form", "tablet"), marks_count, el.get("half") == "1",
                              z["dose_mark"], self.colors["dose_mark"], self.rtl)
            rows.append([label, marks, self.P(amount, self.ps["body"])])
        widths = [self.width * 0.38, marks_width, None]
        span = [("SPAN", (1, 0), (2, 0))]
        if self.rtl:
            rows = [[amount_head, "", when_head]] + [r[::-1] for r in rows[1:]]
            widths = widths[::-1]
            span = [("SPAN", (0, 0), (1, 0))]
        table = Table(rows, colWidths=widths, repeatRows=0)
        rule = HexColor(self.colors["dose_rule"])
        table.setStyle(self._table_style([
            *span,
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.6, rule),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]))
        return table

    def _steps(self, el):
        """The steps of a schedule, each beside its number (the calendar shows the same number
        on the day the step starts)."""
        out = []
        style = self.ps["body"]
        size = style.fontSize * 1.35
        for step in el:
            if step.tag != "step":
                raise TemplateError(f"<steps> may only hold <step>, not <{step.tag}>")
            mark = StepMark(step.get("n", ""), size, self.colors["dose_mark"], self.fonts.bold)
            cells, widths = [mark], [size + 6]
            picture = step.get("icon")
            if picture:
                # a numbered step with its picture (naloxone: what to do, one action each)
                if picture not in ICONS:
                    raise TemplateError(f"unknown picture '{picture}'; known: {', '.join(ICONS)}")
                side = self.sizes["step_picture"]
                cells.append(Icon(picture, side, self.colors.get(f"icon_{picture}", self.colors["heading"])))
                widths.append(side + 10)
            with self._narrower(sum(widths)):
                cells.append(self.P(self.inline(step), style))
            widths.append(None)
            if self.rtl:
                cells, widths = cells[::-1], widths[::-1]
            table = Table([cells], colWidths=widths)
            table.setStyle(self._table_style([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (-1, 0), (-1, 0), "RIGHT" if self.rtl else "LEFT"),  # the number at the line's start
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6 if picture else 3),
            ]))
            out.append(table)
        return out

    def el_steps(self, el):
        """Numbered steps in a section (each with its picture): read as one, so kept in one column
        (a reader in a hurry must not hunt for step 7)."""
        return [keep_together(self._steps(el))]

    def el_calendar(self, el):
        """A month-like grid, weeks as rows, with a box per dose per day to tick.

        Days outside the schedule are blank; the day a step starts has a thick border and the
        step's number. It splits between columns and pages by weeks, with the weekdays repeated."""
        z = self.sizes
        title = el.get("title", "")
        head = self.P(escape(title), self.ps["subsection"])
        out: list[Flowable] = [Anchor(self._key(), title, 1), self._with_icon("calendar", [head], self.ps["subsection"])]
        small = self.ps["body"].clone("calendar_day", fontSize=z["small"] + 1, leading=(z["small"] + 1) * 1.15,
                                      spaceAfter=1, textColor=HexColor(self.colors["text"]))
        bold = small.clone("calendar_head", fontName=self.fonts.bold)
        box = z["calendar_box"]
        mark_size = small.leading * 1.05
        rows: list[list] = []
        changes: list[tuple[int, int]] = []
        header = None
        label_width = self.width * 0.155
        day_width = (self.width - label_width) / 7
        for child in el:
            if child.tag == "p":
                out.extend(self.el_p(child))
            elif child.tag == "weekdays":
                header = [""] + [self.P(self.inline(wd), self._fitting(bold, [self.plain(w) for w in child],
                                                                      day_width - 4)) for wd in child]
            elif child.tag == "week":
                # ("Settimana 1" on one line: a long week word is made smaller, not broken)
                week_style = self._fitting(bold, [child.get("label", "")], label_width - 4)
                row: list = [self.P(escape(child.get("label", "")), week_style)]
                for c, day in enumerate(child, 1):
                    if day.tag != "day":
                        raise TemplateError(f"<week> may only hold <day>, not <{day.tag}>")
                    if day.get("doses") is None:
                        row.append("")
                        continue
                    # ("12月1日" on one line: a month's first day is made smaller, not broken)
                    day_style = self._fitting(small, [self.plain(day)], day_width - 6
                                              - (mark_size + 2 if day.get("change") == "1" else 0))
                    label = self._aligned(self.P(self.inline(day), day_style))
                    boxes = DoseBoxes(int(day.get("doses", "1")), box, self.colors["dose_mark"], self.rtl)
                    if day.get("change") == "1":
                        # the step's number beside the date, as beside the step's sentence
                        changes.append((c, len(rows) + 1))
                        mark = StepMark(day.get("step", ""), mark_size, self.colors["dose_mark"], self.fonts.bold)
                        pair = [[mark, label]] if not self.rtl else [[label, mark]]
                        label = Table(pair, colWidths=[mark_size + 2, None] if not self.rtl else [None, mark_size + 2])
                        label.setStyle(self._table_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
                    row.append([label, Spacer(1, 2), boxes])
                rows.append(row)
            else:
                raise TemplateError(f"<calendar> may hold <p>, <weekdays> and <week>, not <{child.tag}>")
        if header is None or not rows:
            raise TemplateError("<calendar> needs <weekdays> and at least one <week>")
        rows.insert(0, header)
        widths = [label_width] + [day_width] * 7
        if self.rtl:
            rows = [r[::-1] for r in rows]
            widths = widths[::-1]
            changes = [(7 - c, r) for c, r in changes]  # the week's label on the right
        rule = HexColor(self.colors["dose_rule"])
        strong = HexColor(self.colors["dose_border"])
        first_day = 1 if not self.rtl else 0
        last_day = 7 if not self.rtl else 6
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (first_day, 1), (last_day, -1), 0.5, rule),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, strong),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]
        for c, r in changes:
            style.append(("BOX", (c, r), (c, r), 2.2, strong))
        table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(self._table_style(style))
        out.append(table)
        return [Spacer(1, z["space_before_section"]), *out]

    def _fitting(self, style: ParagraphStyle, texts: list[str], width: float) -> ParagraphStyle:
        """``style``, smaller if one of ``texts`` (weekday names: Arabic writes them whole) would
        not fit ``width`` on one line; never below 6 pt."""
        widest = max((stringWidth(t, style.fontName, style.fontSize) for t in texts), default=0)
        if widest <= width:
            return style
        size = max(6.0, style.fontSize * width / widest)
        return style.clone(f"{style.name}-{size:.1f}", fontSize=size, leading=size * 1.2)

    def _aligned(self, para: Paragraph) -> Paragraph:
        """In a right-to-left handout, a paragraph of digits (a calendar's day) on the right too."""
        if self.rtl and para.style.alignment != TA_RIGHT:
            para.style = para.style.clone(para.style.name + "-right", alignment=TA_RIGHT)
        return para

    def el_notice(self, el):
        para = self.P(self.inline(el), self.ps["notice"])
        return [Spacer(1, 4), self._box([para], "fallback", "notice_background", border_width=1.0)]

    def el_keypoints(self, el):
        title = el.get("title", "")
        head = self.P(escape(title), self.ps["warning_heading"].clone(
            "kp", textColor=HexColor(self.colors["heading"])))
        with self._narrower(self._box_inset()):
            items = [self._bullet(li) for li in el]
        return [Spacer(1, self.sizes["space_before_section"]),
                keep_together([Anchor(self._key(), title, 1), self._box([head, *items], "keypoints_border", "keypoints_background")])]

    def el_questions(self, el):
        out = []
        z = self.sizes
        for i, q in enumerate(el, 1):
            if q.tag != "q":
                raise TemplateError(f"<questions> may only hold <q>, not <{q.tag}>")
            para = self.P(self.inline(q), self.ps["question"], bulletText=f"{i}.")
            lines = WriteIn(int(z["writein_lines"]), z["writein_gap"], z["bullet_indent"], self.colors["writein"])
            out.append([para, lines])
        if int(z["question_columns"]) >= 2 and len(out) > 1:
            return [self._grid(out)]
        return [keep_together(cell) for cell in out]

    def el_qr(self, el):
        url = el.get("url", "")
        if not url:
            raise TemplateError("<qr> needs a url")
        size = self.sizes["qr"]
        drawing = QRCode(url, size, encoded=self.qr.get(url))
        text = self.children(el)
        cells = [[drawing, text]] if not self.rtl else [[text, drawing]]
        widths = [size + 10, None] if not self.rtl else [None, size + 10]
        table = Table(cells, colWidths=widths, hAlign="LEFT")
        table.setStyle(self._table_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        return [table]

    def el_sources(self, el):
        title = el.get("title", "")
        head = self.H(escape(title), self.ps["subsection"], self._key(), title, 1)
        out: list[Flowable] = [Spacer(1, self.sizes["space_before_section"]), head]
        for child in el:
            if child.tag == "source":
                text = self.inline(child)
                if child.get("url"):
                    text = f'<link href="{escape(child.get("url"), {chr(34): "&quot;"})}">{text}</link>'
                out.append(self.P(text, self.ps["small_bullet"], bulletText="\u2022"))
            elif child.tag == "p":
                out.append(self.P(self.inline(child), self.ps["small"]))
            else:
                raise TemplateError(f"<sources> may only hold <p> and <source>, not <{child.tag}>")
        return out

    def el_letterhead(self, el):
        lines = []
        for child in el:
            if child.tag != "line":
                raise TemplateError(f"<letterhead> may only hold <line>, not <{child.tag}>")
            lines.append(self.P(self.inline(child), self.ps["letterhead"]))
        logo = el.get("logo")
        if not logo:
            return [*lines, Spacer(1, 4)]
        height = self.sizes["icon"] * 1.6
        try:
            if self.logo is None:
                raise ValueError("the logo's bytes were not given")
            image = Image(io.BytesIO(self.logo))
            ratio = image.imageWidth / image.imageHeight
            image = Image(io.BytesIO(self.logo), width=height * ratio, height=height)
        except Exception:  # ReportLab and Pillow raise several kinds for a bad image
            raise TemplateError(f"clinic logo {logo}: cannot read the image; use a PNG or JPEG file") from None
        table = Table([[lines, image]], colWidths=[None, height * ratio + 4])
        table.setStyle(self._table_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                          ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
        return [table, Spacer(1, 4)]

    def footer(self, el: ET.Element) -> Footer:
        f = Footer()
        for child in el:
            if child.tag == "part":
                f.parts.append(self.plain(child))
            elif child.tag == "clinic":
                f.clinic_line = self.P(self.inline(child), self.ps["footer"])
            elif child.tag == "pages":
                f.pages = self.plain(child)
            else:
                raise TemplateError(f"<footer> may only hold <part>, <clinic> and <pages>, not <{child.tag}>")
        if "{page}" not in f.pages or "{pages}" not in f.pages:
            raise TemplateError("<pages> in the footer must contain {page} and {pages}")
        return f

    # ------------------------------------------------------------------ helpers

    def _table_style(self, extra=()):
        base = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
        return TableStyle(base + list(extra))

    def _with_icon(self, kind: str, content: list[Flowable], style: ParagraphStyle, color: str | None = None):
        """A heading beside its icon, kept with what follows it."""
        size = max(self.sizes["icon"], style.leading)
        table = self._icon_row(kind, content, size, size * 0.35, valign="MIDDLE", top=style.spaceBefore,
                               bottom=style.spaceAfter + 1, color=color)
        table.keepWithNext = 1
        return table

    def _icon_row(self, kind: str, content, size: float, gap: float, *, valign: str, top: float = 0,
                  bottom: float = 0, color: str | None = None) -> Table:
        """A drawing and the words it stands beside, the drawing at the start of the line (the
        right in a right-to-left handout)."""
        if kind not in ICONS:
            raise TemplateError(f"unknown icon '{kind}'; known: {', '.join(ICONS)}")
        key = color or (f"icon_{kind}" if f"icon_{kind}" in self.colors else "heading")
        icon = Icon(kind, size, self.colors[key])
        cells = [[icon, content]] if not self.rtl else [[content, icon]]
        widths = [size + gap, None] if not self.rtl else [None, size + gap]
        table = Table(cells, colWidths=widths)
        table.setStyle(self._table_style([
            ("VALIGN", (0, 0), (-1, -1), valign),
            ("ALIGN", (-1, 0), (-1, 0), "RIGHT" if self.rtl else "LEFT"),  # the gap toward the words
            ("TOPPADDING", (0, 0), (-1, -1), top),
            ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
        ]))
        return table

    def _box_inset(self) -> float:
        """How much narrower the inside of a box is than the box (see :meth:`_box`)."""
        return 2 * (self.sizes["box_padding"] + 1) + 2 * self.sizes["box_border"]

    def _box(self, content: list[Flowable], border: str, background: str, border_width: float | None = None):
        width = border_width or self.sizes["box_border"]
        pad = self.sizes["box_padding"]
        table = Table([[content]])
        table.setStyle(self._table_style([
            ("BOX", (0, 0), (-1, -1), width, HexColor(self.colors[border])),
            ("BACKGROUND", (0, 0), (-1, -1), HexColor(self.colors[background])),
            ("LEFTPADDING", (0, 0), (-1, -1), pad + 1),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad + 1),
            ("TOPPADDING", (0, 0), (-1, -1), pad),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ]))
        return table


def describe(el: ET.Element) -> str:
    """An element as a reader of an error finds it: its kind and its heading or first words."""
    label = el.get("title") or el.get("id") or " ".join(_without_names(el).split())
    label = label if len(label) <= 50 else label[:47] + "..."
    return f"<{el.tag}> \"{label}\"" if label else f"<{el.tag}>"


def _without_names(el: ET.Element) -> str:
    """The element's text with every name left out (an error message never shows one)."""
    parts = [el.text or ""] if el.tag != "name" else ["..."]
    for child in el:
        parts.append(_without_names(child))
        parts.append(child.tail or "")
    return "".join(parts)


def build_document(root: ET.Element, styles: Styles, fonts: RegisteredFamily, page_width: float,
                   frame_width: float, rtl: bool = False, key_prefix: str = "", names=None,
                   qr: dict | None = None, logo: bytes | None = None) -> Document:
    """``qr``: the handout's QR codes, already encoded (url -> :data:`icons.QRRuns`); ``logo``:
    the clinic's logo image (the bytes of the file the markup names)."""
    builder = Builder(styles, fonts, page_width, frame_width, rtl)
    builder.key_prefix = key_prefix
    builder.names = names
    builder.qr = qr or {}
    builder.logo = logo
    return builder.build(root)


def parse_markup(markup: str) -> ET.Element:
    try:
        return ET.fromstring(markup)
    except ET.ParseError as err:
        line, col = err.position
        text = markup.splitlines()[line - 1] if 0 < line <= len(markup.splitlines()) else ""
        raise TemplateError(
            f"handout.xml.j2: the rendered markup is not well-formed at line {line}, column {col}: "
            f"{text.strip()[:80]!r}; check the template"
        ) from None
