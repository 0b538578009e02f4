"""Language names: ``Spanish``, ``español``, ``Simplified Chinese`` to a catalog's tag.

Names come from Babel's CLDR data for each available catalog (in English and in the
language itself) and a small table of other names (``Farsi``, ``Kreyòl``, ``Mandarin``).
Names are compared without case, accents, punctuation or word order, so ``Chinese
(Simplified)``, ``simplified chinese`` and ``Chinese, Simplified`` are the same name.
A name of more than one catalog (``Chinese``) is ambiguous: it is never guessed.

Only :func:`handouts.i18n.negotiate_language` uses this, and only when the input is not an
available tag, so a repeated make with a tag never loads CLDR's data.
"""

from __future__ import annotations

import difflib
import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

#: other names for the same catalog (ISO 639 code for Filipino, old codes)
LANGUAGE_ALIASES = {"fil": "tl", "iw": "he", "in": "id", "ji": "yi"}

#: names CLDR does not give for the catalogs' languages (each name -> every catalog it may mean)
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "farsi": ("fa",),
    "pilipino": ("tl",),
    "haitian": ("ht",),
    "kreyol": ("ht",),
    "creole haitien": ("ht",),
    "castellano": ("es",),
    "brazilian portuguese": ("pt",),
    "mandarin": ("zh-Hans", "zh-Hant"),
    "cantonese": ("zh-Hant", "zh-Hans"),
    "简体中文": ("zh-Hans",),
    "繁體中文": ("zh-Hant",),
    "繁体中文": ("zh-Hant",),
    "普通话": ("zh-Hans", "zh-Hant"),
    "國語": ("zh-Hant", "zh-Hans"),
}

#: at most this many tags are suggested
MAX_SUGGESTIONS = 3

#: a territory's language is suggested for its country code if this share speaks it, or it is official
_SPOKEN_PERCENT = 10.0
_OFFICIAL = ("official", "de_facto_official")


def _words(text: str) -> list[str]:
    """Lower case, no accents, punctuation and symbols as spaces (NFKC: full-width forms too)."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in text).split()


#: besides letters and marks, what a language's name may have: spaces, brackets, commas, apostrophes, dashes
_NAME_PUNCTUATION = frozenset(" ()-_,'\u2019\u00a0\u3000\uff08\uff09\uff0c")


def plausible(text: str) -> bool:
    """Could be a language's name (``Chinese (Simplified)``, ``Kreyòl``): no digits, slashes or controls."""
    return all(unicodedata.category(c)[0] in "LM" or c in _NAME_PUNCTUATION for c in text.strip())


def name_key(text: str) -> str:
    """The form names are compared in: words normalized and sorted."""
    return " ".join(sorted(_words(text)))


def _cldr_names(tag: str) -> list[str]:
    """The language's CLDR names: in English and in itself, with and without the script/region."""
    en = Locale("en")
    base = tag.split("-")[0].lower()
    names = [n for n in (en.languages.get(tag.replace("-", "_")), en.languages.get(base)) if n]
    try:
        loc = Locale.parse(tag, sep="-")
    except (ValueError, LookupError, UnknownLocaleError):
        return names
    for in_lang in (en, loc):
        for name in (loc.get_display_name(in_lang), loc.get_language_name(in_lang)):
            if name:
                names.append(name)
    return names


@lru_cache(maxsize=8)
def _index(available: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Name key -> the available tags it names."""
    found: dict[str, set[str]] = {}

    def add(name: str, tags) -> None:
        key = name_key(name)
        if key:
            found.setdefault(key, set()).update(tags)

    for tag in available:
        for name in _cldr_names(tag):
            add(name, [tag])
    for code, target in LANGUAGE_ALIASES.items():  # Filipino (fil) is the tl catalog
        if target in available:
            for name in _cldr_names(code):
                add(name, [target])
    for name, tags in OTHER_NAMES.items():
        present = [t for t in tags if t in available]
        if present:
            add(name, present)
    return {k: frozenset(v) for k, v in found.items()}


def by_name(text: str, available: list[str]) -> list[str]:
    """The available tags this name names: one, several (ambiguous) or none."""
    tags = _index(tuple(available)).get(name_key(text), frozenset())
    return [t for t in available if t in tags]


def english_name(tag: str) -> str:
    """``es`` -> ``Spanish``, ``zh-Hans`` -> ``Chinese, Simplified``, ``tl`` -> ``Tagalog``."""
    en = Locale("en")
    if "-" not in tag and en.languages.get(tag):
        return en.languages[tag]
    try:
        name = Locale.parse(tag, sep="-").get_display_name(en) or tag
    except (ValueError, LookupError, UnknownLocaleError):
        return tag
    return name.replace(" (", ", ").replace(")", "")


def describe(tags: list[str]) -> str:
    """``zh-Hans (Chinese, Simplified) or zh-Hant (Chinese, Traditional)``."""
    parts = [f"{t} ({n})" if (n := english_name(t)) != t else t for t in tags]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def _territory_tags(code: str, available: list[str]) -> list[str]:
    """The available languages of a country (``cn``, ``ua``), most spoken first (CLDR)."""
    spoken = get_global("territory_languages").get(code.upper()) or {}
    ranked = sorted(spoken.items(), key=lambda kv: -float(kv[1].get("population_percent") or 0))
    out = []
    for lang, info in ranked:
        if float(info.get("population_percent") or 0) < _SPOKEN_PERCENT and info.get("official_status") not in _OFFICIAL:
            continue
        base, _, script = lang.partition("_")
        base = LANGUAGE_ALIASES.get(base, base)
        for tag in available:
            parts = tag.lower().split("-")
            if parts[0] == base and (not script or script.lower() in parts[1:]):
                out.append(tag)
    return out


def suggest(text: str, available: list[str]) -> list[str]:
    """Available tags the input may have meant: for a country code (``cn``) its languages;
    else the languages a phrase names (``Mexican Spanish``), the names a word begins
    (``sp``) and names spelt alike (``Spansih``)."""
    index = _index(tuple(available))
    words = _words(text)
    typed = " ".join(words)
    found: list[frozenset[str] | list[str]] = []
    if len(typed) == 2 and typed.isascii() and typed.isalpha():
        found.append(_territory_tags(typed, available))
    if not found or not found[0]:
        found += [tags for key, tags in index.items() if set(key.split()) <= set(words)]  # "Mexican Spanish"
        if 2 <= len(typed) <= 100:
            found += [tags for key, tags in index.items() if any(w.startswith(typed) for w in key.split())]  # "sp"
        if 4 <= len(typed) <= 100:
            found += [index[k] for k in difflib.get_close_matches(name_key(text), list(index), n=3, cutoff=0.75)]
            lowered = {t.lower(): t for t in available}
            tag = text.strip().lower().replace("_", "-")
            found += [[lowered[k]] for k in difflib.get_close_matches(tag, list(lowered), n=1, cutoff=0.75)]
    out: list[str] = []
    for tags in found:  # in the order found; the tags of one name in the catalogs' order
        out += [t for t in (tags if isinstance(tags, list) else available) if t in tags]
    return list(dict.fromkeys(out))[:MAX_SUGGESTIONS]
