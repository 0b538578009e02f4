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

from handouts.errors import TemplateError

_TAG = re.compile(r"<(?!br\s*/?>)[^>]*>")
#: full-width punctuation that must not start a line (ReportLab's list lacks these)
KINSOKU_CANNOT_START = "！？：；，、。〉》」』】〕）｝〗〙〛ー・…‥゛゜ヽヾゝゞ々"


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


@lru_cache(maxsize=1)
def _reshaper():
    try:
        import arabic_reshaper
    except ImportError:  # a dependency: only a broken install lacks it
        raise TemplateError(
            "Arabic script needs the arabic-reshaper package; reinstall handouts "
            "(pip install --force-reinstall handouts)"
        ) from None
    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def prepare_rtl(markup: str) -> str:
    """Paragraph markup of an Arabic-script paragraph, ready for ``wordWrap='RTL'``."""
    text = _TAG.sub("", markup)
    return _reshaper().reshape(text)


_KINSOKU_DONE = False


def setup_cjk() -> None:
    """Add full-width closing punctuation to ReportLab's cannot-start-a-line characters."""
    global _KINSOKU_DONE
    if _KINSOKU_DONE:
        return
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    extra = "".join(c for c in KINSOKU_CANNOT_START if c not in textsplit.ALL_CANNOT_START)
    textsplit.ALL_CANNOT_START += extra
    if hasattr(paragraph, "ALL_CANNOT_START"):
        paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START
    _KINSOKU_DONE = True


def require_shaping(lang: str) -> None:
    """HarfBuzz must be importable for scripts that need shaping (Devanagari)."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        raise TemplateError(
            f"the '{lang}' handout needs text shaping (uharfbuzz), which cannot be loaded here; "
            "without it the letters would print broken. Install it with pip install uharfbuzz"
        ) from None


def prepare_script(script: str, lang: str) -> None:
    if script == "cjk":
        setup_cjk()
    elif script == "devanagari":
        require_shaping(lang)
    elif script == "arabic":
        _reshaper()
        from handouts.render.bidi import check_installed

        check_installed()
