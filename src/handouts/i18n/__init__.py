"""Languages and gettext catalogs: everything about translation lives in this package.

Catalogs are the ``.po`` files under ``locales/<ll>/LC_MESSAGES/messages.po``, read at run
time (no compile step for a user), so a fuzzy (stale) entry is known and never printed as
current. A catalog's review status is kept in its header comment::

    # Review-Status: draft
    # Reviewed-By: Name of the qualified translator
    # Reviewed-On: 2026-12-01

Anything but ``Review-Status: reviewed`` (with a reviewer and a date) is a draft.

This module is the light part (languages, where catalogs are); reading catalogs and looking
strings up is in :mod:`handouts.i18n.catalog`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from handouts.errors import UsageError, shown
from handouts.resources import locales_dir

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def tag_of(dirname: str) -> str:
    """Catalog folder name (``zh_Hans``) to BCP 47 tag (``zh-Hans``)."""
    return dirname.replace("_", "-")


def locales_dirs(extra: Iterable[Path] = ()) -> list[Path]:
    """Clinic catalog folders first (they take precedence), then the shipped ones."""
    return [*extra, locales_dir()]


def catalog_paths(lang: str, dirs: Iterable[Path]) -> list[Path]:
    name = lang.replace("-", "_")
    return [p for d in dirs if (p := d / name / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()]


def available_languages(dirs: Iterable[Path]) -> list[str]:
    langs = {SOURCE_LANGUAGE}
    for d in dirs:
        if d.is_dir():
            for sub in d.iterdir():
                # only a folder named as a language is one (not "notes" or a name with a line break)
                if _TAG.match(tag_of(sub.name)) and (sub / "LC_MESSAGES" / f"{DOMAIN}.po").is_file():
                    langs.add(tag_of(sub.name))
    return sorted(langs)


#: the shape of a BCP 47 tag (or one written with underscores)
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def negotiate_language(requested: str, dirs: Iterable[Path], *, echo: bool = True) -> str:
    """The available language for a tag or a name, or a one-line UsageError.

    Tags: ``es``, ``es-MX``, ``es_MX``, ``zh-TW``, ``fil`` (CLDR's likely subtags pick the
    catalog). Names, in English or in the language itself, without regard to case or
    accents: ``Spanish``, ``Español``, ``Farsi``, ``Simplified Chinese`` (see
    :mod:`handouts.i18n.names`). An ambiguous name (``Chinese``) or anything unknown is an
    error that suggests the nearest tags with their English names. ``echo=False``: the
    error does not repeat what was asked for (a batch's cell may hold anything, even a name).
    """
    available = available_languages(dirs)
    tag = requested.strip().replace("_", "-")
    lower = {a.lower(): a for a in available}
    if tag.lower() in lower:  # the exact catalog: no need for CLDR's data (a fast repeated make)
        return lower[tag.lower()]
    if _TAG.match(tag):
        for candidate in _candidates(tag):
            if candidate.lower() in lower:
                return lower[candidate.lower()]
    # (Babel, through the names of languages, 6 ms: not when a tag names a catalog)
    from handouts.i18n import names

    what = f"'{shown(requested.strip())}'" if echo else ""
    if not _TAG.match(tag) and not names.plausible(requested):
        raise UsageError(
            f"{what + ' is not' if echo else 'not'} a language tag or name; use a tag like es or es-MX, "
            f"or a name like Spanish. Supported: {', '.join(available)}"
        )
    found = names.by_name(requested, available)
    if len(found) == 1:
        return found[0]
    if found:
        raise UsageError(f"{'language ' + what + ' is ambiguous' if echo else 'an ambiguous language name'}; "
                         f"did you mean {names.describe(found)}?")
    hint = names.suggest(requested, available)
    did = f"did you mean {names.describe(hint)}? Supported" if hint else "supported"
    raise UsageError(
        f"unsupported language{' ' + what if echo else ''}; {did}: {', '.join(available)} "
        "(a clinic can add one with --locales DIR)"
    )


def _candidates(tag: str) -> list[str]:
    """``zh-TW`` -> zh-TW, zh-Hant-TW, zh-Hant, zh; ``pt-BR`` -> pt-BR, pt.

    The script comes from CLDR's likely subtags (Babel), so a region picks the right Chinese.
    """
    # (Babel: only for a tag that names no catalog as it is; 6 ms off the quick path)
    from babel.core import get_global

    from handouts.i18n.names import LANGUAGE_ALIASES  # (see negotiate_language)

    parts = tag.split("-")
    parts[0] = LANGUAGE_ALIASES.get(parts[0].lower(), parts[0].lower())
    likely = get_global("likely_subtags")
    region = next((p for p in parts[1:] if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())), None)
    scripted = None
    if not any(len(p) == 4 for p in parts[1:]):
        full = (likely.get(f"{parts[0]}_{region.upper()}") if region else None) or likely.get(parts[0])
        script = next((p for p in (full or "").split("_")[1:] if len(p) == 4), None)
        if script:
            scripted = [parts[0], script, *parts[1:]]
    out = []
    for ps in ([scripted] if scripted else []) + [parts]:
        out.extend("-".join(ps[:n]) for n in range(len(ps), 0, -1))
    out.insert(0, "-".join(parts))
    return list(dict.fromkeys(out))


def language_name(lang: str, in_lang: str | None = None) -> str:
    """The language's name, by default in itself (``es`` -> ``español``)."""
    # (Babel: see _candidates)
    from babel import Locale

    try:
        loc = Locale.parse(lang, sep="-")
        name = loc.get_display_name(Locale.parse(in_lang or lang, sep="-")) or lang
    except (ValueError, LookupError):
        return lang
    return name


@lru_cache(maxsize=64)
def is_rtl(lang: str) -> bool:
    """Whether ``lang`` is written right to left (Arabic, Persian, Hebrew, Urdu...), as CLDR says."""
    # (Babel: see _candidates)
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang.replace("-", "_")).text_direction == "rtl"
    except (UnknownLocaleError, ValueError):
        return False
