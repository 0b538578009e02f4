"""Fonts: registered once per process from PyPI font packages; coverage checked before layout."""

from __future__ import annotations

import hashlib
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


_REGISTERED: dict[tuple[str, ...], RegisteredFamily] = {}


def _package_root(family: FontFamily) -> Path:
    try:
        module = importlib.import_module(family.package)
    except ImportError:
        raise TemplateError(
            f"font package '{family.package}' (family {family.name}) is not installed; "
            f"install it with pip install {family.package.replace('_', '-')}"
        ) from None
    return Path(module.__file__).parent


def font_file(family: FontFamily, face: str) -> Path:
    name = family.variable if family.variable else family.files[face]
    path = _package_root(family) / family.folder / name
    if not path.is_file():
        raise TemplateError(f"font file {name} not found in package {family.package}")
    return path


def _face_files(family: FontFamily, extra: str = "") -> dict[str, Path]:
    """face -> static TrueType file; italics fall back to the upright faces when absent."""
    if family.variable:
        from handouts.render.fontprep import prepared_faces

        made = prepared_faces(family, font_file(family, "regular"), extra)
        return {"regular": made["regular"], "bold": made["bold"],
                "italic": made["regular"], "bold_italic": made["bold"]}
    return {face: font_file(family, face) for face in FACES}


def register(family: FontFamily, extra: str = "") -> RegisteredFamily:
    """Register the family's faces with ReportLab (once per process) under names of our own.

    A file used for two faces (a script without italics) is registered once: ReportLab would
    otherwise treat the two names as one font and could drop one of them silently.
    """
    files = _face_files(family, extra)
    key = (family.name, *(str(files[f]) for f in FACES))
    if key in _REGISTERED:
        return _REGISTERED[key]
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    tag = hashlib.sha1("|".join(key).encode()).hexdigest()[:6]
    by_file: dict[Path, str] = {}
    names: dict[str, str] = {}
    coverage: frozenset[int] | None = None
    for face in FACES:
        path = files[face]
        if path not in by_file:
            name = f"handouts-{family.name}-{face}-{tag}"
            font = TTFont(name, str(path))
            pdfmetrics.registerFont(font)
            by_file[path] = name
            cmap = frozenset(font.face.charToGlyph)
            coverage = cmap if coverage is None else coverage & cmap
        names[face] = by_file[path]
    pdfmetrics.registerFontFamily(
        names["regular"], normal=names["regular"], bold=names["bold"],
        italic=names["italic"], boldItalic=names["bold_italic"],
    )
    result = RegisteredFamily(family, names, coverage or frozenset())
    _REGISTERED[key] = result
    return result


def fonts_for(family: FontFamily, texts: Iterable[str], lang: str) -> RegisteredFamily:
    """The registered family, able to draw every character of ``texts`` (or a GlyphError).

    A prepared (subset) font that lacks a character its source font has is prepared again
    with that character kept; a character the source font lacks is an error.
    """
    texts = list(texts)
    fonts = register(family)
    missing = _missing(texts, fonts.coverage)
    if missing and family.variable:
        from fontTools.ttLib import TTFont as FTFont

        source = FTFont(str(font_file(family, "regular")), lazy=True).getBestCmap()
        addable = "".join(sorted(ch for ch in missing if ord(ch) in source))
        if addable:
            fonts = register(family, addable)
    check_coverage(texts, fonts, lang)
    return fonts


def _missing(texts: Iterable[str], coverage: frozenset[int]) -> set[str]:
    return {ch for text in texts for ch in text if ord(ch) not in coverage and not _drawable(ch)}


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


def prepare_families(langs: list[str] | None = None, locales: tuple[Path, ...] = ()) -> list[tuple[str, list[Path]]]:
    """Prepare the variable families of these languages (default: every language with a
    catalog), keeping every character their catalogs use. Returns (family, files) pairs."""
    from handouts import i18n
    from handouts.i18n.catalog import catalog_characters
    from handouts.render import styles_path
    from handouts.render.styles import load_styles

    styles = load_styles(styles_path())
    dirs = i18n.locales_dirs(locales)
    if langs:
        langs = [i18n.negotiate_language(lang, dirs) for lang in langs]
    else:
        langs = i18n.available_languages(dirs)
    chars: dict[str, set[str]] = {}
    for lang in langs:
        family = styles.family_for(lang)
        if family.variable:
            chars.setdefault(family.name, set()).update(catalog_characters(lang, dirs))
    done = []
    for name, extra in sorted(chars.items()):
        family = styles.families[name]
        files = _face_files(family, "".join(sorted(extra)))
        register(family, "".join(sorted(extra)))
        done.append((name, sorted({files["regular"], files["bold"]})))
    return done


def coverage_for(family: FontFamily):
    """A test ``ch -> bool``: can the family draw this character (preparing it if need be)?"""
    fonts = register(family)
    source: set[int] | frozenset[int] = frozenset()
    if family.variable:
        from fontTools.ttLib import TTFont as FTFont

        source = set(FTFont(str(font_file(family, "regular")), lazy=True).getBestCmap())
    cover = fonts.coverage

    def ok(ch: str) -> bool:
        return ord(ch) in cover or ord(ch) in source or _drawable(ch)

    return ok
