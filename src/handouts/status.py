"""Translation status of every drug x language: complete, incomplete (how many), reviewed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts import content as _content
from handouts import i18n
from handouts.config import Config
from handouts.errors import HandoutsError


@dataclass(frozen=True)
class Status:
    drug: str
    lang: str
    missing: int
    stale: int
    reviewed: bool
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return f"error: {self.error}"
        if self.lang == i18n.SOURCE_LANGUAGE:
            return "source (English)"
        if self.missing or self.stale:
            bits = [f"{n} {k}" for k, n in (("missing", self.missing), ("stale", self.stale)) if n]
            state = f"incomplete ({', '.join(bits)})"
        else:
            state = "complete"
        return f"{state}, {'reviewed' if self.reviewed else 'not reviewed'}"


def drug_language_status(drug: str, lang: str, content_dirs: list[Path], locales_dirs: list[Path]) -> Status:
    from handouts.i18n.catalog import translator_for
    from handouts.i18n.localize import localize
    from handouts.render import template_dirs
    from handouts.render.markup import render_markup

    try:
        mono = _content.load_monograph(_content.find_monograph(drug, content_dirs), drug)
        tr = translator_for(lang, locales_dirs, allow_fallback=True)
        handout = localize(mono, tr)
        render_markup(handout, tr, template_dirs())
    except HandoutsError as err:
        return Status(drug, lang, 0, 0, False, err.message)
    missing = sum(p.kind == "missing" for p in tr.problems)
    stale = sum(p.kind == "stale" for p in tr.problems)
    reviewed = bool(tr.review and tr.review.reviewed)
    return Status(drug, lang, missing, stale, reviewed)


def translation_status(config: Config, content: tuple[Path, ...], locales: tuple[Path, ...]) -> str:
    from handouts.handout import Request, resolve_dirs

    content_dirs, locales_dirs = resolve_dirs(
        Request(drug="", lang="", config=config, content_dirs=content, locales_dirs=locales)
    )
    drugs = _content.available_drugs(content_dirs)
    langs = i18n.available_languages(locales_dirs)
    rows = [["language", *drugs]]
    for lang in langs:
        name = i18n.language_name(lang, "en")
        cells = [drug_language_status(d, lang, content_dirs, locales_dirs).describe() for d in drugs]
        rows.append([f"{lang} ({name})", *cells])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"drugs: {', '.join(drugs)}", ""]
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)
