"""Translation status of every drug x language: complete, incomplete (how many), reviewed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts import content as _content
from handouts import i18n
from handouts.config import Config
from handouts.errors import HandoutsError
from handouts.handout import resolve_dirs
from handouts.i18n.catalog import translator_for
from handouts.i18n.localize import localize
from handouts.render import template_dirs
from handouts.render.markup import render_markup


@dataclass(frozen=True)
class Status:
    drug: str
    lang: str
    missing: int
    stale: int
    reviewed: bool
    error: str | None = None

    def counts(self) -> str:
        """"3 missing, 1 stale" (the kinds there are)."""
        return ", ".join(f"{n} {k}" for k, n in (("missing", self.missing), ("stale", self.stale)) if n)

    def describe(self) -> str:
        if self.error:
            return f"error: {self.error}"
        if self.lang == i18n.SOURCE_LANGUAGE:
            return "source (English)"
        if self.missing or self.stale:
            state = f"incomplete ({self.counts()})"
        else:
            state = "complete"
        return f"{state}, {'reviewed' if self.reviewed else 'not reviewed'}"


def drug_language_status(drug: str, lang: str, content_dirs: list[Path], locales_dirs: list[Path]) -> Status:
    try:
        mono = _content.load_monograph(_content.find_monograph(drug, content_dirs), drug)
        tr = translator_for(lang, locales_dirs, allow_fallback=True)
        handout = localize(mono, tr)
        problems = render_markup(handout, tr, template_dirs()).problems
    except HandoutsError as err:
        return Status(drug, lang, 0, 0, False, err.message)
    missing = sum(p.kind == "missing" for p in problems)
    stale = sum(p.kind == "stale" for p in problems)
    reviewed = bool(tr.review and tr.review.reviewed)
    return Status(drug, lang, missing, stale, reviewed)


def translation_status(config: Config, content: tuple[Path, ...], locales: tuple[Path, ...]) -> str:
    """The drugs with their brand names, then one line per language: complete for every drug
    (reviewed or not), or which drugs are incomplete and how (a table of every drug would be
    too wide to read with the whole formulary)."""
    content_dirs, locales_dirs = resolve_dirs(config, content, locales)
    drugs = _content.available_drugs(content_dirs)
    langs = i18n.available_languages(locales_dirs)
    lines = ["drugs (brand names):"]
    width = max((len(d) for d in drugs), default=0)
    for drug in drugs:
        try:
            brands = ", ".join(_content.load_monograph(_content.find_monograph(drug, content_dirs), drug).brand_names)
        except HandoutsError as err:
            brands = f"error: {err.message}"
        lines.append(f"  {drug.ljust(width)}  {brands}".rstrip())
    rows = [["language", "translation"]]
    for lang in langs:
        name = i18n.language_name(lang, "en")
        rows.append([f"{lang} ({name})", _summary([drug_language_status(d, lang, content_dirs, locales_dirs)
                                                    for d in drugs])])
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines.append("")
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def _summary(statuses: list[Status]) -> str:
    """One language over every drug: "complete, not reviewed" or what is missing where."""
    if not statuses:
        return ""
    if statuses[0].lang == i18n.SOURCE_LANGUAGE:
        return "source (English)"
    errors = [f"{s.drug}: {s.describe()}" for s in statuses if s.error]
    incomplete = [f"{s.drug} ({s.counts()})" for s in statuses if not s.error and (s.missing or s.stale)]
    reviewed = all(s.reviewed for s in statuses if not s.error)
    review = "reviewed" if reviewed else "not reviewed"
    if errors:
        return "; ".join(errors)
    if incomplete:
        return f"incomplete: {', '.join(incomplete)}; {review}"
    return f"complete ({len(statuses)} drugs), {review}"
