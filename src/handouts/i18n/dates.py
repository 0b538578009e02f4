"""Dates as a language writes them (CLDR, through Babel): a review date, a schedule's steps.

Shared by the template step (:mod:`handouts.render.markup`) and the personal data it is
given (:mod:`handouts.personal`, :mod:`handouts.schedule`), so neither imports the other for it.
"""

from __future__ import annotations

import datetime as _dt
import re

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton


def format_date(value: _dt.date, lang: str) -> str:
    """A date as the language writes it in full ("December 1, 2026", "1 de diciembre de 2026")."""
    return format_day(value, lang, "long")


#: for a language whose CLDR data has no month names (Haitian Creole prints "2026 M11 29"):
#: day/month(/year) in digits, as Haiti writes dates, rather than a code the reader cannot read
_NUMERIC = {"long": "d/M/y", "yMMMMd": "d/M/y", "MMMMd": "d/M", "MMMd": "d/M"}


def format_day(value: _dt.date, lang: str, skeleton: str = "long") -> str:
    """``value`` in one of the forms a handout prints: ``long`` (with the year), ``MMMMd``
    ("December 15"), ``yMMMMd``, ``MMMd`` ("Dec 15", the calendar's first day of a month)."""
    locale = Locale.parse(lang.replace("-", "_"))
    if re.fullmatch(r"M\d+", locale.months["format"]["wide"].get(1, "")):
        text = babel_format_date(value, _NUMERIC[skeleton], locale=locale)
    elif skeleton == "long":
        text = babel_format_date(value, format="long", locale=locale)
    else:
        text = format_skeleton(skeleton, value, locale=locale)
    # CLDR writes some dates with a narrow no-break space (Russian "2026\u202fг."); not every
    # font has that character, and a plain no-break space reads the same
    return text.replace("\u202f", "\u00a0")
