"""Does each translation keep what must not change? Numbers, units, drug names, URLs, placeholders.

A translation that drops "2 to 8 weeks", turns 911 into 112, or loses the drug's name is
wrong in a way a reader cannot see. Each check compares an entry's msgstr with its msgid:

- numbers: the same numbers (Arabic-Indic and other digits read as their values);
- placeholders (``%(name)s``) and URLs: the same set;
- kept words: abbreviations (FDA, PCP, XR...), brand names and units appear unchanged;
- drug names: where the English names the drug, the translation names it too, as the
  catalog's own ``<drug>:name`` entry spells it (a grammatical ending is allowed) or in English;
- markup: the same tags.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from handouts.i18n.catalog import read_catalog
from handouts.locate import display_path

_PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)s")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_TAG = re.compile(r"</?[a-z]+[^>]*>")
#: words kept as they are in every language: abbreviations and units
_KEEP = re.compile(r"\b(?:[A-Z]{2,}[a-z]?|mg|mL|mcg|kg)\b")
#: capitalised words the English uses that are ordinary words, not names to keep
_NOT_KEPT = frozenset({"I"})


@dataclass(frozen=True)
class Mismatch:
    path: Path
    line: int
    context: str | None
    msgid: str
    message: str

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}"
        ctx = f" [{self.context}]" if self.context else ""
        return f"{where}:{ctx} {self.message}: keep it as in the English \"{_short(self.msgid)}\""


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _digits(text: str) -> str:
    """Any decimal digit (Arabic-Indic, Devanagari...) as its ASCII digit."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)


def _numbers(text: str) -> list[str]:
    text = _URL.sub(" ", _PLACEHOLDER.sub(" ", _digits(text)))
    return sorted(n.replace(",", ".") for n in _NUMBER.findall(text))


def _stem_in(name: str, text: str) -> bool:
    """``name`` in ``text``, allowing a grammatical ending (Russian баклофена, Polish baklofenu)."""
    name, text = name.casefold(), text.casefold()
    if name in text:
        return True
    stem = name[: max(4, len(name) - 2)] if len(name) > 5 else name
    return stem in text


def check_catalog(path: Path, brand_names: dict[str, list[str]] | None = None) -> list[Mismatch]:
    """Every entry of one ``.po`` file whose msgstr drops or changes what must be kept.

    ``brand_names``: drug -> its brand names (from the content files), kept in every language.
    A broken file is a :class:`handouts.i18n.catalog.CatalogError` naming the file and line.
    """
    catalog = read_catalog(path)
    brand_names = brand_names or {}
    names: dict[str, str] = {}  # drug -> localized generic name
    english: dict[str, str] = {}
    for msg in catalog:
        if msg.context and msg.context.endswith(":name") and isinstance(msg.id, str):
            drug = msg.context.split(":")[0]
            english[drug] = msg.id
            if msg.string:
                names[drug] = msg.string
    out: list[Mismatch] = []
    for msg in catalog:
        if not msg.id or not msg.string or msg.fuzzy:
            continue  # missing and stale entries are reported by the catalog check
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strs = msg.string if isinstance(msg.string, (tuple, list)) else (msg.string,)
        msgid = ids[0]
        line = msg.lineno or 0

        def bad(message: str, msgid=msgid, line=line, context=msg.context) -> None:
            out.append(Mismatch(path, line, context, msgid, message))

        for text in strs:
            if _numbers(msgid) != _numbers(text) and len(ids) == 1:
                bad(f"numbers {_numbers(msgid)} became {_numbers(text)}")
            if sorted(_PLACEHOLDER.findall(msgid)) != sorted(_PLACEHOLDER.findall(text)):
                bad(f"placeholders {sorted(set(_PLACEHOLDER.findall(msgid)))} changed")
            if sorted(_URL.findall(msgid)) != sorted(_URL.findall(text)):
                bad("a web address changed or is missing")
            if sorted(_TAG.findall(msgid)) != sorted(_TAG.findall(text)):
                bad("the markup tags differ")
            for word in set(_KEEP.findall(msgid)) - _NOT_KEPT:
                if word not in text:
                    bad(f"'{word}' is missing")
            drug = (msg.context or "").split(":")[0]
            for brand in brand_names.get(drug, []):
                if brand in msgid and brand not in text:
                    bad(f"the brand name '{brand}' is missing")
            if drug in english and not msg.context.endswith(":name"):
                if english[drug].casefold() in msgid.casefold():
                    local = names.get(drug, english[drug])
                    if not (_stem_in(local, text) or _stem_in(english[drug], text)):
                        bad(f"the drug's name ('{local}') is missing")
    return out


def check_catalogs(locales_dirs, brand_names: dict[str, list[str]] | None = None) -> list[Mismatch]:
    out: list[Mismatch] = []
    for folder in locales_dirs:
        for path in sorted(Path(folder).glob("*/LC_MESSAGES/messages.po")):
            out.extend(check_catalog(path, brand_names))
    return out
