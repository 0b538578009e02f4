"""Dose schedules: steps parsed from text, their dates, plural forms, the calendar, and errors."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import pytest
from conftest import flat, pdf_text

from handouts.personal import FieldError, personal_from_fields
from handouts.schedule import MAX_DAYS, calendar_days, dated_steps, parse_schedule, template_vars

STARTER = ["--form", "tablet", "--strength", "25 mg", "--start", "2026-12-01",
           "--schedule", "1 1 2w; 2 1 2w; 2 morning,bedtime"]


def test_steps_are_parsed_with_their_durations():
    steps = parse_schedule("1 1 2w; 2 1 10d; 0.5 morning,bedtime")
    assert [(s.amount, s.times, s.per_day, s.days) for s in steps] == [
        (Decimal(1), (), 1, 14), (Decimal(2), (), 1, 10), (Decimal("0.5"), ("morning", "bedtime"), 0, None)]


def test_each_step_gets_its_dates_and_the_calendar_its_days():
    steps = parse_schedule("1 1 2w; 2 1 2w; 2 morning,bedtime")
    dated = dated_steps(steps, _dt.date(2026, 12, 1))
    assert [(d.first.isoformat(), d.last and d.last.isoformat()) for d in dated] == [
        ("2026-12-01", "2026-12-14"), ("2026-12-15", "2026-12-28"), ("2026-12-29", None)]
    days = calendar_days(steps, _dt.date(2026, 12, 1))
    # 28 dated days and the first week of the step that goes on
    assert len(days) == 35 and days[-1][0] == _dt.date(2027, 1, 4)


def test_the_calendar_starts_its_weeks_where_the_language_does():
    p = personal_from_fields({"form": "tablet", "start": "2026-12-01", "schedule": "1 1 1w"})
    en, es, ar = (template_vars(p.schedule, lang) for lang in ("en", "es", "ar"))
    assert en["weekdays"][0] == "Sun" and es["weekdays"][0] == "lun" and ar["weekdays"][0] == "السبت"
    # December 1, 2026 is a Tuesday: two blank days before it in the US week
    assert en["weeks"][0]["days"][:2] == [None, None] and en["weeks"][0]["days"][2]["label"] == "Dec 1"


@pytest.mark.parametrize("value, message", [
    ("1 1 2w; 2x 1 2w", "step 2: dose (first part): not a number"),
    ("1 1; 2 1 2w", "step 1: needs a duration (e.g. 2w); only the last step may go on without one"),
    ("1 thrice 2w", "step 1: times (second part): write a number of times a day"),
    ("1 1 2m", "step 1: duration (third part): not days or weeks; write e.g. 10d or 2w"),
    ("1 1 0d", "step 1: duration (third part): not days or weeks"),
    ("1 1 2w 5", "step 1: has 4 parts; write DOSE TIMES DURATION"),
    ("1 1 2w;; 2 1", "step 2 is empty"),
    ("1 1 7w; 2 1 6w", f"covers 91 days; the calendar shows at most 12 weeks ({MAX_DAYS} days)"),
    ("; ".join(["1 1 1d"] * 11), "has 11 steps; at most 10 fit on a handout"),
])
def test_a_bad_schedule_names_the_step(value, message):
    with pytest.raises(FieldError) as err:
        parse_schedule(value)
    assert err.value.field == "schedule"
    assert err.value.reason.startswith(message), err.value.reason


@pytest.mark.parametrize("args, message", [
    (["--form", "tablet", "--start", "2026-12-01", "--schedule", "1 1 2w; 2x 1 2w"],
     "--schedule: step 2: dose (first part): not a number; write the amount per dose"),
    (["--form", "tablet", "--start", "2026-12-01", "--dose", "1", "--schedule", "1 1 2w; 2 1"],
     "--schedule: give either a schedule or --dose, not both"),
    (["--form", "tablet", "--schedule", "1 1 2w; 2 1"], "--start: missing: a schedule needs the date of its first dose"),
    (["--start", "2026-12-01", "--schedule", "1 1 2w; 2 1"], "--form: missing: a schedule needs the form"),
    (["--form", "tablet", "--start", "2026-12-01", "--schedule", "1 1 12w; 1 1 2w"],
     "--schedule: covers 98 days; the calendar shows at most 12 weeks (84 days) of dated steps"),
    (["--form", "tablet", "--start", "2026-12-01", "--strength", "lots", "--schedule", "1 1"],
     "--strength: write the strength of one tablet or of the liquid as the label does, e.g. 25 mg"),
])
def test_a_bad_schedule_option_is_one_line_and_makes_nothing(cli, tmp_path, args, message):
    r = cli("make", "--drug", "lamotrigine", *args)
    assert r.code == 2, r
    assert r.err.startswith(f"handouts: error: {message}"), r.err
    assert len(r.err.strip().splitlines()) == 1
    assert "2x" not in r.err  # the patient's schedule is never repeated back
    assert not list(tmp_path.glob("*.pdf"))


def test_a_starter_schedule_prints_each_step_with_its_dates(cli, tmp_path):
    r = cli("make", "--drug", "lamotrigine", "--lang", "en", "--paper", "letter", *STARTER)
    assert r.code == 0, r
    pages = [flat(p) for p in pdf_text(tmp_path / "lamotrigine-en.pdf")]
    assert len(pages) <= 3
    text = " ".join(pages)
    assert "Your dose schedule" in pages[0]
    assert "From December 1 to December 14: take 1 tablet (25 mg each) 1 time a day." in pages[0]
    assert "From December 15 to December 28: take 2 tablets (25 mg each) 1 time a day." in pages[0]
    assert ("From December 29 on: take 2 tablets (25 mg each) in the morning and at bedtime, "
            "until your doctor changes it.") in pages[0]
    assert "Dose calendar" in text and "Tick a box each time you take a dose." in text
    # weeks as rows, Sunday first in the US, the year's change shown where it happens
    assert "Sun Mon Tue Wed Thu Fri Sat Week 1 Dec 1 2 3 4 5" in text
    # the step number beside the day its step starts (3 on December 29)
    assert "Week 5 27 28 3 29 30 31 Jan 1 2 Week 6 3 4" in text


def test_a_taper_that_ends_says_when(cli, tmp_path):
    r = cli("make", "--drug", "baclofen", "--lang", "en", "--form", "tablet", "--start", "2026-12-28",
            "--schedule", "2 3 1w; 1 3 1w; 1 1 3d")
    assert r.code == 0, r
    text = " ".join(flat(p) for p in pdf_text(tmp_path / "baclofen-en.pdf"))
    # a schedule across the new year writes the years
    assert "From December 28, 2026 to January 3, 2027: take 2 tablets 3 times a day." in text
    assert "From January 11, 2027 to January 13, 2027: take 1 tablet 1 time a day." in text
    assert "This schedule ends on January 13, 2027. Ask your doctor what to do after that." in text


def test_a_schedule_comes_from_the_csv_too(cli, tmp_path):
    (tmp_path / "day.csv").write_text(
        "drug,lang,form,strength,start,schedule\n"
        'lamotrigine,en,tablet,25 mg,2026-12-01,"1 1 2w; 2 1 2w; 2 morning,bedtime"\n'
        "lamotrigine,en,tablet,25 mg,2026-12-01,1 1 2w; 2x 1 2w\n", encoding="utf-8")
    r = cli("batch", "day.csv", "--out", "out/")
    assert r.code == 1, r
    assert "row 3: schedule: step 2: dose (first part): not a number" in r.err
    assert "2x" not in r.err
    made = list((tmp_path / "out").glob("*.pdf"))
    assert len(made) == 1
    assert "From December 15 to December 28: take 2 tablets (25 mg each) 1 time a day." in flat(pdf_text(made[0])[0])


def test_an_emailed_schedule_lists_its_steps_and_calendar_in_the_message():
    from handouts.handout import Request, handout_markup
    from handouts.render.html import html_from_markup

    personal = personal_from_fields({"form": "tablet", "start": "2026-12-01", "schedule": "1 1 2w; 2 morning,bedtime"})
    html = html_from_markup(handout_markup(Request(drug="lamotrigine", lang="es", personal=personal)).markup)
    assert "<li>Del 1 de diciembre al 14 de diciembre: tome 1 tableta 1 vez al día.</li>" in html
    assert "Calendario de dosis" in html and '<th scope="col">lun</th>' in html
    assert "15 &#9744;&#9744;" in html  # the second step's two doses a day, as boxes


@pytest.mark.parametrize("lang, expected", [
    ("es", ["Del 1 de diciembre al 7 de diciembre: tome 1 tableta 1 vez al día.",
            "Del 8 de diciembre al 14 de diciembre: tome 2 tabletas 1 vez al día.",
            "Del 22 de diciembre al 24 de diciembre: tome 0,5 tabletas 1 vez al día."]),
    # one, few, many: 1 таблетка, 2 таблетки, 5 and 11 таблеток; a half is "few" in CLDR
    ("ru", ["С 1 декабря по 7 декабря принимайте: 1 таблетка 1 раз в день.",
            "С 8 декабря по 14 декабря принимайте: 2 таблетки 1 раз в день.",
            "С 15 декабря по 21 декабря принимайте: 5 таблеток 1 раз в день.",
            "С 22 декабря по 24 декабря принимайте: 0,5 таблетки 1 раз в день.",
            "С 25 декабря принимайте: 11 таблеток 1 раз в день, пока врач не изменит дозу."]),
    # Arabic's six forms: 3-10 أقراص, 11-99 قرصًا
    ("ar", ["من 15 ديسمبر إلى 21 ديسمبر: تناول 5 أقراص 1 مرة في اليوم.",
            "من 25 ديسمبر فصاعدًا: تناول 11 قرصًا 1 مرة في اليوم، إلى أن يغيّر طبيبك الجرعة."]),
])
def test_each_steps_amount_takes_its_plural_form(lang, expected):
    import re

    from handouts.handout import Request, handout_markup

    personal = personal_from_fields({"form": "tablet", "start": "2026-12-01",
                                     "schedule": "1 1 1w; 2 1 1w; 5 1 1w; 0.5 1 3d; 11 1"})
    markup = handout_markup(Request(drug="lamotrigine", lang=lang, personal=personal)).markup
    steps = re.findall(r'<step n="[^"]*">(.*?)</step>', markup, re.S)
    assert len(steps) == 5
    for sentence in expected:
        assert sentence in steps, (sentence, steps)


def test_a_latin_amount_and_strength_stay_whole_in_right_to_left_text(cli, tmp_path):
    """Persian "10 mL (5 mg/mL)": each part one unit, so the reader meets 10 mL, then (5 mg/mL)."""
    from handouts.handout import Request, handout_markup

    personal = personal_from_fields({"form": "ml", "strength": "5 mg/mL", "start": "2026-12-01",
                                     "schedule": "10 3 1w; 5 1"})
    markup = handout_markup(Request(drug="baclofen", lang="fa", personal=personal)).markup
    assert '<name field="amount">10 mL</name> (<name field="strength">5 mg/mL</name>)' in markup
    # (pdfium reads right-to-left lines back in its own order: the drawn order is checked on
    # the rendered page, not from extracted text)
    r = cli("make", "--drug", "baclofen", "--lang", "fa", "--form", "ml", "--strength", "5 mg/mL",
            "--start", "2026-12-01", "--schedule", "10 3 1w; 5 1")
    assert r.code == 0, r


def test_a_language_without_month_names_gets_dates_in_digits(cli, tmp_path):
    """CLDR has no Haitian Creole month names ("2026 M11 29"): day/month/year in digits instead."""
    r = cli("make", "--drug", "lamotrigine", "--lang", "ht", "--form", "tablet", "--start", "2026-12-01",
            "--schedule", "1 1 2w; 2 1")
    assert r.code == 0, r
    text = " ".join(flat(p) for p in pdf_text(tmp_path / "lamotrigine-ht.pdf"))
    assert "M11" not in text and "M12" not in text
    assert "29/11/2026" in text  # the review date in the footer
    assert "1/12" in text and "14/12" in text and "15/12" in text
