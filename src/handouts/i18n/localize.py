"""Localize a monograph: every string translated, or a named problem (missing / stale)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass

from handouts.content import Monograph, Source, context
from handouts.i18n.catalog import Review, Translator, Untranslated, format_message


@dataclass(frozen=True)
class Text:
    """A string on the page; ``fallback`` means it is English printed in place of a translation."""

    value: str
    fallback: bool = False
    icon: str = ""  # a drawing printed beside the item (see content.ITEM_ICONS)

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
    audience: str = "patient"
    problems: tuple[Untranslated, ...] = ()  # content strings printed in English (missing or stale)

    def items(self, field: str) -> tuple[Text, ...]:
        return self.fields.get(field, ())


def localize(mono: Monograph, tr: Translator) -> LocalizedHandout:
    """Translate every content string of ``mono``; the strings without a current translation
    are in the result's ``problems``."""
    fields: dict[str, list[Text]] = {}
    problems: list[Untranslated] = []
    name = Text(mono.name)
    icons = {(field, index): icon for field, index, icon in mono.icons}
    for field, msgid, index in mono.strings():
        found = tr.find(msgid, context(mono.drug, field), mono.drug, field)
        if found.problem is not None:
            problems.append(found.problem)
        text = Text(found.text, found.fallback, icons.get((field, index), ""))
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
        audience=mono.audience,
        problems=tuple(problems),
    )


#: around a phone number put into a text (see :func:`with_numbers`; the template turns them
#: into ``<name>`` elements, which the layout orders as a unit)
NUMBER_START, NUMBER_END = "\ue010", "\ue011"


def with_numbers(handout: LocalizedHandout, numbers: dict[str, str]) -> LocalizedHandout:
    """The clinic's phone numbers put into the texts that name them (``%(emergency_number)s``).

    A text that names a number the clinic left empty (no poison line abroad) is left out.
    """
    def fill(text: Text) -> Text | None:
        if "%(" not in text.value:
            return text
        missing: list[str] = []

        def unknown(name: str) -> str:
            missing.append(name)
            return ""

        # each number marked (NUMBER_START ... NUMBER_END) so that the layout keeps it one unit:
        # in Arabic text "1-800-222-1222" would otherwise be reordered to "1222-222-800-1"
        value = format_message(text.value, {k: v for k, v in numbers.items() if v},
                               lambda v: f"{NUMBER_START}{v}{NUMBER_END}", unknown)
        return None if missing else dataclasses.replace(text, value=value)

    fields = {k: tuple(t for t in map(fill, v) if t is not None) for k, v in handout.fields.items()}
    return dataclasses.replace(handout, fields=fields)
