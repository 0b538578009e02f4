"""Localize a monograph: every string translated, or a named problem (missing / stale)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from handouts.content import Monograph, Source, context
from handouts.i18n.catalog import Review, Translator


@dataclass(frozen=True)
class Text:
    """A string on the page; ``fallback`` means it is English printed in place of a translation."""

    value: str
    fallback: bool = False

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class LocalizedHandout:
    lang: str
    drug: str
    english_name: str
    name: Text
    brand_names: tuple[str, ...]
    pronunciation: str | None
    review_date: _dt.date
    medlineplus: tuple[str, str] | None  # (language of the page, url)
    fields: dict[str, tuple[Text, ...]]
    sources: tuple[Source, ...]
    review: Review | None

    def items(self, field: str) -> tuple[Text, ...]:
        return self.fields[field]


def localize(mono: Monograph, tr: Translator) -> LocalizedHandout:
    """Translate every content string of ``mono``; problems are recorded on ``tr``."""
    fields: dict[str, list[Text]] = {}
    name = Text(mono.name)
    for field, msgid, _index in mono.strings():
        value, fallback = tr.lookup(msgid, context(mono.drug, field), mono.drug, field)
        text = Text(value, fallback)
        if field == "name":
            name = text
        else:
            fields.setdefault(field, []).append(text)
    return LocalizedHandout(
        lang=tr.lang,
        drug=mono.drug,
        english_name=mono.name,
        name=name,
        brand_names=mono.brand_names,
        # the pronunciation guide is English phonetics: only on English handouts
        pronunciation=mono.pronunciation if tr.is_source else None,
        review_date=mono.review_date,
        medlineplus=mono.medlineplus_url(tr.lang),
        fields={k: tuple(v) for k, v in fields.items()},
        sources=mono.sources,
        review=tr.review,
    )
