"""Personalization: the patient, the prescriber and a structured dose schedule.

The dose is data, not free text, so it can be printed in the patient's language with the
right plural forms: an amount and a form ("1" "tablet"), how often (a number of times a day,
or named times of day), food, and a start date. The same fields come from `make` options and
from batch CSV columns; every error names the field and says what to write instead.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from handouts.doses import (  # noqa: F401 (part of this module's interface)
    FOOD,
    FORMS,
    MAX_TIMES_PER_DAY,
    TIMES,
    FieldError,
    format_amount,
    parse_amount,
    parse_food,
    parse_form,
    parse_times,
    plural_count,
)
from handouts.errors import BIDI_CONTROLS
from handouts.schedule import parse_schedule
from handouts.schedule import template_vars as schedule_vars

MAX_NAME = 80
#: the fields, as `make` options (--patient ...) and batch CSV columns
FIELDS = ("patient", "prescriber", "dose", "form", "times", "food", "start", "strength", "schedule")

@dataclass(frozen=True)
class Dose:
    amount: Decimal  # how much per dose, in units of ``form``
    form: str  # one of FORMS
    times: tuple[str, ...] = ()  # named times of day, in day order; or () with per_day
    per_day: int = 0  # how many times a day, when the times are not named
    food: str = ""  # one of FOOD, or "" (not said)
    start: _dt.date | None = None
    strength: str = ""  # of one unit, as the label writes it ("25 mg"), or ""

    @property
    def doses_per_day(self) -> int:
        return len(self.times) or self.per_day

    def as_key(self) -> list:
        return [str(self.amount), self.form, list(self.times), self.per_day, self.food,
                self.start.isoformat() if self.start else None, self.strength]


@dataclass(frozen=True)
class Schedule:
    """Doses that change over time (a build-up or a taper): see :mod:`handouts.schedule`."""

    steps: tuple  # of handouts.schedule.Step
    form: str
    start: _dt.date
    food: str = ""
    strength: str = ""

    def as_key(self) -> list:
        return [[s.as_key() for s in self.steps], self.form, self.start.isoformat(), self.food, self.strength]


@dataclass(frozen=True)
class Personal:
    patient: str = ""
    prescriber: str = ""
    dose: Dose | None = None
    schedule: Schedule | None = None

    def __bool__(self) -> bool:
        return bool(self.patient or self.prescriber or self.dose or self.schedule)

    def as_key(self) -> list:
        return [self.patient, self.prescriber, self.dose.as_key() if self.dose else None,
                self.schedule.as_key() if self.schedule else None]


def clean_name(value: str) -> str:
    """A name as it is printed: directional controls (embeddings, overrides, isolates and
    marks, which could reorder the text around it) removed, white space collapsed."""
    value = "".join(ch for ch in value if ch not in BIDI_CONTROLS)
    return " ".join(value.split())


def _name(field: str, value: str) -> str:
    """A name as printed: control characters refused, then :func:`clean_name`."""
    value = clean_name(value)  # (a line break in a spreadsheet's cell becomes a space)
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
        raise FieldError(field, "contains control characters; retype it")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        # bytes that are not text in the terminal's or the file's encoding
        raise FieldError(field, "contains bytes that are not text (is the terminal set to UTF-8?); retype it")
    if len(value) > MAX_NAME:
        raise FieldError(field, f"longer than {MAX_NAME} characters; shorten it")
    return value


def parse_start(value: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError("start", "not a date; use YYYY-MM-DD, e.g. 2026-12-01") from None


def personal_from_fields(fields: Mapping[str, str | None]) -> Personal:
    """Build and check a :class:`Personal` from text fields (options or CSV cells); empty means not given."""
    get = {k: (fields.get(k) or "").strip() for k in FIELDS}
    patient = _name("patient", get["patient"])
    prescriber = _name("prescriber", get["prescriber"])
    if get["schedule"]:
        return Personal(patient=patient, prescriber=prescriber, schedule=_schedule(get))
    dose_fields = [k for k in ("dose", "form", "times", "food", "start", "strength") if get[k]]
    dose = None
    if dose_fields:
        for needed in ("dose", "form", "times"):
            if not get[needed]:
                given = ", ".join(dose_fields)
                raise FieldError(needed, f"missing: a dose schedule ({given} given) needs dose, form and times")
        times, per_day = parse_times(get["times"])
        dose = Dose(
            amount=parse_amount(get["dose"]),
            form=parse_form(get["form"]),
            times=times,
            per_day=per_day,
            food=parse_food(get["food"]) if get["food"] else "",
            start=parse_start(get["start"]) if get["start"] else None,
            strength=parse_strength(get["strength"]) if get["strength"] else "",
        )
    return Personal(patient=patient, prescriber=prescriber, dose=dose)


def parse_strength(value: str) -> str:
    """The strength of one tablet (or of the liquid) as the label writes it: ``25 mg``, ``5 mg/mL``."""
    text = " ".join(value.split())
    if not re.fullmatch(r"\d+(?:[.,]\d+)? ?(?:mg|mcg|g|mL|ml|units?)(?: ?/ ?\d*(?:[.,]\d+)? ?(?:mL|ml))?", text):
        raise FieldError("strength", "write the strength of one tablet or of the liquid as the label does, "
                                     "e.g. 25 mg or 5 mg/mL")
    return text.replace("ml", "mL")


def _schedule(get: dict[str, str]) -> Schedule:
    for other in ("dose", "times"):
        if get[other]:
            raise FieldError("schedule", f"give either a schedule or --{other}, not both: "
                                         "each step of a schedule has its dose and times")
    if not get["form"]:
        raise FieldError("form", "missing: a schedule needs the form (tablet, capsule, ml or packet)")
    if not get["start"]:
        raise FieldError("start", "missing: a schedule needs the date of its first dose (YYYY-MM-DD)")
    return Schedule(
        steps=parse_schedule(get["schedule"]),
        form=parse_form(get["form"]),
        start=parse_start(get["start"]),
        food=parse_food(get["food"]) if get["food"] else "",
        strength=parse_strength(get["strength"]) if get["strength"] else "",
    )


def template_vars(personal: Personal | None, lang: str) -> dict:
    """What the handout template sees as ``p``: strings and numbers ready to print."""
    from handouts.i18n.dates import format_date  # (Babel: only when a personal handout is printed)

    if not personal:
        return {"patient": "", "prescriber": "", "dose": None, "schedule": None}
    dose = personal.dose
    out: dict = {"patient": personal.patient, "prescriber": personal.prescriber, "dose": None, "schedule": None}
    if personal.schedule:
        out["schedule"] = schedule_vars(personal.schedule, lang)
    if dose:
        marks = int(dose.amount.to_integral(rounding="ROUND_CEILING"))
        out["dose"] = {
            "num": format_amount(dose.amount, lang),
            "count": plural_count(dose.amount, lang),
            "form": dose.form,
            "times": list(dose.times),
            "per_day": dose.per_day,
            "food": dose.food,
            "start": format_date(dose.start, lang) if dose.start else "",
            "strength": dose.strength,
            # pictures per row: one per whole unit, a half for a half; a measuring cup for liquids
            "marks": 1 if dose.form == "ml" else min(marks, 8),
            "half": dose.form != "ml" and dose.amount % 1 == Decimal("0.5"),
        }
    return out
