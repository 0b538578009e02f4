"""Fonts: registered once per process from PyPI font packages; coverage checked before layout.

A handout's own text (content, catalogs, template) must be drawable by its language's
family: a character it lacks is an error. Names (a patient's, a prescriber's, the clinic's)
may be in any script and fall back to other shipped families (see :mod:`handouts.render.names`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from handouts import i18n
from handouts.errors import GlyphError, TemplateError, shown
from handouts.i18n import language_name
from handouts.render.fontprep import instance, key_for, prepared_faces, subset_font
from handouts.render.styles import FACES, FontFamily, load_styles, styles_path
from handouts.resources import locales_dir

#: always in a prepared font: ASCII, Latin-1, general punctuation, arrows, CJK punctuation
#: and kana, full-width forms
BASE_RANGES = ((0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x2070), (0x2190, 0x2200), (0x3000, 0x3100),
               (0xFF00, 0xFFF0))
#: what goes into a base font (bump it when that changes: the key changes with it)
BASE_RECIPE = 2


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


# ------------------------------------------------------------------------------ what a base font holds

def family_languages(family: FontFamily) -> list[str]:
    """The languages whose handouts use this family (styles.toml, [fonts] languages)."""
    return sorted(lang for lang, name in load_styles(styles_path()).language_fonts.items()
                  if name == family.name and lang != "default")


def generated_characters(lang: str) -> set[str]:
    """What a handout prints besides its catalogs: dates, numbers and lists as CLDR writes
    them in ``lang``, and the language's own name."""
    from babel.dates import format_date  # (Babel: only when a font is made)
    from babel.lists import format_list
    from babel.numbers import format_decimal

    loc = lang.replace("-", "_")
    chars: set[str] = set()
    try:
        for month in range(1, 13):
            chars.update(format_date(_dt.date(2026, month, 28), format="long", locale=loc))
        chars.update(format_decimal(1234.5, locale=loc))
        chars.update(format_list(["a", "b", "c"], locale=loc))
    except (ValueError, LookupError):
        pass
    name = language_name(lang)
    chars.update(name + name[:1].upper())
    return chars


def _shipped_catalogs(langs: list[str]) -> list[Path]:
    return [p for lang in langs for p in i18n.catalog_paths(lang, [locales_dir()])]


def base_characters(langs: list[str]) -> set[int]:
    """Code points of a base font: the base ranges, and what the shipped handouts in these
    languages print (their catalogs and CLDR's dates, numbers and names)."""
    from handouts.i18n.catalog import catalog_characters  # (the catalogs, with Babel: only when a font is made)

    points: set[int] = set()
    for lo, hi in BASE_RANGES:
        points.update(range(lo, hi))
    for lang in langs:
        points.update(map(ord, catalog_characters(lang, [locales_dir()])))
        points.update(map(ord, generated_characters(lang)))
    return points


# ------------------------------------------------------------------------------ files and registration

#: (family, extra characters) -> its files, found (or made) once per process
_FILES: dict[tuple[str, frozenset[int]], dict[str, Path]] = {}


def _face_files(family: FontFamily, extra: frozenset[int] = frozenset()) -> dict[str, Path]:
    """face -> static TrueType file; italics fall back to the upright faces when absent.

    A variable family's files are looked up (manifest, SHA-256) or made once per process,
    not once per handout."""
    if not family.variable:
        return {face: font_file(family, face) for face in FACES}
    if (family.name, extra) in _FILES:
        return _FILES[(family.name, extra)]
    source = font_file(family, "regular")
    langs = family_languages(family)
    what = f"{', '.join(langs) or family.name} handouts"
    if not family.subset:
        made = prepared_faces(family, source, key_for(family, source, "whole"), None, what=what)
    else:
        import babel  # (Babel's version is part of the key: only for a variable family)

        digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in _shipped_catalogs(langs)]
        extra_text = "".join(chr(c) for c in sorted(extra))
        key = key_for(family, source, "base", BASE_RECIPE, babel.__version__, *digests, extra_text)
        made = prepared_faces(family, source, key, lambda: base_characters(langs) | set(extra),
                              what=what + (" with a clinic's own text" if extra else ""))
    files = {"regular": made["regular"], "bold": made["bold"], "italic": made["regular"], "bold_italic": made["bold"]}
    _FILES[(family.name, extra)] = files
    return files


def register(family: FontFamily, extra: frozenset[int] = frozenset()) -> RegisteredFamily:
    """Register the family's faces with ReportLab (once per process) under names of our own.

    ``extra``: characters a variable family must have beyond its base (a clinic's own text).
    A file used for two faces (a script without italics) is registered once: ReportLab would
    otherwise treat the two names as one font and could drop one of them silently.
    """
    files = _face_files(family, extra)
    key = (family.name, *(str(files[f]) for f in FACES))
    if key in _REGISTERED:
        return _REGISTERED[key]
    tag = hashlib.sha1("|".join(key).encode()).hexdigest()[:6]
    result = _register_files(family, {face: files[face] for face in FACES}, f"handouts-{family.name}", tag)
    _REGISTERED[key] = result
    return result


def _register_files(family: FontFamily, files: dict[str, Path | bytes], prefix: str, tag: str) -> RegisteredFamily:
    by_file: dict[int | Path, str] = {}
    names: dict[str, str] = {}
    coverage: frozenset[int] | None = None
    for face in FACES:
        data = files[face]
        ident = id(data) if isinstance(data, bytes) else data
        if ident not in by_file:
            name = f"{prefix}-{face}-{tag}"
            if isinstance(data, bytes):
                source = io.BytesIO(data)
                source.name = f"{name}.ttf"  # ReportLab names the embedded font program after it
            else:
                source = str(data)
            font = TTFont(name, source)
            pdfmetrics.registerFont(font)
            by_file[ident] = name
            cmap = frozenset(font.face.charToGlyph)
            coverage = cmap if coverage is None else coverage & cmap
        names[face] = by_file[ident]
    pdfmetrics.registerFontFamily(
        names["regular"], normal=names["regular"], bold=names["bold"],
        italic=names["italic"], boldItalic=names["bold_italic"],
    )
    return RegisteredFamily(family, names, coverage or frozenset())


_NAME_FONTS: dict[tuple[str, str], RegisteredFamily] = {}


def name_font(family: FontFamily, chars: Iterable[str]) -> RegisteredFamily:
    """A family able to draw ``chars`` (characters of a name), for a name's own run.

    Static families and whole variable ones are the registered family itself. A large
    (subset) family gets a font of exactly these characters, made in memory in a fraction
    of a second and kept for this process only: no file holds what a patient's name is made of.
    """
    if not family.variable or not family.subset:
        return register(family)
    text = "".join(sorted(set(chars) | {" ", "\u00a0"}))
    digest = hashlib.sha256(f"{family.name}|{text}".encode()).hexdigest()[:10]
    hit = _NAME_FONTS.get((family.name, digest))
    if hit is not None:
        return hit
    try:
        font = subset_font(font_file(family, "regular"), [ord(c) for c in text])
        faces: dict[str, bytes] = {}
        for face, axes in (family.axes or {}).items():
            buf = io.BytesIO()
            instance(font, family, face, axes, f"n{digest}").save(buf)
            faces[face] = buf.getvalue()
    except Exception as err:  # fontTools raises many kinds; any of them means no usable font
        raise TemplateError(f"could not prepare the {family.name} font for a name: {err.__class__.__name__}; "
                            f"reinstall the package {family.package.replace('_', '-')}") from None
    files = {"regular": faces["regular"], "bold": faces["bold"], "italic": faces["regular"],
             "bold_italic": faces["bold"]}
    result = _register_files(family, files, f"handouts-name-{family.name}", digest)
    if len(_NAME_FONTS) > 2000:
        _NAME_FONTS.clear()
    _NAME_FONTS[(family.name, digest)] = result
    return result


_SOURCE_COVERAGE: dict[tuple, frozenset[int]] = {}


def source_coverage(family: FontFamily) -> frozenset[int]:
    """Every code point the family's source font has (for a variable family, more than a
    prepared base holds)."""
    key = (family.name, family.package, family.folder, family.variable, tuple(sorted(family.files.items())))
    if key not in _SOURCE_COVERAGE:
        _SOURCE_COVERAGE[key] = _source_coverage(family)
    return _SOURCE_COVERAGE[key]


def _source_coverage(family: FontFamily) -> frozenset[int]:
    # (fontTools, 116 ms: only for a name in another script)
    from fontTools.ttLib import TTFont as FTFont

    try:
        cmap = FTFont(str(font_file(family, "regular")), lazy=True).getBestCmap() or {}
    except TemplateError:
        raise
    except Exception:  # a damaged font package
        raise TemplateError(f"cannot read the font of family {family.name}; reinstall the package "
                            f"{family.package.replace('_', '-')}") from None
    points = frozenset(cmap)
    if not family.variable:
        for face in ("bold",):
            other = FTFont(str(font_file(family, face)), lazy=True).getBestCmap() or {}
            points &= frozenset(other)
    return points


# ------------------------------------------------------------------------------ coverage

def fonts_for(family: FontFamily, texts: Iterable[str], lang: str) -> RegisteredFamily:
    """The registered family, able to draw every character of ``texts`` (or a GlyphError).

    A variable family's base font that lacks a character its source font has (a clinic's own
    catalog may add some) is prepared again with those characters kept; a character the
    source lacks is an error.
    """
    texts = list(texts)
    fonts = register(family)
    missing = _missing(texts, fonts.coverage)
    if missing and family.variable and family.subset:
        source = source_coverage(family)
        addable = frozenset(ord(ch) for ch in missing if ord(ch) in source)
        if addable:
            fonts = register(family, addable)
    check_coverage(texts, fonts, lang)
    return fonts


def _missing(texts: Iterable[str], coverage: frozenset[int]) -> set[str]:
    return {ch for text in texts for ch in text if ord(ch) not in coverage and not drawable(ch)}


def drawable(ch: str) -> bool:
    """Characters that need no glyph: spaces and invisible format characters (ZWJ, bidi marks)."""
    return ch in " \t\n\r" or unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")


def check_coverage(texts: Iterable[str], fonts: RegisteredFamily, lang: str) -> None:
    """Every character of every string must be drawable: a missing glyph is an error, not a box."""
    for text in texts:
        for ch in text:
            if ord(ch) not in fonts.coverage and not drawable(ch):
                raise GlyphError(
                    f"the '{lang}' handout needs U+{ord(ch):04X} {unicodedata.name(ch, '?')} "
                    f"({ch!r}) in \"{shown(text, 70)}\", which the font {fonts.family.name} cannot draw; "
                    "change the text or set a font that has it in templates/styles.toml"
                )


def prepare_language(lang: str) -> None:
    """Make the static fonts of the language's family, if it is a variable one and they are not
    made yet (once; up to a minute for Chinese, Japanese or Korean): a step of its own before
    the layout, which then only finds them."""
    family = load_styles(styles_path()).family_for(lang)
    if family.variable:
        _face_files(family)


def prepare_families(langs: list[str] | None = None, locales: tuple[Path, ...] = ()) -> list[tuple[str, list[Path]]]:
    """Prepare the variable families of these languages (default: every language with a
    catalog), with every character their catalogs use. Returns (family, files) pairs."""
    from handouts.i18n.catalog import catalog_characters  # (the catalogs, with Babel: only when a font is made)

    styles = load_styles(styles_path())
    dirs = i18n.locales_dirs(locales)
    if langs:
        langs = [i18n.negotiate_language(lang, dirs) for lang in langs]
    else:
        langs = i18n.available_languages(dirs)
    wanted: dict[str, set[int]] = {}
    for lang in langs:
        family = styles.family_for(lang)
        if family.variable:
            chars = wanted.setdefault(family.name, set())
            if locales:  # a clinic's own catalogs: the characters they add
                chars.update(map(ord, catalog_characters(lang, dirs)))
    done = []
    for name, chars in sorted(wanted.items()):
        family = styles.families[name]
        extra: frozenset[int] = frozenset()
        if family.subset and chars:  # what the base lacks and the source has
            base = register(family).coverage
            extra = frozenset(c for c in chars if c not in base and not drawable(chr(c))) & source_coverage(family)
        files = _face_files(family, extra)
        done.append((name, sorted({files["regular"], files["bold"]})))
    return done


def coverage_for(family: FontFamily):
    """A test ``ch -> bool``: can the family draw this character (preparing it if need be)?"""
    cover = register(family).coverage
    source = source_coverage(family) if family.variable else frozenset()

    def ok(ch: str) -> bool:
        return ord(ch) in cover or ord(ch) in source or drawable(ch)

    return ok
