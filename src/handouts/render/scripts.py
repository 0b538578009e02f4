"""What each writing system needs before ReportLab lays it out.

- Arabic and Persian: letters joined by arabic-reshaper (presentation forms), lines ordered
  right to left by ReportLab's ``wordWrap='RTL'`` with our bidi module
  (:mod:`handouts.render.bidi`). Inline markup is dropped in RTL paragraphs: a change of font
  inside a word breaks its joining, so emphasis in those languages comes from whole bold
  paragraphs (headings), never from <b> inside a sentence.
- Chinese and Japanese: ``wordWrap='CJK'`` breaks between characters; full-width closing
  punctuation is added to ReportLab's may-not-start-a-line list (kinsoku).
- Korean: wraps at spaces, like Latin text.
- Hindi (Devanagari): shaped by HarfBuzz (``shaping=1``); without uharfbuzz it would print
  broken, so it is refused instead.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html import unescape
from xml.sax.saxutils import escape

from handouts.errors import TemplateError
from handouts.render.bidi import check_installed, visual_order

#: inline markup dropped from right-to-left paragraphs (line breaks and a name's own font kept)
_TAG = re.compile(r"<(?!br\s*/?>|/?font\b)[^>]*>")
#: full-width punctuation that must not start a line (ReportLab's list lacks these)
KINSOKU_CANNOT_START = "！？：；，、。〉》」』】〕）｝〗〙〛ー・…‥゛゜ヽヾゝゞ々"


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


@lru_cache(maxsize=1)
def _reshaper():
    try:
        import arabic_reshaper  # (only for Arabic-script text)
    except ImportError:  # a dependency: only a broken install lacks it
        raise TemplateError(
            "Arabic script needs the arabic-reshaper package; reinstall handouts "
            "(pip install --force-reinstall handouts)"
        ) from None
    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def reshape(text: str) -> str:
    """Arabic-script letters joined (presentation forms); other text unchanged."""
    return _reshaper().reshape(text)


def rtl_paragraph_text(markup: str) -> str:
    """Paragraph markup of an Arabic-script paragraph, ready for ``wordWrap='RTL'``."""
    text = _TAG.sub("", markup)
    return _reshaper().reshape(text)


_TOKEN = re.compile(r'<font face="([^"]*)">(.*?)</font>|(\ue000)|(\ue001)|(<[^>]*>)|([^<\ue000\ue001]+)', re.S)
_NAME_START, _NAME_END = "\ue000", "\ue001"
#: a strong left-to-right and a strong right-to-left stand-in for a whole name
_STAND_IN = {"LTR": "A", "RTL": "\u05d0"}


def _items(markup: str) -> list[tuple[str, str | None, int | None]]:
    """(character, font face or None, name number or None) for each character of the markup."""
    items: list[tuple[str, str | None, int | None]] = []
    unit, count = None, 0
    for m in _TOKEN.finditer(markup):
        face, inner, start, end, _tag, text = m.groups()
        if start:
            count += 1
            unit = count
        elif end:
            unit = None
        elif face is not None:
            items.extend((c, face, unit) for c in unescape(inner))
        elif text:
            plain = unescape(text)
            if unit is None:
                plain = reshape(plain)  # the handout's own words: joined here (names already are)
            items.extend((c, None, unit) for c in plain)
    return items


def first_strong_direction(text: str) -> str:
    """"RTL" or "LTR": the direction of the text's first strong letter (LTR if none)."""
    for c in text:
        d = unicodedata.bidirectional(c)
        if d in ("R", "AL"):
            return "RTL"
        if d == "L":
            return "LTR"
    return "LTR"


def _visual(line: list[tuple[str, str | None, int | None]]) -> list[tuple[str, str | None]]:
    """One line in visual order; each name ordered on its own and placed as a unit."""
    units: dict[int, list[tuple[str, str | None]]] = {}
    seq: list[tuple[str, str | None, int | None]] = []
    for ch, face, unit in line:
        if unit is None:
            seq.append((ch, face, None))
        elif unit not in units:
            units[unit] = [(ch, face)]
            seq.append(("", None, unit))
        else:
            units[unit].append((ch, face))
    text = "".join(_STAND_IN[first_strong_direction("".join(c for c, _f in units[u]))] if u else ch for ch, _f, u in seq)
    visual, order = visual_order(text, "RTL")
    out: list[tuple[str, str | None]] = []
    for k, i in enumerate(order):
        ch, face, unit = seq[i]
        if unit is None:
            out.append((visual[k], face))  # as the algorithm left it (a bracket mirrored)
            continue
        chars = units[unit]
        name = "".join(c for c, _f in chars)
        shown, name_order = visual_order(name, first_strong_direction(name))
        out.extend((shown[m], chars[j][1]) for m, j in enumerate(name_order))
    return out


def visual_lines(markup: str, width: float, font: str, size: float) -> str:
    """A right-to-left paragraph that holds a name (marked, maybe in another font) as lines
    in visual order, each character in its own font, joined with ``<br/>``: drawn as is.

    ReportLab's right-to-left wrapping would reorder each font's run on its own and let a
    name's letters mix with the words around it; here the words are wrapped in their
    logical order to ``width``, then each line is ordered by the Unicode bidi algorithm,
    with every name isolated (ordered on its own, placed as a unit).
    """
    # (ReportLab: the markup step uses this module without it)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    markup = _TAG.sub("", markup)
    paragraphs = re.split(r"<br\s*/?>", markup)
    out_lines: list[str] = []
    for para in paragraphs:
        items = _items(para)
        # words (split at spaces) in logical order, greedily filled into lines
        words: list[list] = [[]]
        for item in items:
            words[-1].append(item)
            if item[0] == " ":
                words.append([])
        lines: list[list] = [[]]
        used = 0.0
        for word in words:
            w = sum(stringWidth(c, f or font, size) for c, f, _u in word)
            if lines[-1] and used + w > width:
                lines.append([])
                used = 0.0
            lines[-1].extend(word)
            used += w
        for line in lines:
            while line and line[-1][0] == " ":
                line.pop()
            chunks: list[str] = []
            current, buf = None, []
            for ch, face in _visual(line):
                if face != current and buf:
                    text = escape("".join(buf))
                    chunks.append(text if current is None else f'<font face="{current}">{text}</font>')
                    buf = []
                current = face
                buf.append(ch)
            if buf:
                text = escape("".join(buf))
                chunks.append(text if current is None else f'<font face="{current}">{text}</font>')
            out_lines.append("".join(chunks))
    return "<br/>".join(out_lines)


def without_name_marks(markup: str) -> str:
    return markup.replace(_NAME_START, "").replace(_NAME_END, "")


_KINSOKU_DONE = False


def setup_cjk() -> None:
    """Add full-width closing punctuation to ReportLab's cannot-start-a-line characters."""
    global _KINSOKU_DONE
    if _KINSOKU_DONE:
        return
    # (ReportLab: see visual_lines)
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    extra = "".join(c for c in KINSOKU_CANNOT_START if c not in textsplit.ALL_CANNOT_START)
    textsplit.ALL_CANNOT_START += extra
    if hasattr(paragraph, "ALL_CANNOT_START"):
        paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START
    paragraph.cjkFragSplit = _cjk_frag_split
    _KINSOKU_DONE = True


def _cjk_frag_split(frags, maxWidths, calcBounds, encoding="utf8"):
    """ReportLab's ``cjkFragSplit`` (character-by-character wrapping of CJK text), with one
    change: a run of non-CJK characters that would overflow the line (a phone number, a drug's
    Latin name, a dose) goes to the next line whole when the line has an earlier break point
    (a space or a CJK character). ReportLab looks back only half the line, and so printed the
    crisis line "0800-111-0111" as "0800-111-0" / "111" in Chinese."""
    # (ReportLab: see visual_lines)
    from reportlab.platypus.paragraph import (
        _FUZZ,
        ALL_CANNOT_START,
        ParaLines,
        category,
        cjkU,
        isBytes,
        makeCJKParaLine,
    )

    U = []  # one item per glyph, with its width and fragment
    for f in frags:
        text = f.text
        if isBytes(text):
            text = text.decode(encoding)
        if text:
            U.extend([cjkU(t, f, encoding) for t in text])
        else:
            U.append(cjkU(text, f, encoding))
    lines = []
    i = widthUsed = lineStartPos = 0
    maxWidth = maxWidths[0]
    nU = len(U)
    while i < nU:
        u = U[i]
        i += 1
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = maxWidth
            w = w.normalizedValue(maxWidth)
        widthUsed += w
        lineBreak = hasattr(u.frag, "lineBreak")
        endLine = (widthUsed > maxWidth + _FUZZ and widthUsed > 0) or lineBreak
        if endLine:
            extraSpace = maxWidth - widthUsed
            if not lineBreak:
                if ord(u) < 0x3000:
                    # inside a non-CJK run: break before the run, anywhere back on the line
                    for j in range(i - 1, lineStartPos, -1):
                        uj = U[j]
                        if uj and category(uj) == "Zs" or ord(uj) >= 0x3000:
                            k = j + 1
                            if k < i:
                                j = k + 1
                                extraSpace += sum(U[ii].width for ii in range(j, i))
                                w = U[k].width
                                u = U[k]
                                i = j
                            break
                # a character that cannot start a line hangs in the margin instead
                if u not in ALL_CANNOT_START and i > lineStartPos + 1:
                    i -= 1
                    extraSpace += w
            lines.append(makeCJKParaLine(U[lineStartPos:i], maxWidth, widthUsed, extraSpace, lineBreak, calcBounds))
            try:
                maxWidth = maxWidths[len(lines)]
            except IndexError:
                maxWidth = maxWidths[-1]
            lineStartPos = i
            widthUsed = 0
    if widthUsed > 0:
        lines.append(makeCJKParaLine(U[lineStartPos:], maxWidth, widthUsed, maxWidth - widthUsed, False, calcBounds))
    return ParaLines(kind=1, lines=lines)


def require_shaping(lang: str) -> None:
    """HarfBuzz must be importable for scripts that need shaping (Devanagari)."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        raise TemplateError(
            f"the '{lang}' handout needs text shaping (uharfbuzz), which cannot be loaded here; "
            "without it the letters would print broken. Install it with pip install uharfbuzz"
        ) from None


def install_shaping_by_font() -> None:
    """Shape a word that spans two fonts one font at a time.

    ReportLab shapes a whole word with its first font; a name in another font that touches
    the handout's text with no space ("患者：राम") would be drawn with the wrong glyphs.
    """
    # (ReportLab: see visual_lines)
    from reportlab.pdfbase import ttfonts
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import paragraph

    original = ttfonts.shapeFragWord
    if getattr(paragraph.shapeFragWord, "by_font", False):
        return

    def shape(word, *args, **kw):
        items = word[1:]
        if len({f.fontName for f, _s in items if not hasattr(f, "cbDefn")}) <= 1 and not any(
                has_rtl(t) for _f, t in items if isinstance(t, str)):
            return original(word, *args, **kw)
        groups: list[list] = []
        for f, text in items:
            name = None if hasattr(f, "cbDefn") else f.fontName
            if groups and (name is None or groups[-1][0] == name):
                groups[-1][1].append((f, text))
            else:
                groups.append([name, [(f, text)]])
        out, width, changed = [], 0.0, False
        for _name, part in groups:
            part_width = sum(stringWidth(t, f.fontName, f.fontSize) for f, t in part if not hasattr(f, "cbDefn"))
            segment = [part_width, *part]
            if any(isinstance(t, ttfonts.ShapedStr) or has_rtl(t) for _f, t in part):
                # shaped already (Arabic letters are joined and ordered before layout)
                shaped = segment
            else:
                shaped = original(segment, *args, **kw)
            changed = changed or shaped is not segment
            width += shaped[0]
            out.extend(shaped[1:])
        if not changed:
            return word
        return ttfonts.makeShapedFragWord(word)([width, *out])

    shape.by_font = True
    paragraph.shapeFragWord = shape


def load_script_support(script: str, lang: str) -> None:
    if script == "cjk":
        setup_cjk()
    elif script == "devanagari":
        require_shaping(lang)
    elif script == "arabic":
        _reshaper()
        check_installed()
