"""A dose schedule: the steps of a build-up or a taper, as data, and the days they cover.

Written as ``--schedule "1 1 2w; 2 1 2w; 2 morning,bedtime"`` (or a CSV ``schedule`` cell):
steps separated by ``;``, each ``DOSE TIMES [DURATION]``. DOSE and TIMES are written as for
``--dose`` and ``--times``; DURATION is ``Nd`` (days) or ``Nw`` (weeks). Only the last step
may leave out its duration: it goes on after the schedule's dated steps.

The handout prints each step as a sentence with its dates and a calendar with a box per dose
per day (see the template, and ``Builder.el_calendar`` in :mod:`handouts.render.layout`).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal

from handouts.config import likely_territory
from handouts.doses import FieldError, format_amount, parse_amount, parse_times, plural_count

#: the longest calendar a handout prints: 12 weeks of dated steps (a week of a last step
#: that goes on is added to them)
MAX_DAYS = 84
MAX_STEPS = 10
#: how many days of a last step without a duration the calendar shows
CONTINUING_DAYS = 7
EXAMPLE = '"1 1 2w; 2 1 2w; 2 morning,bedtime"'


@dataclass(frozen=True)
class Step:
    amount: Decimal
    times: tuple[str, ...]  # named times of day, or () with per_day
    per_day: int
    days: int | None  # None: the last step, which goes on

    @property
    def doses_per_day(self) -> int:
        return len(self.times) or self.per_day

    def as_key(self) -> list:
        return [str(self.amount), list(self.times), self.per_day, self.days]


@dataclass(frozen=True)
class DatedStep:
    number: int  # 1, 2, ...
    step: Step
    first: _dt.date
    last: _dt.date | None  # None: goes on


def parse_schedule(value: str) -> tuple[Step, ...]:
    """The steps of ``value``; a mistake is a :class:`handouts.doses.FieldError` naming the step."""
    # (a schedule is the patient's: a message names the step and what is wrong, never the value)
    def fail(reason: str) -> FieldError:
        return FieldError("schedule", reason)

    parts = [p.strip() for p in value.split(";")]
    if parts and not parts[-1]:
        parts.pop()  # a trailing ';'
    if not parts:
        raise fail(f"is empty; write steps like {EXAMPLE}")
    if len(parts) > MAX_STEPS:
        raise fail(f"has {len(parts)} steps; at most {MAX_STEPS} fit on a handout")
    steps: list[Step] = []
    for n, part in enumerate(parts, 1):
        words = part.split()
        if not words:
            raise fail(f"step {n} is empty; write DOSE TIMES DURATION, e.g. 2 1 2w")
        if len(words) not in (2, 3):
            parts = f"{len(words)} part{'' if len(words) == 1 else 's'}"
            raise fail(f"step {n}: has {parts}; write DOSE TIMES DURATION, e.g. 2 1 2w "
                       "or 1 morning,bedtime 10d")
        try:
            amount = parse_amount(words[0])
        except FieldError as err:
            raise fail(f"step {n}: dose (first part): {err.reason}") from None
        try:
            times, per_day = parse_times(words[1])
        except FieldError as err:
            raise fail(f"step {n}: times (second part): {err.reason}") from None
        days = None
        if len(words) == 3:
            m = re.fullmatch(r"(\d{1,3})([dw])", words[2].lower())
            if not m or int(m.group(1)) == 0:
                raise fail(f"step {n}: duration (third part): not days or weeks; write e.g. 10d or 2w")
            days = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        steps.append(Step(amount, times, per_day, days))
    for n, step in enumerate(steps[:-1], 1):
        if step.days is None:
            raise fail(f"step {n}: needs a duration (e.g. 2w); only the last step may go on without one")
    total = sum(s.days or 0 for s in steps)
    if total > MAX_DAYS:
        raise fail(f"covers {total} days; the calendar shows at most {MAX_DAYS // 7} weeks ({MAX_DAYS} days) "
                   "of dated steps: print the first 12 weeks now and a new handout for the rest")
    return tuple(steps)


def dated_steps(steps: tuple[Step, ...], start: _dt.date) -> list[DatedStep]:
    out = []
    day = start
    for n, step in enumerate(steps, 1):
        last = day + _dt.timedelta(days=step.days - 1) if step.days else None
        out.append(DatedStep(n, step, day, last))
        if last:
            day = last + _dt.timedelta(days=1)
    return out


def calendar_days(steps: tuple[Step, ...], start: _dt.date) -> list[tuple[_dt.date, DatedStep]]:
    """Every day the calendar shows, with its step: the dated steps, and the first week of a
    last step that goes on."""
    out = []
    for ds in dated_steps(steps, start):
        n = ds.step.days or CONTINUING_DAYS
        out += [(ds.first + _dt.timedelta(days=i), ds) for i in range(n)]
    return out


def template_vars(schedule, lang: str) -> dict:
    """What the template sees of a schedule (``p.schedule``): step dates written the way the
    language writes them, and the calendar's rows of weeks (locale's first day of the week)."""
    from babel import Locale  # (Babel: only when a schedule is printed)

    from handouts.i18n.dates import format_day  # (Babel)

    locale = Locale.parse(lang.replace("-", "_"))

    steps = dated_steps(schedule.steps, schedule.start)
    end = steps[-1].last
    years = {schedule.start.year, (end or schedule.start).year}
    skeleton = "yMMMMd" if len(years) > 1 else "MMMMd"

    def long(day: _dt.date) -> str:
        return format_day(day, lang, skeleton)

    out_steps = []
    for ds in steps:
        st = ds.step
        out_steps.append({
            "number": ds.number,
            "mark": format_amount(Decimal(ds.number), lang),
            "num": format_amount(st.amount, lang),
            "count": plural_count(st.amount, lang),
            "times": list(st.times),
            "per_day": st.per_day,
            "first": long(ds.first),
            "last": long(ds.last) if ds.last else "",
            "one_day": ds.last == ds.first,
        })
    days = calendar_days(schedule.steps, schedule.start)
    # the week starts where the language's usual country starts it (Sunday in the US...)
    first_weekday = _week_locale(locale).first_week_day  # 0 = Monday
    names = locale.days["stand-alone"]["abbreviated"]
    weekdays = [names[(first_weekday + i) % 7] for i in range(7)]
    by_date = {d: ds for d, ds in days}
    first = days[0][0] - _dt.timedelta(days=(days[0][0].weekday() - first_weekday) % 7)
    weeks = []
    day = first
    while day <= days[-1][0]:
        row = []
        for _ in range(7):
            ds = by_date.get(day)
            if ds is None:
                row.append(None)
            else:
                show_month = day == days[0][0] or day.day == 1
                row.append({
                    "label": format_day(day, lang, "MMMd") if show_month
                    else format_amount(Decimal(day.day), lang),
                    "doses": ds.step.doses_per_day,
                    "step": ds.number,
                    "mark": format_amount(Decimal(ds.number), lang),
                    "change": day == ds.first and ds.number > 1,
                    "continues": ds.step.days is None,
                })
            day += _dt.timedelta(days=1)
        weeks.append({"mark": format_amount(Decimal(len(weeks) + 1), lang), "days": row})
    return {
        "form": schedule.form,
        "food": schedule.food,
        "strength": schedule.strength,
        "steps": out_steps,
        "end": long(end) if end else "",
        "start": long(schedule.start),
        "weekdays": weekdays,
        "weeks": weeks,
        "times": list(steps[0].step.times) if all(s.step.times == steps[0].step.times for s in steps) else [],
        "changes": len(steps) > 1,
    }


def _week_locale(locale):
    from babel import Locale  # (Babel: only when a schedule is printed)
    from babel.core import UnknownLocaleError

    if locale.territory:
        return locale
    territory = likely_territory(locale.language)
    try:
        return Locale(locale.language, territory=territory, script=locale.script) if territory else locale
    except UnknownLocaleError:
        return locale
