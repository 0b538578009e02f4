"""Styles are data (``templates/styles.toml``); this module reads and checks them."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from handouts.errors import TemplateError
from handouts.resources import templates_dir

_UNITS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(pt|mm|cm|in)\s*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

LENGTH_KEYS = (
    "body", "title", "subtitle", "meta", "section", "subsection", "small", "footer",
    "bullet_indent", "space_before_section", "space_after_section", "space_after_paragraph",
    "icon", "qr", "writein_gap", "box_padding", "box_border", "column_gap", "dose_mark", "calendar_box", "step_picture",
)
NUMBER_KEYS = ("leading", "writein_lines", "question_columns", "columns")
PAGE_KEYS = ("margin_top", "margin_bottom", "margin_left", "margin_right", "footer_gap")
FACES = ("regular", "bold", "italic", "bold_italic")


def parse_length(value: Any, where: str) -> float:
    """``"12pt"``, ``"1.8cm"``, ``"20mm"``, ``"0.5in"`` -> points."""
    if isinstance(value, str):
        m = _LENGTH.match(value)
        if m:
            return float(m.group(1)) * _UNITS[m.group(2)]
    raise TemplateError(f"{where}: expected a length like \"12pt\" or \"1.8cm\", got {value!r}")


@dataclass(frozen=True)
class FontFamily:
    """A font family from a PyPI package: static files per face, or a variable font to instance.

    A family without italics (most non-Latin scripts) uses its regular and bold faces for them.
    """

    name: str
    package: str
    folder: str
    files: dict[str, str]  # face -> file name (static families)
    variable: str | None = None  # variable font file, instanced once (see fontprep)
    axes: dict[str, dict[str, float]] | None = None  # face -> axis values, e.g. {"wght": 700}
    subset: bool = False  # a large variable font: cut to the characters needed before instancing
    script: str = "latin"  # latin, arabic, cjk, hangul, devanagari: how lines are shaped and wrapped


@dataclass(frozen=True)
class Styles:
    page: dict[str, float]
    sizes: dict[str, float]
    colors: dict[str, str]
    families: dict[str, FontFamily]
    language_fonts: dict[str, str]
    large_print: bool
    fit_pages: int = 0  # 0: no tighter layout to fall back on (large print, or none set)
    fitted: bool = False  # this is the tighter layout
    #: families tried, in order, for a name's characters that the handout's own font lacks
    fallback: tuple[str, ...] = ()

    def family_for(self, lang: str) -> FontFamily:
        base = lang.split("-")[0]
        name = self.language_fonts.get(lang) or self.language_fonts.get(base) or self.language_fonts["default"]
        return self.families[name]


SCRIPTS = ("latin", "arabic", "cjk", "hangul", "devanagari")


def _family(name: str, fam: Any, where: str) -> FontFamily:
    if not isinstance(fam, dict):
        raise TemplateError(f"{where}: expected a table")
    if not isinstance(fam.get("package"), str):
        raise TemplateError(f"{where}: missing package (the PyPI package's import name)")
    script = fam.get("script", "latin")
    if script not in SCRIPTS:
        raise TemplateError(f"{where}: script: expected one of {', '.join(SCRIPTS)}, got {script!r}")
    subset = fam.get("subset", False)
    if not isinstance(subset, bool):
        raise TemplateError(f"{where}: subset: expected true or false, got {subset!r}")
    if "variable" in fam:
        if not isinstance(fam["variable"], str):
            raise TemplateError(f"{where}: variable: expected a file name")
        axes = {}
        for face in ("regular", "bold"):
            value = fam.get(face)
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, (int, float)) for k, v in value.items()
            ):
                raise TemplateError(f"{where}: {face}: expected axis values like {{ wght = 400 }}")
            axes[face] = {k: float(v) for k, v in value.items()}
        return FontFamily(name, fam["package"], fam.get("folder", "."), {}, fam["variable"], axes,
                          subset, script)
    missing = [k for k in ("regular", "bold") if not isinstance(fam.get(k), str)]
    if missing:
        raise TemplateError(f"{where}: missing {', '.join(missing)}")
    files = {f: fam[f] for f in ("regular", "bold")}
    files["italic"] = fam.get("italic", files["regular"])
    files["bold_italic"] = fam.get("bold_italic", files["bold"])
    if subset:
        raise TemplateError(f"{where}: subset: only a variable font is subset; remove it")
    return FontFamily(name, fam["package"], fam.get("folder", "."), files, None, None, False, script)


@lru_cache(maxsize=16)
def load_styles(path: Path, large_print: bool = False, fit: bool = False) -> Styles:
    """The styles; ``fit``: with the [fit] table's tighter spacing applied."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise TemplateError(f"{where}: not valid TOML: {err}") from None
    except OSError as err:
        raise TemplateError(f"{where}: cannot read: {err.strerror}") from None

    def table(key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise TemplateError(f"{where}: [{key}]: missing or not a table")
        return value

    page_t = dict(table("page"))
    raw_sizes = dict(table("sizes"))
    if large_print:
        raw_sizes.update(table("large_print"))
    fit_t = data.get("fit", {})
    if not isinstance(fit_t, dict):
        raise TemplateError(f"{where}: [fit]: expected a table")
    fit_pages = fit_t.get("pages", 0)
    if not isinstance(fit_pages, int) or isinstance(fit_pages, bool) or fit_pages < 0:
        raise TemplateError(f"{where}: fit.pages: expected a whole number of pages, got {fit_pages!r}")
    if fit and not large_print:
        for k, v in fit_t.items():
            if k == "pages":
                continue
            if k in PAGE_KEYS:
                page_t[k] = v
            elif k in LENGTH_KEYS or k in NUMBER_KEYS:
                raw_sizes[k] = v
            else:
                raise TemplateError(f"{where}: fit.{k}: unknown key; use page margins or [sizes] keys")
    page = {k: parse_length(page_t.get(k), f"{where}: page.{k}") for k in PAGE_KEYS}
    sizes: dict[str, float] = {}
    for k in LENGTH_KEYS:
        sizes[k] = parse_length(raw_sizes.get(k), f"{where}: sizes.{k}")
    for k in NUMBER_KEYS:
        v = raw_sizes.get(k)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise TemplateError(f"{where}: sizes.{k}: expected a number, got {v!r}")
        sizes[k] = float(v)
    if sizes["body"] < 12:
        raise TemplateError(f"{where}: sizes.body: {sizes['body']:g}pt is too small; body text must be at least 12pt")
    colors = {}
    for k, v in table("colors").items():
        if not isinstance(v, str) or not _COLOR.match(v):
            raise TemplateError(f"{where}: colors.{k}: expected a colour like \"#1a1a1a\", got {v!r}")
        colors[k] = v
    fonts = table("fonts")
    families: dict[str, FontFamily] = {}
    for name, fam in (fonts.get("families") or {}).items():
        families[name] = _family(name, fam, f"{where}: fonts.families.{name}")
    langs = fonts.get("languages")
    if not isinstance(langs, dict) or "default" not in langs:
        raise TemplateError(f"{where}: fonts.languages: expected a table with a \"default\" family")
    for lang, fam in langs.items():
        if fam not in families:
            raise TemplateError(f"{where}: fonts.languages.{lang}: unknown family {fam!r}; known: {', '.join(families)}")
    fallback = fonts.get("fallback", [])
    if not isinstance(fallback, list) or not all(isinstance(f, str) for f in fallback):
        raise TemplateError(f"{where}: fonts.fallback: expected a list of family names")
    for fam in fallback:
        if fam not in families:
            raise TemplateError(f"{where}: fonts.fallback: unknown family {fam!r}; known: {', '.join(families)}")
    return Styles(page, sizes, colors, families, dict(langs), large_print,
                  0 if large_print else fit_pages, fit and not large_print, tuple(fallback))


def template_dirs() -> tuple[Path, ...]:
    return (templates_dir(),)


def styles_path() -> Path:
    return templates_dir() / "styles.toml"
