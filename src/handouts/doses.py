"""A dose's parts as someone types them (an amount, a form, times of day, food) and as a
handout prints them (the amount in the language's digits, the plural form of its unit).

Each parser's error is a :class:`FieldError` that names the field and says what to write,
never the value (it may be the patient's). Used by :mod:`handouts.personal` (one dose) and
:mod:`handouts.schedule` (a dose that changes).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from handouts.errors import UsageError

#: dose forms; the amount's unit as printed comes from the template (with plurals)
FORMS = ("tablet", "capsule", "ml", "packet")
#: times of day, in the order of a day
TIMES = ("morning", "noon", "evening", "bedtime")
FOOD = ("with", "without", "either")
MAX_TIMES_PER_DAY = 6

_FORM_ALIASES = {"tablets": "tablet", "tab": "tablet", "capsules": "capsule", "cap": "capsule",
                 "ml": "ml", "milliliter": "ml", "milliliters": "ml", "millilitre": "ml",
                 "packets": "packet", "sachet": "packet"}
_TIME_ALIASES = {"am": "morning", "midday": "noon", "lunch": "noon", "pm": "evening",
                 "night": "bedtime", "hs": "bedtime"}



class FieldError(UsageError):
    """A personalization field has a value that cannot be printed as asked."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message  # never repeats the value: it may be the patient's



def parse_amount(value: str) -> Decimal:
    text = value.strip().replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FieldError("dose", "not a number; write the amount per dose, e.g. 1, 0.5 or 5") from None
    if not amount.is_finite() or amount <= 0:
        raise FieldError("dose", "must be more than 0; write the amount per dose, e.g. 1, 0.5 or 5")
    if amount > 1000:
        raise FieldError("dose", "too large for one dose; check the amount and the form")
    if amount.as_tuple().exponent < -2:
        raise FieldError("dose", "more than 2 decimals; round it as the label says")
    return amount.normalize() if amount == amount.to_integral() else amount


def parse_form(value: str) -> str:
    key = value.strip().lower()
    key = _FORM_ALIASES.get(key, key)
    if key not in FORMS:
        raise FieldError("form", f"not a form handouts knows; use one of: {', '.join(FORMS)}")
    return key


def parse_times(value: str) -> tuple[tuple[str, ...], int]:
    """``3`` (times a day) or ``morning,evening`` (times of day)."""
    text = value.strip().lower()
    if re.fullmatch(r"\d+", text):
        n = int(text)
        if not 1 <= n <= MAX_TIMES_PER_DAY:
            raise FieldError("times", f"too many or too few times a day: use 1 to {MAX_TIMES_PER_DAY}")
        return (), n
    names = [_TIME_ALIASES.get(t.strip(), t.strip()) for t in re.split(r"[,;/+ ]+", text) if t.strip()]
    unknown = [n for n in names if n not in TIMES]
    if unknown or not names:
        raise FieldError("times", f"write a number of times a day (e.g. 3) or times of day "
                                  f"from {', '.join(TIMES)} (e.g. morning,evening)")
    if len(set(names)) != len(names):
        raise FieldError("times", "names a time of day twice; name each once")
    return tuple(t for t in TIMES if t in names), 0


def parse_food(value: str) -> str:
    key = value.strip().lower().replace("_", " ").replace("-", " ")
    key = {"with food": "with", "without food": "without", "empty stomach": "without",
           "with or without": "either", "with or without food": "either", "any": "either"}.get(key, key)
    if key not in FOOD:
        raise FieldError("food", "use with, without or either")
    return key



# ---------------------------------------------------------------------------- plurals

def plural_count(amount: Decimal, lang: str) -> int:
    """An integer with the same plural category as ``amount`` in ``lang``, for gettext.

    gettext's plural formulas take integers; CLDR knows the category of a decimal ("1.5
    tablets" in English, "1,5 comprimé" in French). Map the decimal to CLDR's category,
    then to the smallest positive integer of that category.
    """
    from babel import Locale  # (Babel: only when a dose is printed)

    if amount == amount.to_integral():
        return int(amount)

    locale = Locale.parse(lang.replace("-", "_"))
    category = locale.plural_form(amount)
    for wanted in (category, "few", "other"):
        for n in [*range(1, 200), 0]:
            if locale.plural_form(n) == wanted:
                return n
    return 2


def format_amount(amount: Decimal, lang: str) -> str:
    from babel.numbers import format_decimal  # (Babel: only when a dose is printed)

    return format_decimal(amount, locale=lang.replace("-", "_")).replace("\u202f", "\u00a0")
