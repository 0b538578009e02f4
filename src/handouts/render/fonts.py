"""Fonts: registered once per process from PyPI font packages; coverage checked before layout."""

from __future__ import annotations

import importlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from handouts.errors import GlyphError, TemplateError
from handouts.render.styles import FACES, FontFamily


@dataclass(frozen=True)
class RegisteredFamily:
    family: FontFamily
    names: dict[str, str]  # face -> ReportLab font name
    coverage: frozenset[int]  # code points every face can draw

    @property
    def regular(self) -> str:
        return self.names["regular"]

    @property
    def bold(self) -> str:
        return self.names["bold"]


_REGISTERED: dict[str, RegisteredFamily] = {}


def font_file(family: FontFamily, face: str) -> Path:
    try:
        module = importlib.import_module(family.package)
    except ImportError:
        raise TemplateError(
            f"font package '{family.package}' (family {family.name}) is not installed; "
            f"install it with pip install {family.package.replace('_', '-')}"
        ) from None
    root = Path(module.__file__).parent
    path = root / family.folder / family.files[face]
    if not path.is_file():
        raise TemplateError(f"font file {family.files[face]} not found in package {family.package}")
    return path


def register(family: FontFamily) -> RegisteredFamily:
    """Register the four faces with ReportLab (once per process) under names of our own."""
    if family.name in _REGISTERED:
        return _REGISTERED[family.name]
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names: dict[str, str] = {}
    coverage: frozenset[int] | None = None
    for face in FACES:
        name = f"handouts-{family.name}-{face}"
        font = TTFont(name, str(font_file(family, face)))
        pdfmetrics.registerFont(font)
        names[face] = name
        cmap = frozenset(font.face.charToGlyph)
        coverage = cmap if coverage is None else coverage & cmap
    pdfmetrics.registerFontFamily(
        names["regular"], normal=names["regular"], bold=names["bold"],
        italic=names["italic"], boldItalic=names["bold_italic"],
    )
    result = RegisteredFamily(family, names, coverage or frozenset())
    _REGISTERED[family.name] = result
    return result


def _drawable(ch: str) -> bool:
    """Characters that need no glyph: spaces and invisible format characters (ZWJ, bidi marks)."""
    return ch in " \t\n\r" or unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")


def check_coverage(texts: Iterable[str], fonts: RegisteredFamily, lang: str) -> None:
    """Every character of every string must be drawable: a missing glyph is an error, not a box."""
    for text in texts:
        for ch in text:
            if ord(ch) not in fonts.coverage and not _drawable(ch):
                snippet = text if len(text) <= 70 else text[:67] + "..."
                raise GlyphError(
                    f"the '{lang}' handout needs U+{ord(ch):04X} {unicodedata.name(ch, '?')} "
                    f"({ch!r}) in \"{snippet}\", which the font {fonts.family.name} cannot draw; "
                    "change the text or set a font that has it in templates/styles.toml"
                )
